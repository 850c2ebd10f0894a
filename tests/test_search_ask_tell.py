"""Ask/tell optimisers as searchers (suite.search.ask_tell): a user's own optimiser by import path in a
search experiment, failed asks not charged, budgets kept, replay by seed, one-line errors for
missing extras and broken optimisers. Optuna and SMAC3 runs are marked needs_<extra>."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest

import suite
import suite.search
from suite.encodings.genome import genome_for
from suite.errors import NasSuiteError
from suite.experiment.search_runs import parse_search_spec, run_searches
from suite.experiment.spec import InvalidSpec
from suite.extras import MissingExtra
from suite.report import write_report
from suite.search import Budget, Objective, objective_tables, run_search
from suite.search.ask_tell import AskTellSearcher, ParameterSpace
from tests.extras import needs_extra

OBJECTIVE = Objective(schedule=12, noise="mean", cost_metric="train_time", cost_scale=0.06)
HERE = __name__  # the import path of the optimisers below, whatever name pytest gave this module


class HillClimber:
    """A pure-numpy (1+1) evolution over the genome: mutate one position of the best configuration told."""

    #: every (config, value) told to any instance, for the tests to inspect
    told: ClassVar[list[tuple[dict[str, int], float | None]]] = []

    def __init__(self, space: ParameterSpace, seed: int, flips: int = 1) -> None:
        self.space, self.flips = space, flips
        self.rng = np.random.default_rng(seed)
        self.best: tuple[dict[str, int], float] | None = None

    def ask(self) -> dict[str, int]:
        cards = np.asarray(self.space.cardinalities)
        if self.best is None:
            return self.space.config(self.rng.integers(0, cards))
        vector = np.array([self.best[0][n] for n in self.space.names])
        for p in self.rng.choice(len(cards), size=self.flips, replace=False):
            vector[p] = self.rng.integers(cards[p])
        return self.space.config(vector)

    def tell(self, config: dict[str, int], value: float | None) -> None:
        HillClimber.told.append((config, value))
        if value is not None and (self.best is None or value > self.best[1]):
            self.best = (config, value)


class AlwaysThis:
    """Asks one fixed vector forever (to meet a cell the pool lacks)."""

    def __init__(self, space: ParameterSpace, seed: int) -> None:
        self.vector = np.zeros(len(space), dtype=np.int64)

    def ask(self) -> np.ndarray:
        return self.vector

    def tell(self, config: np.ndarray, value: float | None) -> None:
        pass


@pytest.fixture(scope="module")
def bench():
    return suite.load("nb201", "cifar10")


def test_own_optimizer_by_import_path_runs_in_a_search_experiment(tmp_path: Path) -> None:
    raw = {"name": "mine", "kind": "search", "benchmark": "nb201", "dataset": "cifar10", "seeds": 2,
           "objective": {"schedule": 12, "noise": "mean", "cost_metric": "train_time", "cost_scale": 0.06},
           "budget": {"seconds": 3000},
           "methods": [{"method": "random"},
                       {"label": "climber", "method": "ask-tell",
                        "params": {"optimizer": f"{HERE}:HillClimber", "optimizer_params": {"flips": 1}}}]}
    spec = parse_search_spec(raw, "mine")
    result = run_searches(spec, tmp_path)
    assert result.complete
    traj = pd.read_parquet(result.directory / "trajectories.parquet")
    mine = traj[traj["label"] == "climber"]
    assert set(mine["run"]) == {0, 1} and (mine.groupby("run")["cost"].max() >= 3000).all()
    written = [Path(p).name for p in write_report(result.directory)]
    assert "seg.md" in written and "final.md" in written


def test_failed_asks_are_told_none_and_not_charged(bench) -> None:
    tables = objective_tables(bench, OBJECTIVE)
    tables.pool = tables.pool[tables.pool % 3 != 0]  # a table that lacks a third of the cells
    HillClimber.told.clear()
    result = run_search(bench, AskTellSearcher(optimizer=HillClimber), OBJECTIVE, Budget(queries=30), seed=4,
                        tables=tables)
    ids = result.trajectory["id"].to_numpy()
    failed = [v for _, v in HillClimber.told if v is None]
    assert len(ids) == 30 and np.isin(ids, tables.pool).all()
    assert result.info["invalid_asks"] == len(failed) > 0
    assert len(HillClimber.told) - len(failed) == 30  # one query (and one charge) per valid ask only
    np.testing.assert_allclose(result.trajectory["cost"], np.cumsum(tables.cost[ids]))


def test_too_many_failed_asks_in_a_row_is_one_line(bench) -> None:
    tables = objective_tables(bench, OBJECTIVE)
    cell = int(genome_for(bench).decode(np.zeros((1, 6), dtype=np.int8))[0])
    tables.pool = tables.pool[tables.pool != cell]
    searcher = AskTellSearcher(optimizer=f"{HERE}:AlwaysThis", max_invalid=5)
    with pytest.raises(NasSuiteError, match="6 configurations in a row.*max_invalid=5") as err:
        run_search(bench, searcher, OBJECTIVE, Budget(queries=3), seed=0, tables=tables)
    assert "\n" not in str(err.value)


def test_budgets_are_kept_and_the_same_seed_replays(bench) -> None:
    by_count = run_search(bench, "ask-tell", OBJECTIVE, Budget(queries=25), seed=1).trajectory
    assert len(by_count) == 25
    by_time = run_search(bench, "ask-tell", OBJECTIVE, Budget(seconds=5000), seed=1).trajectory
    cost = by_time["cost"].to_numpy()
    assert cost[-1] >= 5000 and (cost[:-1] < 5000).all()
    pd.testing.assert_frame_equal(by_time, run_search(bench, "ask-tell", OBJECTIVE, Budget(seconds=5000), seed=1).trajectory)


@pytest.mark.parametrize("params, message", [
    ({"optimizer": "no_such_module_here:Opt"}, "cannot be imported"),
    ({"optimizer": "numpy:pi"}, "is not callable"),
    ({"optimizer": "suite.search.ask_tell:UniformAskTell", "max_invalid": -1}, "max_invalid"),
])
def test_bad_optimizers_fail_when_the_spec_is_read(params, message) -> None:
    raw = {"name": "bad", "kind": "search", "benchmark": "nb201", "dataset": "cifar10", "seeds": 1,
           "budget": {"queries": 5}, "methods": [{"method": "ask-tell", "params": params}]}
    with pytest.raises(InvalidSpec, match=message) as err:
        parse_search_spec(raw, "bad")
    assert "\n" not in str(err.value)


def test_an_optimizer_that_breaks_the_space_is_one_line() -> None:
    space = ParameterSpace(names=("p0", "p1"), cardinalities=(5, 2), ordinal=(False, True))
    assert space.vector({"p0": 4, "p1": np.int64(1)}).tolist() == [4, 1] and space.vector([0.0, 1]).tolist() == [0, 1]
    for bad, message in [({"p0": 1}, "lacks"), ([1, 2, 3], "length 3"), ([5, 0], "p0=5"), ([0.5, 0], "p0=0.5")]:
        with pytest.raises(NasSuiteError, match=message):
            space.vector(bad)


@pytest.mark.parametrize("method, extra", [("optuna", "optuna"), ("smac", "smac")])
def test_missing_extra_is_one_line_at_construction(method, extra, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, extra, None)  # not importable, as if not installed
    with pytest.raises(MissingExtra, match=rf"needs the '{extra}' extra.*pip install 'nas-suite\[{extra}\]'") as err:
        suite.search.make(method)
    assert "\n" not in str(err.value)
    raw = {"name": "x", "kind": "search", "benchmark": "nb201", "dataset": "cifar10", "seeds": 1,
           "budget": {"queries": 5}, "methods": [{"method": method}]}
    with pytest.raises(InvalidSpec, match=f"needs the '{extra}' extra"):
        parse_search_spec(raw, "x")


@pytest.mark.needs_optuna
@pytest.mark.parametrize("sampler", ["tpe", "random"])
def test_optuna_same_seed_same_trajectory(bench, sampler) -> None:
    needs_extra("optuna")
    budget = Budget(seconds=3000)
    first = run_search(bench, "optuna", OBJECTIVE, budget, seed=2, params={"sampler": sampler})
    again = run_search(bench, "optuna", OBJECTIVE, budget, seed=2, params={"sampler": sampler})
    other = run_search(bench, "optuna", OBJECTIVE, budget, seed=3, params={"sampler": sampler})
    pd.testing.assert_frame_equal(first.trajectory, again.trajectory)
    assert not first.trajectory["id"].equals(other.trajectory["id"])
    cost = first.trajectory["cost"].to_numpy()
    assert cost[-1] >= 3000 and (cost[:-1] < 3000).all()


@pytest.mark.needs_optuna
def test_optuna_bad_sampler_options_are_one_line() -> None:
    needs_extra("optuna")
    with pytest.raises(NasSuiteError, match="unknown sampler 'cmaes'; available: tpe, random, gp, nsga2"):
        suite.search.make("optuna", sampler="cmaes")
    with pytest.raises(NasSuiteError, match="does not take bogus, seed"):
        suite.search.make("optuna", sampler_params={"bogus": 1, "seed": 3})


@pytest.mark.needs_smac
def test_smac_same_seed_same_trajectory(bench) -> None:
    needs_extra("smac")
    budget = Budget(queries=8)
    first = run_search(bench, "smac", OBJECTIVE, budget, seed=5)
    again = run_search(bench, "smac", OBJECTIVE, budget, seed=5)
    pd.testing.assert_frame_equal(first.trajectory, again.trajectory)
    assert len(first.trajectory) == 8
