"""Where caches live.

Resolution order for *reading* (first that holds the requested cache wins):
explicit argument > ``$NAS_SUITE_DATA`` > per-user default > the embedded ``data/`` shipped with
the repository. *Writing* never targets the embedded directory implicitly: it goes to the
argument, else ``$NAS_SUITE_DATA``, else the per-user default, so a conversion can never
overwrite the reproducible embedded default by accident.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "NAS_SUITE_DATA"

#: The repository's embedded default (built by ``scripts/build_embedded.py``).
EMBEDDED_DIR = Path(__file__).resolve().parents[2] / "data"


def user_dir() -> Path:
    """Per-user cache root: ``$XDG_DATA_HOME/nas-suite`` or ``~/.local/share/nas-suite``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "nas-suite"


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
