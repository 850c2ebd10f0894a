"""Pins for hand-written code replaced by a library: the replacement keeps the old behaviour.

- :func:`suite.search.efficiency.sample_efficiency_gain` now uses ``scipy.stats.bootstrap``; the
  committed ``results/*/report/seg.csv`` were made with ``rng.integers(0, n, (n_boot, n))`` draws
  and ``np.percentile(means, [2.5, 97.5])``. If a scipy release changed its resampling, these
  intervals (and a regenerated report) would move: this test says so first.
- :func:`suite.data.paths.user_dir` now uses ``platformdirs``; on Linux it must still be
  ``$XDG_DATA_HOME/nas-suite``, else ``~/.local/share/nas-suite``, and ``$NAS_SUITE_DATA`` still
  comes first.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from suite.data import paths
from suite.search.efficiency import sample_efficiency_gain


def _legacy_interval(filled: np.ndarray, n_boot: int, seed: int) -> tuple[float, float]:
    """The loop the committed seg.csv files were made with."""
    gen = np.random.default_rng(seed)
    means = filled[gen.integers(0, len(filled), size=(n_boot, len(filled)))].mean(axis=1)
    lo, hi = np.percentile(means, [2.5, 97.5])
    return float(lo), float(hi)


@pytest.mark.parametrize("n_runs", [2, 7, 100])
def test_seg_interval_keeps_the_legacy_draws(n_runs):
    rng = np.random.default_rng(n_runs)
    queries = rng.integers(1, 500, n_runs).astype(float)
    queries[::5] = np.nan  # some censored runs, counted at their budget
    budgets = np.full(n_runs, 600.0)
    out = sample_efficiency_gain(queries, budgets, expected_random=900.0, n_boot=2000, rng=0)
    lo, hi = _legacy_interval(np.where(np.isnan(queries), budgets, queries), 2000, 0)
    assert out["ci_low"] == pytest.approx(lo, rel=1e-12) and out["ci_high"] == pytest.approx(hi, rel=1e-12)
    assert out["seg_low"] == pytest.approx(900.0 / hi, rel=1e-12)


def test_seg_of_one_run_is_a_point():
    out = sample_efficiency_gain([40.0], [100.0], expected_random=80.0)
    assert out["ci_low"] == out["ci_high"] == out["mean_queries"] == 40.0 and out["seg"] == 2.0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the XDG layout is the Linux default")
def test_user_dir_follows_xdg_on_linux(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert paths.user_dir() == tmp_path / "xdg" / "nas-suite"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert paths.user_dir() == tmp_path / "home" / ".local" / "share" / "nas-suite"
    assert not paths.user_dir().exists()  # looking up the root creates nothing


def test_nas_suite_data_still_comes_first(monkeypatch, tmp_path):
    monkeypatch.setenv(paths.ENV_VAR, str(tmp_path / "env"))
    assert paths.write_root() == tmp_path / "env"
    assert paths.search_roots()[:2] == [tmp_path / "env", paths.user_dir()]
    assert paths.search_roots(tmp_path / "arg") == [Path(tmp_path / "arg")]
