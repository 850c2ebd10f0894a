"""Contracts every registered searcher keeps, on every benchmark with a genome.

A searcher registered in :data:`suite.search.SEARCHERS` is run here with small budgets and
must

* replay exactly: the same seed gives the same trajectory (ids, observations, costs);
* respect the budget: never more queries than ``Budget.queries``, and no query after the
  simulated seconds are spent (the query that crosses the limit counts, as in NATS-Bench);
* stay in the space: every queried id is in the oracle's pool (a cell the table has), and a
  multi-fidelity searcher queries only the schedules it was given;
* resume: a search experiment stopped after one run and resumed writes the same files as
  one uninterrupted experiment.

New searchers are picked up from the registry: a searcher that needs an optional extra is
marked ``needs_<extra>`` from its registry entry and skips without it.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import suite
from suite.search import SEARCHERS, Budget, Objective, objective_tables, run_search
from tests.extras import needs_extra

#: small-budget parameters per searcher (defaults elsewhere): the contracts, not the quality
PARAMS: dict[str, dict[str, Any]] = {
    "predictor": {"predictor": "ridge", "n_init": 5, "batch": 5, "subset_size": 200},
    "bananas": {"num_init": 5, "k": 5, "predictor_params": {"hidden": (32, 32), "max_iter": 60}},
    "gp-bo": {"num_init": 5},
}

#: benchmark -> (dataset, objective, multi-fidelity schedules)
BENCHES: dict[str, tuple[str, dict[str, Any], list[int]]] = {
    "nb201": ("cifar10", {"schedule": 200, "noise": "query", "cost_metric": "train_time"}, [12, 200]),
    # the embedded NB-101 sample (292 cells) holds valid_acc at 108 epochs only
    "nb101": ("cifar10", {"schedule": 108, "noise": "mean", "test_metric": "valid_acc"}, [108]),
    "fcnet": ("protein", {"metric": "neg_valid_mse", "schedule": 100, "noise": "query",
                          "test_metric": "neg_valid_mse"}, [100]),
}


def _searcher_params(name: str, bench: str) -> dict[str, Any]:
    params = dict(PARAMS.get(name, {}))
    cls = SEARCHERS.spec(name).load()
    if "schedules" in inspect.signature(cls.__init__).parameters:  # multi-fidelity: the table's schedules
        params.setdefault("schedules", BENCHES[bench][2])
    return {k: v for k, v in params.items() if _accepts(cls, k)}


def _accepts(cls: type, key: str) -> bool:
    sig = inspect.signature(cls.__init__)
    return key in sig.parameters or any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values())


def _cases() -> list[Any]:
    cases = []
    for name in SEARCHERS.available():
        extra = SEARCHERS.spec(name).extra
        marks = [getattr(pytest.mark, f"needs_{extra}")] if extra else []
        cases.append(pytest.param(name, extra, marks=marks, id=name))
    return cases


def _available_benches() -> list[str]:
    from suite.data.registry import BENCHMARKS

    return [b for b in BENCHES if b in BENCHMARKS]


_LOADED: dict[str, Any] = {}


def _bench(name: str) -> Any:
    if name not in _LOADED:
        _LOADED[name] = suite.load(name, BENCHES[name][0])
    return _LOADED[name]


def _run(name: str, bench_name: str, budget: Budget, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    bench = _bench(bench_name)
    objective = Objective(**BENCHES[bench_name][1])
    tables = objective_tables(bench, objective, np.random.default_rng(seed))
    result = run_search(bench, name, objective, budget, seed=seed, params=_searcher_params(name, bench_name))
    return result.trajectory, tables.pool


@pytest.mark.parametrize("bench_name", _available_benches())
@pytest.mark.parametrize("name,extra", _cases())
def test_same_seed_same_trajectory_and_queries_stay_in_the_space(name: str, extra: str | None, bench_name: str) -> None:
    if extra:
        needs_extra(extra)
    budget = Budget(queries=40)
    first, pool = _run(name, bench_name, budget, seed=3)
    again, _ = _run(name, bench_name, budget, seed=3)
    pd.testing.assert_frame_equal(first, again)
    assert 0 < len(first) <= 40
    assert np.isin(first["id"].to_numpy(), pool).all(), "queried a cell outside the oracle's pool"
    if "schedule" in first:
        assert set(first["schedule"].unique()) <= set(BENCHES[bench_name][2])


@pytest.mark.parametrize("name,extra", _cases())
def test_seconds_budget_is_respected(name: str, extra: str | None) -> None:
    if extra:
        needs_extra(extra)
    seconds = 20_000.0
    trajectory, _ = _run(name, "nb201", Budget(seconds=seconds), seed=1)
    cost = trajectory["cost"].to_numpy()
    assert len(cost)
    assert (cost[:-1] < seconds).all(), "queried after the simulated seconds were spent"


@pytest.mark.parametrize("name,extra", _cases())
def test_a_stopped_experiment_resumes_to_the_same_files(name: str, extra: str | None, tmp_path: Path) -> None:
    if extra:
        needs_extra(extra)
    from suite.experiment.search_runs import parse_search_spec, run_searches

    raw = {"name": "contract", "kind": "search", "benchmark": "nb201", "dataset": "cifar10", "seeds": 2,
           "objective": BENCHES["nb201"][1], "budget": {"queries": 25},
           "methods": [{"method": name, "params": _searcher_params(name, "nb201")}]}
    spec = parse_search_spec(raw, "contract")
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    run_searches(spec, whole)
    first = run_searches(spec, parts, limit=1)
    assert not first.complete
    assert run_searches(spec, parts).complete
    for file in ("trajectories.parquet", "records.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(whole / "contract" / file),
                                      pd.read_parquet(parts / "contract" / file))
