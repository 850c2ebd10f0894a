"""Model-based search (BANANAS, GP-BO): acquisition functions against closed forms, candidate sets,
surrogate features, and the searchers on the real NB-201 table."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import suite
from suite.encodings import encode
from suite.encodings.genome import genome_for
from suite.errors import NasSuiteError
from suite.search import Budget, Objective, Oracle, make, objective_tables, run_search
from suite.search.acquisition import (
    acquire,
    expected_improvement,
    independent_thompson,
    top_k,
    upper_confidence_bound,
)
from suite.search.model_based import genome_onehot, mutation_candidates, neighbour_candidates, random_candidates

#: cheap settings for the quality comparison (the defaults are checked in the slow test)
FAST = {"bananas": {"num_ensemble": 3, "predictor_params": {"hidden": (32, 32), "max_iter": 60}},
        "gp-bo": {"k": 10}}


@pytest.fixture(scope="module")
def nb201():
    return suite.load("nb201", "cifar10")


# -- acquisition functions ----------------------------------------------------------------------------
def test_expected_improvement_closed_form_by_hand():
    # phi(0) = 1/sqrt(2 pi) = 0.3989422804; Phi(2) = 0.9772498681, phi(2) = 0.0539909665
    ei = expected_improvement([1.0, 0.5, 2.0, 3.0], [1.0, 0.0, 0.5, 0.0], best=1.0)
    np.testing.assert_allclose(ei, [0.3989422804, 0.0, 1.0 * 0.9772498681 + 0.5 * 0.0539909665, 2.0], rtol=1e-9)
    # xi shifts the incumbent: EI(mean=1, std=1, best=0.5, xi=0.5) = EI(mean=1, std=1, best=1)
    np.testing.assert_allclose(expected_improvement([1.0], [1.0], best=0.5, xi=0.5), 0.3989422804, rtol=1e-9)
    # EI is E[max(Y - best, 0)] for Y ~ N(mean, std): a Monte Carlo check far below the incumbent
    y = np.random.default_rng(0).normal(-1.0, 2.0, 2_000_000)
    np.testing.assert_allclose(expected_improvement([-1.0], [2.0], best=0.0), np.maximum(y, 0).mean(), rtol=5e-3)


def test_ucb_its_and_dispatch():
    mean, std = np.array([1.0, 2.0, 3.0]), np.array([2.0, 0.0, 1.0])
    np.testing.assert_allclose(upper_confidence_bound(mean, std), [2.0, 2.0, 3.5])  # beta = 0.5 (BANANAS)
    np.testing.assert_allclose(acquire("ucb", mean, std, best=0.0, rng=None, params={"beta": 2.0}), [5.0, 2.0, 5.0])
    z = np.random.default_rng(7).standard_normal(3)
    np.testing.assert_allclose(independent_thompson(mean, std, np.random.default_rng(7)), mean + std * z)
    big = independent_thompson(np.full(100_000, 5.0), np.full(100_000, 3.0), np.random.default_rng(2))
    assert abs(big.mean() - 5.0) < 0.05 and abs(big.std() - 3.0) < 0.05
    np.testing.assert_allclose(acquire("ei", mean, std, best=2.0, rng=None), expected_improvement(mean, std, 2.0))
    with pytest.raises(NasSuiteError, match="unknown acquisition function 'pi'; available: its, ucb, ei, mean"):
        acquire("pi", mean, std, best=0.0, rng=None)
    with pytest.raises(NasSuiteError, match="acquisition 'ei'"):
        acquire("ei", mean, std, best=0.0, rng=None, params={"beta": 1.0})


def test_top_k_best_first_ties_by_id_nan_last():
    ids = np.array([5, 3, 9, 1, 7])
    scores = np.array([1.0, 2.0, np.nan, 2.0, 0.5])
    assert top_k(ids, scores, 3).tolist() == [1, 3, 5]
    assert top_k(ids, scores, 10).tolist() == [1, 3, 5, 7, 9]


# -- features and candidates --------------------------------------------------------------------------
def test_genome_onehot_is_the_nb201_adjacency_onehot_encoding(nb201):
    ids = np.arange(0, len(nb201), 13)
    np.testing.assert_array_equal(genome_onehot(genome_for(nb201), ids), encode(nb201, "adjacency_onehot", ids))


def test_candidates_are_new_allowed_and_near_their_parents(nb201):
    g = genome_for(nb201)
    rng = np.random.default_rng(0)
    allowed = np.zeros(len(nb201), dtype=bool)
    allowed[rng.choice(len(nb201), 8000, replace=False)] = True
    seen = np.zeros(len(nb201), dtype=bool)
    queried = np.flatnonzero(allowed)[:30]
    seen[queried] = True
    ranked = queried[::-1]
    for edits in (1, 2):
        c = mutation_candidates(g, ranked, allowed, seen, num_candidates=100, num_arches_to_mutate=2,
                                max_mutations=edits, rng=rng)
        assert len(c) and len(np.unique(c)) == len(c) and allowed[c].all() and not seen[c].any()
        near = np.array([g.distance(np.full(len(ranked[:10]), i), ranked[:10]).min() for i in c])
        assert (near <= edits).all() and (near >= 1).all()
    n = neighbour_candidates(g, ranked[:3], allowed, seen)
    assert allowed[n].all() and not seen[n].any() and len(np.unique(n)) == len(n)
    assert set(n.tolist()) == {int(i) for i in g.neighbours(ranked[:3])[1] if allowed[i] and not seen[i]}
    r = random_candidates(allowed, seen, 50, rng, exclude=n)
    assert len(r) == 50 and allowed[r].all() and not seen[r].any() and not np.isin(r, n).any()


# -- the searchers ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["bananas", "gp-bo"])
def test_same_seed_same_trajectory_budget_and_pool(nb201, name):
    obj = Objective(cost_metric="train_time", schedule=200)
    a = run_search(nb201, name, obj, Budget(queries=30), seed=2, params=FAST[name])
    b = run_search(nb201, name, obj, Budget(queries=30), seed=2, params=FAST[name])
    pd.testing.assert_frame_equal(a.trajectory, b.trajectory)
    assert len(a.trajectory) == 30 and not a.trajectory["id"].duplicated().any()  # never re-proposes a query
    c = run_search(nb201, name, obj, Budget(seconds=40_000.0), seed=2, params=FAST[name]).trajectory
    assert (c["cost"].to_numpy()[:-1] < 40_000).all() and c["cost"].iloc[-1] >= 40_000
    # a pool holding every 7th cell: mutants and neighbours outside it are never queried
    tables = objective_tables(nb201, Objective(noise="mean"), np.random.default_rng(0))
    small = dataclasses.replace(tables, pool=np.arange(0, len(nb201), 7))
    rng = np.random.default_rng(3)
    oracle = Oracle(nb201, Objective(noise="mean"), Budget(queries=30), rng, tables=small)
    out = make(name, **FAST[name]).search(oracle, rng)
    assert len(out.trajectory) == 30 and np.isin(out.trajectory["id"], small.pool).all()


def test_bad_settings_fail_before_any_query(nb201):
    obj, budget = Objective(), Budget(queries=20)
    with pytest.raises(NasSuiteError, match="predictor 'rf' has no predict_with_std.*use one of: gp, bananas"):
        run_search(nb201, "bananas", obj, budget, seed=0, params={"predictor": "rf"})
    with pytest.raises(NasSuiteError, match="unknown acquisition function 'pi'"):
        run_search(nb201, "gp-bo", obj, budget, seed=0, params={"acquisition": "pi"})
    with pytest.raises(NasSuiteError, match="bananas: k must be an integer >= 1"):
        run_search(nb201, "bananas", obj, budget, seed=0, params={"k": 0})
    with pytest.raises(NasSuiteError, match="unknown encoding|no encoding"):
        run_search(nb201, "gp-bo", obj, budget, seed=0, params={"encoding": "nope"})


def test_plugging_predictors_and_acquisitions(nb201):
    """BANANAS with the GP and UCB; GP-BO with the MLP ensemble and ITS: same loop, shared modules."""
    obj = Objective(noise="mean")
    a = run_search(nb201, "bananas", obj, Budget(queries=25), seed=0,
                   params={"predictor": "gp", "acquisition": "ucb", "acquisition_params": {"beta": 1.0}})
    assert a.info["features"] == "adjacency_onehot" and a.info["n_fits"] == 2
    b = run_search(nb201, "gp-bo", obj, Budget(queries=14), seed=0,
                   params={"predictor": "bananas", "acquisition": "its", "k": 2,
                           "predictor_params": {"n_models": 2, "hidden": (8,), "max_iter": 20}})
    assert b.info["features"] == "path" and b.info["n_fits"] == 2


def _final(bench, method: str, seeds: range, params: dict | None) -> np.ndarray:
    obj = Objective(metric="valid_acc")  # 200-epoch validation accuracy, a recorded seed per query
    return np.array([run_search(bench, method, obj, Budget(queries=100), seed=s, params=params)
                     .trajectory["incumbent_true"].iloc[-1] for s in seeds])


def test_bananas_and_gp_bo_beat_random_search_on_nb201(nb201):
    """Best (seed-mean) validation accuracy found in 100 queries, averaged over 4 paired seeds."""
    seeds = range(4)
    rs = _final(nb201, "random", seeds, None)
    for name in ("bananas", "gp-bo"):
        found = _final(nb201, name, seeds, FAST[name])
        assert found.mean() > rs.mean(), (name, found, rs)


@pytest.mark.slow
def test_defaults_beat_random_search_on_nb201(nb201):
    seeds = range(8)
    rs = _final(nb201, "random", seeds, None)
    for name in ("bananas", "gp-bo"):
        found = _final(nb201, name, seeds, None)
        assert found.mean() > rs.mean() + 0.1, (name, found, rs)
