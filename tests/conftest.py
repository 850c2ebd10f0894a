"""Shared fixtures: where the real data lives, independent of the working directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from extras import SKIP_PREFIX

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


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A test that skips for a missing extra must carry ``needs_<extra>``, or CI would never run it."""
    outcome = yield
    report = outcome.get_result()
    if not report.skipped or not isinstance(report.longrepr, tuple):
        return
    reason = str(report.longrepr[2])
    prefix = "Skipped: " + SKIP_PREFIX
    if reason.startswith(prefix):
        extra = reason[len(prefix):].split("'", 1)[0]
        if item.get_closest_marker(f"needs_{extra}") is None:
            report.outcome = "failed"
            report.longrepr = f"{item.nodeid} skips for the '{extra}' extra but is not marked needs_{extra}"
