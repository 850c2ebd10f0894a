"""Additive predictor runs (suite/experiment/additive.py): a run directory holds the grid spanned by
every spec run under its name; only missing cells are computed; a change that would make finished
cells wrong is refused naming the key; committed runs (no journal) are never rewritten by a spec
whose cells they already hold."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from suite.errors import InvalidSpec
from suite.experiment import CellFailed, load_spec, run
from suite.experiment.runner import JOURNAL, PREDICTIONS, RECORDS

REPO = Path(__file__).resolve().parents[1]

BASE = """
name = "grow"
benchmark = "nb201"
predictors = ["ols"]
train_sizes = [10]
test_size = 50
seeds = 2
metrics = ["kendall", "spearman"]
"""
#: the grid BASE grows into: 2 predictors x 2 train sizes x 3 seeds
GROWN = ["predictors=[ols, ridge]", "train_sizes=[10, 30]", "seeds=3"]


def _spec(tmp_path: Path, overrides: list[str] = (), text: str = BASE) -> object:
    path = tmp_path / "grow.toml"
    path.write_text(text)
    return load_spec(path, list(overrides))


def _snapshot(directory: Path) -> dict[str, tuple[str, int]]:
    """Every file under ``directory``: content digest and modification time."""
    return {str(p.relative_to(directory)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(directory.rglob("*")) if p.is_file()}


def test_adding_predictors_train_sizes_and_seeds_computes_only_the_new_cells(tmp_path):
    first = run(_spec(tmp_path), tmp_path / "r")
    assert first.n_run == 2
    grown = run(_spec(tmp_path, GROWN), tmp_path / "r")
    assert (grown.n_cells, grown.n_run) == (12, 10)
    assert len((grown.directory / JOURNAL).read_text().splitlines()) == 12
    fresh = run(_spec(tmp_path, GROWN), tmp_path / "fresh")  # the grown grid in one go
    assert fresh.n_run == 12
    for name in (RECORDS, PREDICTIONS, "config.toml"):
        assert (grown.directory / name).read_bytes() == (fresh.directory / name).read_bytes(), name


def test_a_spec_inside_the_finished_grid_computes_and_rewrites_nothing(tmp_path):
    run(_spec(tmp_path, GROWN), tmp_path / "r")
    before = _snapshot(tmp_path / "r" / "grow")
    inside = run(_spec(tmp_path, ["predictors=[ridge]", "train_sizes=[30]", "seeds=[1]"]), tmp_path / "r")
    assert (inside.n_run, inside.n_cells, inside.requested, inside.changed) == (0, 12, 1, False)
    assert "the spec's 1 cells are among its 12 finished cells; nothing to compute, nothing rewritten" in inside.summary()
    assert _snapshot(tmp_path / "r" / "grow") == before
    # a smaller spec that adds one seed grows the whole grid by that seed, for every predictor and size
    more = run(_spec(tmp_path, ["predictors=[ridge]", "seeds=[3]"]), tmp_path / "r")
    assert (more.n_run, more.n_cells) == (4, 16)
    assert "the run holds 15 more from earlier specs" in more.summary()


@pytest.mark.parametrize("overrides, key", [
    (["test_size=40"], "test_size = 40 differs from 50"),
    (["dataset=cifar100"], 'dataset = "cifar100" differs from "cifar10"'),
    (["target.metric=test_acc"], 'target.metric = "test_acc" differs'),
    (["metrics=[kendall]"], r"metrics = \['kendall'\] differs"),
    (["params.ols.fit_intercept=false"], "params.ols.fit_intercept = False differs from the value its finished ols"),
    (["predictors=[ols, synflow]"], r"predictors: the grid would draw its splits from 72\d architectures instead of "
                                    r"the 15,625 .*predictors added: \['synflow'\]"),
])
def test_changes_that_invalidate_finished_cells_are_refused_naming_the_key(tmp_path, overrides, key):
    run(_spec(tmp_path), tmp_path / "r")
    before = _snapshot(tmp_path / "r" / "grow")
    with pytest.raises(InvalidSpec, match=key) as err:
        run(_spec(tmp_path, overrides), tmp_path / "r")
    assert "\n" not in str(err.value) and "another name" in str(err.value)
    assert _snapshot(tmp_path / "r" / "grow") == before


def test_fidelities_extend_a_learning_curve_grid_and_the_default_does_not_mix_with_them(tmp_path):
    curves = ["predictors=[last_seen]", "fidelity=[10]"]
    assert run(_spec(tmp_path, curves), tmp_path / "r").n_run == 2
    more = run(_spec(tmp_path, ["predictors=[last_seen]", "fidelity=[20, 10]"]), tmp_path / "r")
    assert (more.n_run, more.n_cells) == (2, 4)
    assert set(more.records.fidelity) == {10, 20}
    with pytest.raises(InvalidSpec, match=r"fidelity = \[\] differs from \[20, 10\]"):
        run(_spec(tmp_path, ["predictors=[last_seen]"]), tmp_path / "r")


FLAKY = '''
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import LinearRegression


class Flaky(RegressorMixin, BaseEstimator):
    """Fails in fit when asked to: a parameter error that only a fit can find."""

    def __init__(self, fail=False):
        self.fail = fail

    def fit(self, X, y):
        if self.fail:
            raise RuntimeError("asked to fail")
        self.model_ = LinearRegression().fit(X, y)
        return self

    def predict(self, X):
        return self.model_.predict(X)
'''


def test_a_run_stopped_by_a_spec_error_resumes_once_the_spec_is_corrected(tmp_path, monkeypatch):
    (tmp_path / "flaky_mod.py").write_text(FLAKY)
    monkeypatch.syspath_prepend(str(tmp_path))
    text = BASE.replace('predictors = ["ols"]', 'predictors = ["ols", { name = "flaky", factory = "flaky_mod:Flaky" }]')
    with pytest.raises(CellFailed, match="cell flaky.*asked to fail"):
        run(_spec(tmp_path, ["params.flaky.fail=true"], text), tmp_path / "r")
    assert len((tmp_path / "r" / "grow" / JOURNAL).read_text().splitlines()) == 2  # ols finished first
    fixed = run(_spec(tmp_path, ["params.flaky.fail=false"], text), tmp_path / "r")
    assert (fixed.n_run, fixed.n_cells) == (2, 4)
    assert "fail = false" in (fixed.directory / "config.toml").read_text()


def test_a_run_committed_without_its_journal_is_read_back_from_its_tables(tmp_path):
    run(_spec(tmp_path, GROWN), tmp_path / "r")
    directory = tmp_path / "r" / "grow"
    (directory / JOURNAL).unlink()  # as committed: cells.jsonl and (large) predictions are git-ignored
    (directory / PREDICTIONS).unlink()
    before = _snapshot(directory)
    same = run(_spec(tmp_path, GROWN), tmp_path / "r")
    assert (same.n_run, same.changed) == (0, False) and _snapshot(directory) == before
    grown = run(_spec(tmp_path, [*GROWN, "seeds=4"]), tmp_path / "r")
    assert (grown.n_run, grown.n_cells) == (4, 16)
    fresh = run(_spec(tmp_path, [*GROWN, "seeds=4"]), tmp_path / "fresh")
    assert (directory / RECORDS).read_bytes() == (fresh.directory / RECORDS).read_bytes()
    predictions = pd.read_parquet(directory / PREDICTIONS)
    assert set(predictions.seed) == {3}  # the cells read back from records.parquet have no predictions


def test_reproducing_naslib_nb201_with_fewer_seeds_leaves_the_committed_run_untouched(tmp_path):
    """The README's `nas-suite reproduce naslib-nb201 --set seeds=5 --jobs 2` on a fresh clone, where
    results/naslib-nb201/ holds the committed 100-seed run (no journal, no predictions)."""
    committed = subprocess.run(["git", "ls-files", "results/naslib-nb201"], cwd=REPO, capture_output=True, text=True)
    files = committed.stdout.split()
    if committed.returncode != 0 or not files:
        pytest.skip("not a git checkout with the committed results/naslib-nb201")
    for name in files:
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO / name, target)
    before = _snapshot(tmp_path / "results")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-m", "suite.cli", "reproduce", "naslib-nb201", "--set", "seeds=5", "--jobs", "2"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "the spec's 330 cells are among its 6,600 finished cells; nothing to compute, nothing rewritten" in out.stdout
    assert _snapshot(tmp_path / "results") == before
