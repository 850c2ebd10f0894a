"""Experiment specs and the runner: validation, determinism, resumption, backends."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from suite.experiment import InvalidSpec, load_spec, parse_spec, plan, run
from suite.experiment.runner import JOURNAL, RECORDS, split, eligible_pool
from suite.experiment.spec import apply_overrides, to_toml

from extras import needs_extra

SMALL = """
name = "small"
benchmark = "nb201"
dataset = "cifar10"
predictors = ["ols", "ridge"]
train_sizes = [10, 30]
test_size = 50
seeds = 3
metrics = ["spearman", "kendall", "precision@10"]
[params.ridge]
alpha = 0.5
"""


def _write(tmp_path: Path, text: str = SMALL, name: str = "small.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# -- specs ---------------------------------------------------------------------------------------------------
def test_spec_resolves_defaults_and_round_trips_through_toml(tmp_path):
    spec = load_spec(_write(tmp_path))
    assert spec.seeds == (0, 1, 2) and spec.target_metric == "valid_acc" and spec.params["ridge"] == {"alpha": 0.5}
    again = load_spec(_write(tmp_path, to_toml(spec.as_toml_dict()), "resolved.toml"))
    assert again == spec


@pytest.mark.parametrize("override, check", [
    ("predictors=[xgb,gnn]", lambda s: s.predictors == ("xgb", "gnn")),
    ("predictors=['rf']", lambda s: s.predictors == ("rf",)),
    ("target.epoch=12", lambda s: s.target_epoch == 12),
    ("seeds=[7, 9]", lambda s: s.seeds == (7, 9)),
    ("test_size=rest", lambda s: s.test_size is None),
])
def test_overrides_are_toml_values_not_code(tmp_path, override, check):
    text = SMALL.replace('[params.ridge]\nalpha = 0.5\n', '')
    assert check(load_spec(_write(tmp_path, text), [override]))


@pytest.mark.parametrize("text, override, message", [
    ("colour = 1\n" + SMALL, [], "unknown key 'colour'"),
    (SMALL, ["target.epochs=3"], "unknown key target.'epochs'"),
    (SMALL, ["predictors=[xgb,nope]"], r"predictors: unknown \['nope'\]"),
    (SMALL, ["train_sizes=[10, -1]"], "train_sizes values must be >= 1"),
    (SMALL, ["test_size=1"], "test_size must be an integer >= 2"),
    (SMALL, ["benchmark=nb999"], "nb999"),
    (SMALL, ["metrics=[tau]"], r"metrics: unknown \['tau'\]"),
    (SMALL, ["predictors=[ols]"], "params.ridge is given but 'ridge' is not in predictors"),
    (SMALL, ['name="../escape"'], "name '../escape' must be"),
    (SMALL, ["seeds"], "not key=value"),
    (SMALL, ["seeds=__import__('os')"], "not a TOML value"),
    ("name = [", [], "not valid TOML"),
])
def test_bad_specs_name_the_key(tmp_path, text, override, message):
    with pytest.raises(InvalidSpec, match=message):
        load_spec(_write(tmp_path, text), override)


def test_splits_are_shared_nested_and_disjoint(tmp_path):
    spec = load_spec(_write(tmp_path))
    import suite

    pool = eligible_pool(spec, suite.load("nb201", "cifar10"))
    tr10, te10 = split(spec, pool, 1, 10)
    tr30, te30 = split(spec, pool, 1, 30)
    assert np.array_equal(te10, te30) and np.array_equal(tr30[:10], tr10)  # same test set, nested train sets
    assert not set(tr30) & set(te30) and len(te30) == 50
    assert not np.array_equal(split(spec, pool, 2, 10)[1], te10)  # another seed, another split


# -- the runner ----------------------------------------------------------------------------------------------
def test_run_writes_tidy_records_config_and_meta(tmp_path):
    spec = load_spec(_write(tmp_path))
    result = run(spec, tmp_path / "results")
    rec = result.records
    assert result.n_cells == len(plan(spec)) == 2 * 2 * 3 and result.n_run == 12
    assert list(rec.columns) == ["benchmark", "dataset", "target", "predictor", "fidelity", "train_size", "seed",
                                 "n_train", "n_test", "metric", "value"]
    assert len(rec) == 12 * 4 and set(rec.metric) == {"n_pairs", "spearman", "kendall", "precision@10"}
    # one cell recomputed by hand from the documented split and seed rules
    import suite
    import suite.predictors as P
    from suite.experiment.runner import Cell, cell_random_state
    from suite.metrics import spearman

    bench = suite.load("nb201", "cifar10")
    y = bench.metric("valid_acc")
    train, test = split(spec, eligible_pool(spec, bench), 2, 30)
    X = P.build_features(bench, P.spec("ridge").inputs, np.concatenate([train, test]))
    model = P.make("ridge", bench, alpha=0.5, random_state=cell_random_state(Cell("ridge", 0, 30, 2)))
    expect = spearman(y[test], model.fit(X[:30], y[train]).predict(X[30:]))
    got = rec.query("predictor == 'ridge' and train_size == 30 and seed == 2 and metric == 'spearman'").value
    assert got.tolist() == [pytest.approx(expect, abs=1e-12)]
    files = {p.name for p in result.directory.iterdir()}
    assert {"config.toml", "meta.json", "records.parquet", "timings.parquet", JOURNAL} <= files
    meta = json.loads((result.directory / "meta.json").read_text())
    assert meta["data"]["benchmark"] == "nb201" and meta["packages"]["numpy"]
    assert load_spec(result.directory / "config.toml") == spec  # the resolved spec reproduces the run
    with pytest.raises(InvalidSpec, match="test_size = 40 differs"):  # more seeds would extend it (additive runs)
        run(load_spec(_write(tmp_path), ["test_size=40"]), tmp_path / "results")


def test_resumed_run_is_byte_identical_to_an_uninterrupted_one(tmp_path):
    spec = load_spec(_write(tmp_path))
    whole = run(spec, tmp_path / "a")
    part = run(spec, tmp_path / "b", limit=5)
    assert part.n_run == 5 and not (part.directory / RECORDS).exists()
    with open(part.directory / JOURNAL, "ab") as fh:  # a crash in the middle of writing a line
        fh.write(b'{"key": "ridge|f0|n30|s2", "n_tr')
    rest = run(spec, tmp_path / "b")
    assert rest.n_run == 12 - 5
    assert (rest.directory / RECORDS).read_bytes() == (whole.directory / RECORDS).read_bytes()


def test_parallel_jobs_give_identical_records(tmp_path):
    spec = load_spec(_write(tmp_path))
    one = run(spec, tmp_path / "one", jobs=1)
    two = run(spec, tmp_path / "two", jobs=2)
    assert (one.directory / RECORDS).read_bytes() == (two.directory / RECORDS).read_bytes()


def test_killed_cli_run_resumes_to_identical_records(tmp_path):
    """SIGKILL a real `nas-suite run` after its first cells, re-run the same command."""
    text = SMALL.replace('predictors = ["ols", "ridge"]', 'predictors = ["ols", "ridge", "rf"]')
    cfg = _write(tmp_path, text)
    cmd = [sys.executable, "-m", "suite.cli", "run", str(cfg), "--results", str(tmp_path / "killed")]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    journal = tmp_path / "killed" / "small" / JOURNAL
    deadline = time.time() + 120
    while time.time() < deadline and (not journal.exists() or journal.read_bytes().count(b"\n") < 4):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert 4 <= journal.read_bytes().count(b"\n") < 18
    assert subprocess.run(cmd, capture_output=True).returncode == 0
    reference = run(load_spec(cfg), tmp_path / "reference")
    assert (tmp_path / "killed" / "small" / RECORDS).read_bytes() == (reference.directory / RECORDS).read_bytes()


@pytest.mark.needs_dask
def test_dask_backend_matches_local(tmp_path):
    distributed = needs_extra("dask")
    spec = load_spec(_write(tmp_path))
    local = run(spec, tmp_path / "local")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        remote = run(spec, tmp_path / "dask", backend="dask", address=cluster.scheduler_address)
    assert (local.directory / RECORDS).read_bytes() == (remote.directory / RECORDS).read_bytes()


@pytest.mark.needs_ray
def test_ray_backend_matches_local(tmp_path):
    needs_extra("ray")
    spec = load_spec(_write(tmp_path))
    local = run(spec, tmp_path / "local")
    remote = run(spec, tmp_path / "ray", backend="ray")
    assert (local.directory / RECORDS).read_bytes() == (remote.directory / RECORDS).read_bytes()


def test_test_size_rest_scores_every_remaining_cell_and_resumes(tmp_path, monkeypatch):
    """``test_size = "rest"`` survives the config pin and the workers: every eligible cell outside the
    training set is scored, and a re-run resumes instead of crashing (a regression)."""
    from suite.cli import main

    monkeypatch.chdir(tmp_path)
    argv = ["run", str(Path(__file__).resolve().parents[1] / "configs" / "quickstart.toml"), "--results", "r",
            "--set", "name=rest", "--set", "test_size=rest", "--set", "predictors=[ols]", "--set", "seeds=1",
            "--set", "train_sizes=[20]"]
    assert main(argv) == 0
    assert 'test_size = "rest"' in (tmp_path / "r" / "rest" / "config.toml").read_text()
    records = pd.read_parquet(tmp_path / "r" / "rest" / RECORDS)
    n_test = int(records["n_test"].iloc[0])
    assert n_test > 15_000 and records["n_train"].iloc[0] == 20  # not the default 200 test cells
    assert main(argv) == 0  # resumes from the journal
    assert len(pd.read_parquet(tmp_path / "r" / "rest" / "predictions.parquet")) == n_test
