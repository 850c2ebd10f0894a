"""Build hook: ship the embedded data and the experiment configs inside the package.

Everything else about the build is declared in ``pyproject.toml``. The repository's top-level
``data/`` (embedded caches, ``data/README.md`` with their provenance and licences) and ``configs/``
(``*.toml``) stay the source of truth; a wheel carries copies as ``suite/_shipped/data`` and
``suite/_shipped/configs``, where :mod:`suite._shipped` finds them at run time. The sdist carries the
originals (``MANIFEST.in``), so a wheel built from it gets the same copies. Editable installs copy
nothing: they read the checkout's folders directly.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

#: source folder (relative to this file's directory) -> (target inside the build, file patterns)
SHIPPED = {
    "data": ("suite/_shipped/data", ("**/*",)),
    "configs": ("suite/_shipped/configs", ("*.toml",)),
}


def shipped_files(source: Path, patterns: tuple[str, ...]) -> list[Path]:
    """Files under ``source`` matching ``patterns``, relative to it; no caches or hidden files."""
    found = {p.relative_to(source) for pattern in patterns for p in source.glob(pattern) if p.is_file()}
    return sorted(p for p in found if not any(part.startswith(".") or part == "__pycache__" for part in p.parts))


class BuildPyWithShipped(build_py):
    """``build_py`` that also copies :data:`SHIPPED` into the build tree (wheels only)."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        for source, (target, patterns) in SHIPPED.items():
            destination = Path(self.build_lib) / target
            shutil.rmtree(destination, ignore_errors=True)  # no stale file from an earlier build
            files = shipped_files(Path(source), patterns)
            if not files:
                raise SystemExit(f"setup.py: nothing to ship under {source}/ (run the build from the repository root)")
            for relative in files:
                (destination / relative).parent.mkdir(parents=True, exist_ok=True)
                self.copy_file(str(Path(source) / relative), str(destination / relative))


setup(cmdclass={"build_py": BuildPyWithShipped})
