"""Where the files shipped with the code are: the embedded benchmark caches and the experiment configs.

The repository's top-level ``data/`` (embedded caches, ``data/README.md`` with their provenance and
licences) and ``configs/`` (``*.toml`` experiment specs) are the source of truth. Two layouts read
them, and each function below gives the one answer for both:

- a checkout (``PYTHONPATH=.``, or ``pip install -e .``, whose finder maps ``suite`` onto the
  checkout): ``<checkout>/data`` and ``<checkout>/configs``, beside the ``suite/`` package;
- an installed wheel: ``suite/_shipped/data`` and ``suite/_shipped/configs``, copied there at build
  time by the ``build_py`` hook in ``setup.py`` (the sdist carries ``data/`` and ``configs/`` through
  ``MANIFEST.in``). A checkout never holds these copies, so their presence marks an installed package.

The caches are memory-mapped, so they must be real files: a zip-imported ``suite`` is not supported.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["checkout_root", "configs_dir", "data_dir", "is_installed"]

_HERE = Path(__file__).resolve().parent
#: the directory that holds ``suite/`` (a checkout's root, or site-packages when installed)
_ABOVE_PACKAGE = _HERE.parents[1]


def is_installed() -> bool:
    """Whether this package runs from an installed wheel (its build copied ``data/`` in)."""
    return (_HERE / "data").is_dir()


def data_dir() -> Path:
    """Root of the embedded caches (``<root>/<benchmark>/<dataset>/metadata.json``, ``README.md``).

    May not exist (a bare copy of ``suite/`` without its checkout): loads then fail with the usual
    CacheError naming the roots searched.
    """
    return _HERE / "data" if is_installed() else _ABOVE_PACKAGE / "data"


def configs_dir() -> Path:
    """Directory of the shipped experiment configs (``<name>.toml``, run by ``nas-suite reproduce NAME``)."""
    return _HERE / "configs" if is_installed() else _ABOVE_PACKAGE / "configs"


def checkout_root() -> Path | None:
    """The repository checkout this package runs from, or None for an installed wheel (or a bare
    copy of ``suite/`` with no ``pyproject.toml`` beside it)."""
    if is_installed() or not (_ABOVE_PACKAGE / "pyproject.toml").is_file():
        return None
    return _ABOVE_PACKAGE
