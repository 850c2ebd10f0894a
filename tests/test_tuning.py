"""Hyper-parameter search: deterministic given the seed, respects budgets, finds better settings."""

from __future__ import annotations

import numpy as np
import pytest

import suite
import suite.predictors as P
from suite.metrics import kendall
from suite.predictors.tuning import tune


@pytest.fixture(scope="module")
def data():
    bench = suite.load("nb201", "cifar10")
    ids = np.random.default_rng(0).choice(len(bench), 500, replace=False)
    X = P.build_features(bench, P.Inputs(encoding="adjacency_onehot"), ids)
    return X, bench.metric("valid_acc")[ids]


def test_same_seed_same_result(data):
    X, y = data
    a = tune(P.make("ridge"), X[:200], y[:200], max_trials=6, budget_s=None, random_state=3)
    b = tune(P.make("ridge"), X[:200], y[:200], max_trials=6, budget_s=None, random_state=3)
    assert a.best_params == b.best_params and a.n_evaluated == b.n_evaluated == 6
    np.testing.assert_array_equal(a.estimator.predict(X), b.estimator.predict(X))
    c = tune(P.make("ridge"), X[:200], y[:200], max_trials=6, budget_s=None, random_state=4)
    assert [t["params"] for t in c.trials] != [t["params"] for t in a.trials]


def test_defaults_are_candidate_zero_and_best_is_refitted(data):
    X, y = data
    result = tune(P.make("nusvr"), X[:300], y[:300], max_trials=8, budget_s=None, random_state=0)
    assert result.trials[0]["params"] == {}
    assert result.best_score == max(t["score"] for t in result.trials)
    assert result.estimator.get_params()["C"] == result.best_params.get("C", 1.0)
    assert kendall(result.estimator.predict(X[300:]), y[300:]) > 0.4


def test_budget_stops_the_search(data):
    X, y = data
    result = tune(P.make("rf", n_estimators=20), X[:200], y[:200], max_trials=50, budget_s=0.0, random_state=0)
    assert result.n_evaluated == 1  # the first candidate always completes


def test_bad_spaces_are_refused(data):
    X, y = data
    with pytest.raises(ValueError, match="no search space for KNeighborsRegressor"):
        from sklearn.neighbors import KNeighborsRegressor

        tune(KNeighborsRegressor(), X, y)
    with pytest.raises(ValueError, match="has no parameter"):
        tune(P.make("ridge"), X, y, space={"depth": lambda rng: 3})
    with pytest.raises(ValueError, match="at least 6 training rows"):
        tune(P.make("ridge"), X[:4], y[:4])
