"""Provenance of run directories (command, versions, commit, portable data locations).

:func:`write_atomic` and :func:`atomic_output` are :mod:`suite.atomic`'s, re-exported here for
the run kinds; config pinning and the journal live in :mod:`suite.experiment.execution`.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING, Any

from .._shipped import checkout_root
from ..atomic import atomic_output, write_atomic

if TYPE_CHECKING:
    from ..data.benchmark import Benchmark

__all__ = ["atomic_output", "write_atomic", "git_commit", "git_dirty", "command_line",
           "portable_cache_location", "portable_path", "provenance", "REPO_ROOT"]

#: The checkout this package runs from (paths inside it are recorded relative to it), or None when
#: it runs from an installed wheel.
REPO_ROOT: Path | None = checkout_root()


def _package_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("nas-suite")
    except metadata.PackageNotFoundError:
        from .. import __version__

        return __version__


def git_commit() -> str:
    """Commit of the checkout this package runs from; without one (an installed wheel, an unpacked
    sdist) ``"nas-suite <version> (no git checkout)"``, so the field still says which code ran.

    Git is asked only inside :data:`REPO_ROOT`: an installed package may sit in a virtual environment
    inside some unrelated repository, whose commit would say nothing about this code.
    """
    no_checkout = f"nas-suite {_package_version()} (no git checkout)"
    if REPO_ROOT is None:
        return no_checkout
    try:
        out = subprocess.run(["git", "-C", str(REPO_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return no_checkout
    return (out.stdout.strip() or no_checkout) if out.returncode == 0 else no_checkout


def git_dirty() -> bool | None:
    """Whether tracked files differ from ``git_commit()`` (then the commit alone does not pin the code);
    None without a git checkout."""
    if REPO_ROOT is None:
        return None
    try:
        out = subprocess.run(["git", "-C", str(REPO_ROOT), "status", "--porcelain", "--untracked-files=no"],
                             capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return bool(out.stdout.strip()) if out.returncode == 0 else None


def command_line() -> str:
    """The command that is running, as a user would retype it (``nas-suite reproduce ...``)."""
    program = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python"
    if program == "__main__.py":
        program = "python -m suite"
    return " ".join([program, *map(shlex.quote, sys.argv[1:])])


def portable_cache_location(path: str | os.PathLike[str]) -> str:
    """Where a benchmark cache was read from, as ``"<root kind>:<benchmark>/<dataset>"``.

    ``meta.json`` files are committed and read on other machines, so they must not carry this
    machine's absolute paths (``/tmp/rt2/data/nb201/cifar10`` says nothing elsewhere and leaks the
    local layout); which data was read is pinned by the checksums recorded beside it. What stays
    meaningful is which kind of cache root held it (see :mod:`suite.data.paths`) and the path below
    that root. ``path`` is ``<root>/<benchmark>/<dataset>`` (``Benchmark.path``); the first root
    that contains it names the kind:

    - ``"embedded:nb201/cifar10"``: the embedded ``data/`` (``EMBEDDED_DIR``; a checkout's or an
      installed wheel's);
    - ``"NAS_SUITE_DATA:nb201/cifar10"``: the root named by ``$NAS_SUITE_DATA``;
    - ``"user:nb201/cifar10"``: the per-user default (``user_dir()``);
    - ``"explicit:nb201/cifar10"``: any other root (an explicit ``root``/``--root``); the last two
      components of ``path``.
    """
    from ..data.paths import EMBEDDED_DIR, ENV_VAR, user_dir

    target = Path(path).resolve()
    roots = [("embedded", EMBEDDED_DIR)]
    if os.environ.get(ENV_VAR):
        roots.append((ENV_VAR, Path(os.environ[ENV_VAR])))
    roots.append(("user", user_dir()))
    for kind, root in roots:
        try:
            relative = target.relative_to(root.resolve())
        except ValueError:
            continue
        if relative.parts:
            return f"{kind}:{relative.as_posix()}"
    return f"explicit:{PurePosixPath(*target.parts[-2:])}"


def portable_path(value: str | os.PathLike[str]) -> str:
    """``value`` as a committed ``meta.json`` may hold it: never an absolute path.

    An absolute path inside the embedded data becomes ``data/<path below it>`` (as in a checkout,
    also when the data is an installed wheel's copy); one inside the checkout becomes relative to it
    (POSIX separators); any other absolute path (POSIX or Windows) becomes its final name. Relative
    paths and plain descriptions (``"shipped"``, ``"cifar10_train.npz (JPEG)"``) pass through unchanged.
    """
    from ..data.paths import EMBEDDED_DIR

    text = os.fspath(value)
    if PureWindowsPath(text).is_absolute() and not text.startswith("/"):
        return PureWindowsPath(text).name or text
    if not text.startswith("/"):
        return text
    resolved = Path(text).resolve()
    for root, prefix in ((EMBEDDED_DIR, PurePosixPath("data")), (REPO_ROOT, PurePosixPath())):
        if root is None:
            continue
        try:
            return (prefix / resolved.relative_to(Path(root).resolve())).as_posix()
        except ValueError:
            continue
    return PurePosixPath(text).name or text


def provenance(bench: Benchmark) -> dict[str, Any]:
    """What produced a run directory: the command, Python, package versions, source commit, the data
    cache (as :func:`portable_cache_location`) and its checksums."""
    import platform
    from importlib import metadata

    versions = {}
    for dist in ("nas-suite", "numpy", "pandas", "pyarrow", "scipy", "scikit-learn", "xgboost", "xgboost-cpu",
                 "lightgbm", "torch", "joblib", "dask", "ray"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return {
        "command": command_line(),
        "python": platform.python_version(),
        "packages": versions,
        "git_commit": git_commit(),
        "git_dirty": git_dirty(),
        "data": {
            "benchmark": bench.name,
            "dataset": bench.dataset,
            "cache": portable_cache_location(bench.path),
            "schema_version": bench.meta.get("schema_version"),
            "converter_version": bench.meta.get("converter_version"),
            "sources": bench.meta.get("sources", []),
            "files": bench.meta.get("files", {}),
        },
    }
