"""Optional extras: which importable modules each ``pip install 'nas-suite[<extra>]'`` brings.

One table, so that code, tests and error messages agree on what an extra is called and what it
installs. Nothing here imports an optional module at import time: :func:`installed` asks
:mod:`importlib.util.find_spec`, which finds a module without running it.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from .errors import NasSuiteError

#: extra name (as in ``pyproject.toml``) -> the top-level modules it makes importable
EXTRA_MODULES: dict[str, tuple[str, ...]] = {
    "torch": ("torch",),
    "boost": ("xgboost", "lightgbm"),
    "dask": ("distributed",),
    "ray": ("ray",),
    "graph": ("nas_bench_graph",),
    "optuna": ("optuna",),
    "smac": ("smac", "ConfigSpace"),
    "hpbandster": ("hpbandster", "ConfigSpace", "statsmodels"),
    "docs": ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers"),
}


class MissingExtra(NasSuiteError, ImportError):
    """An optional extra that a feature needs is not installed (the message says how to get it)."""


def install_hint(extra: str) -> str:
    """The one-line install command for ``extra``; torch also names the CPU-only build."""
    hint = f"pip install 'nas-suite[{extra}]'"
    if extra == "torch":
        hint += " (CPU-only build: pip install torch --index-url https://download.pytorch.org/whl/cpu)"
    return hint


def _known(extra: str) -> tuple[str, ...]:
    try:
        return EXTRA_MODULES[extra]
    except KeyError:
        raise NasSuiteError(f"unknown extra {extra!r}; known: {', '.join(EXTRA_MODULES)}") from None


def installed(extra: str) -> bool:
    """Whether every module of ``extra`` can be found (without importing it)."""
    return all(importlib.util.find_spec(module) is not None for module in _known(extra))


def check_installed(extra: str, feature: str) -> None:
    """Raise the one-line :class:`MissingExtra` now if ``extra`` is not installed, without importing it.

    For checks when a spec is read (a searcher's constructor, a predictor grid's validation), so
    that a missing library fails before any run starts; ``feature`` names what needs it.
    """
    if not installed(extra):
        modules = ", ".join(_known(extra))
        raise MissingExtra(f"{feature} needs the '{extra}' extra ({modules} is not installed); {install_hint(extra)}")


def require(extra: str, feature: str, module: str | None = None) -> ModuleType:
    """Import ``module`` (default: the extra's first module) or raise :class:`MissingExtra`.

    ``feature`` names what needs it, for the message: ``"gnn needs the 'torch' extra: pip install ..."``.
    """
    name = module or _known(extra)[0]
    try:
        return importlib.import_module(name)
    except ImportError as err:
        raise MissingExtra(f"{feature} needs the '{extra}' extra ({name} is not importable: {err}); "
                           f"{install_hint(extra)}") from None
