"""Where caches live.

Resolution order for *reading* (first that holds the requested cache wins):
explicit argument > ``$NAS_SUITE_DATA`` > per-user default > the embedded ``data/`` shipped with
the package (a checkout's or an installed wheel's, :mod:`suite._shipped`). *Writing* goes to the argument, else ``$NAS_SUITE_DATA``, else the per-user
default, and never into the embedded directory: :func:`check_not_embedded` refuses any target
that resolves to it or inside it (``--out data``, ``NAS_SUITE_DATA=<repo>/data``, a symlink to
it), so a conversion or download cannot overwrite the reproducible embedded default. Only
``scripts/build_embedded.py`` writes there, inside :func:`writing_embedded`.

Why ``platformdirs`` for the per-user default: it knows each platform's per-user data directory
(and ``$XDG_DATA_HOME``) so this module does not hard-code a Linux path everywhere.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Iterator

import platformdirs

from .._shipped import data_dir
from ..errors import NasSuiteError

ENV_VAR = "NAS_SUITE_DATA"

#: The embedded default (built by ``scripts/build_embedded.py``): the checkout's ``data/``, or its
#: copy inside an installed wheel (:func:`suite._shipped.data_dir` says which).
EMBEDDED_DIR = data_dir()


_EMBEDDED_WRITES: ContextVar[bool] = ContextVar("nas_suite_embedded_writes", default=False)


@contextmanager
def writing_embedded() -> Iterator[None]:
    """Allow writes into :data:`EMBEDDED_DIR` inside this block (this thread/context only).

    For ``scripts/build_embedded.py`` alone, which rebuilds the embedded caches byte-identically.
    """
    token = _EMBEDDED_WRITES.set(True)
    try:
        yield
    finally:
        _EMBEDDED_WRITES.reset(token)


def is_embedded(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` (existing or not) is :data:`EMBEDDED_DIR` or inside it: symlinks are
    resolved, and existing ancestors are compared by identity too (case-insensitive file systems)."""
    resolved, embedded = Path(os.path.realpath(path)), Path(os.path.realpath(EMBEDDED_DIR))
    try:
        identity = os.stat(embedded)
    except OSError:
        identity = None
    for ancestor in (resolved, *resolved.parents):
        if ancestor == embedded:
            return True
        try:
            if identity is not None and os.path.samestat(os.stat(ancestor), identity):
                return True
        except OSError:
            continue  # not created yet
    return False


def check_not_embedded(path: str | os.PathLike[str], error: type[NasSuiteError] = NasSuiteError) -> None:
    """Raise ``error`` (one line) if writing ``path`` would write into the embedded ``data/``,
    unless inside :func:`writing_embedded`."""
    if is_embedded(path) and not _EMBEDDED_WRITES.get():
        raise error(
            f"refusing to write {path}: it is inside the embedded data/ ({EMBEDDED_DIR}), which only "
            f"scripts/build_embedded.py rebuilds; choose another root with --out or ${ENV_VAR}"
        )


def user_dir() -> Path:
    """Per-user cache root (not created here): ``platformdirs.user_data_path("nas-suite")``.

    Linux: ``$XDG_DATA_HOME/nas-suite``, else ``~/.local/share/nas-suite`` (as before the switch);
    macOS: ``~/Library/Application Support/nas-suite`` (recent platformdirs: ``$XDG_DATA_HOME`` first);
    Windows: ``%LOCALAPPDATA%\\nas-suite``.
    """
    return platformdirs.user_data_path("nas-suite", appauthor=False)


def search_roots(root: str | os.PathLike[str] | None = None) -> list[Path]:
    """Cache roots to look in, in priority order (an explicit root is the only one searched)."""
    if root is not None:
        return [Path(root)]
    roots: list[Path] = []
    env = os.environ.get(ENV_VAR)
    if env:
        roots.append(Path(env))
    roots.extend([user_dir(), EMBEDDED_DIR])
    return roots


def write_root(root: str | os.PathLike[str] | None = None) -> Path:
    """Root a conversion writes into when the user names none."""
    if root is not None:
        return Path(root)
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else user_dir()


def cache_dir(root: Path, benchmark: str, dataset: str) -> Path:
    """``<root>/<benchmark>/<dataset>``: one cache per (benchmark, dataset)."""
    return Path(root) / benchmark / dataset
