"""Shared fixtures: where the real data lives, independent of the working directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("NAS_SUITE_SHARED", REPO.parent / "shared")) / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path of ``../shared/data`` (the real public tables CI checks out beside the repo)."""
    if not SHARED_DATA.is_dir():
        raise RuntimeError(f"real data not found at {SHARED_DATA}; set NAS_SUITE_SHARED to the shared/ directory")
    return SHARED_DATA


@pytest.fixture(autouse=True)
def _isolated_user_cache(tmp_path_factory, monkeypatch):
    """Keep tests away from the developer's real per-user cache and $NAS_SUITE_DATA."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("xdg")))
    monkeypatch.delenv("NAS_SUITE_DATA", raising=False)
