"""Optional per-predictor hyper-parameter search: random search scored by k-fold CV, in a time budget.

Off by default (every predictor has sensible defaults); an experiment turns it on per predictor.
The candidate sequence is a pure function of ``random_state`` (the defaults first, then draws
from :data:`SEARCH_SPACES`), folds are seeded too, and the winner is the best mean CV score with
ties going to the earlier candidate. So the result is deterministic given the seed *and the
number of candidates evaluated*: a wall-clock budget can cut the sequence at a different point on
a slower machine, which is why :class:`TuningResult` records ``n_evaluated`` and ``max_trials``
alone gives bit-identical results everywhere.

The score is Kendall's tau on the held-out fold (what predictor studies rank by), not MSE.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import KFold

from ..metrics import kendall

__all__ = ["SEARCH_SPACES", "TuningResult", "tune"]

Sampler = Callable[[np.random.Generator], Any]


def _log(low: float, high: float) -> Sampler:
    return lambda rng: float(np.exp(rng.uniform(np.log(low), np.log(high))))


def _uniform(low: float, high: float) -> Sampler:
    return lambda rng: float(rng.uniform(low, high))


def _int(low: int, high: int) -> Sampler:
    return lambda rng: int(rng.integers(low, high + 1))


def _choice(*options: Any) -> Sampler:
    return lambda rng: options[int(rng.integers(len(options)))]


#: parameter distributions per predictor class (ranges follow NASLib's predictor defaults and
#: Baker et al. 2017 for ν-SVR: C, gamma log-uniform, ν uniform)
SEARCH_SPACES: dict[str, dict[str, Sampler]] = {
    "RidgeRegressor": {"alpha": _log(1e-3, 1e3)},
    "RandomForest": {"n_estimators": _int(100, 500), "max_features": _uniform(0.1, 1.0),
                     "min_samples_leaf": _int(1, 5)},
    "NuSVRRegressor": {"C": _log(1e-2, 1e2), "nu": _uniform(0.05, 0.95), "gamma": _log(1e-3, 1.0)},
    "XGBoost": {"n_estimators": _int(100, 800), "learning_rate": _log(0.01, 0.3), "max_depth": _int(2, 10),
                "subsample": _uniform(0.5, 1.0), "colsample_bytree": _uniform(0.3, 1.0),
                "min_child_weight": _log(1.0, 10.0)},
    "LightGBM": {"n_estimators": _int(100, 800), "learning_rate": _log(0.01, 0.3), "num_leaves": _int(4, 64),
                 "min_child_samples": _int(2, 30), "subsample": _uniform(0.5, 1.0),
                 "colsample_bytree": _uniform(0.3, 1.0)},
    "MLP": {"alpha": _log(1e-5, 1e-1), "learning_rate": _log(1e-4, 1e-2),
            "hidden": _choice((64,), (128, 128), (64, 64, 64), (256, 128))},
    "BananasEnsemble": {"alpha": _log(1e-5, 1e-1), "learning_rate": _log(1e-4, 1e-2)},
    "GaussianProcess": {"ard": _choice(False, True)},
    "GCNRegressor": {"lr": _log(1e-4, 1e-2), "weight_decay": _log(1e-5, 1e-2), "dropout": _uniform(0.0, 0.3)},
}


@dataclass
class TuningResult:
    """Outcome of :func:`tune`: the refitted best estimator and the whole trial log."""

    estimator: Any
    best_params: dict[str, Any]
    best_score: float
    n_evaluated: int
    trials: list[dict[str, Any]] = field(default_factory=list)


def _candidates(est: Any, space: dict[str, Sampler], rng: np.random.Generator, n: int) -> list[dict[str, Any]]:
    params = est.get_params()
    unknown = sorted(set(space) - set(params))
    if unknown:
        raise ValueError(f"{type(est).__name__} has no parameter(s) {', '.join(unknown)} to tune")
    out: list[dict[str, Any]] = [{}]  # the defaults are always candidate 0
    for _ in range(n - 1):
        out.append({name: sample(rng) for name, sample in space.items()})
    return out


def tune(
    estimator: Any,
    X: Any,
    y: Any,
    *,
    space: dict[str, Sampler] | None = None,
    max_trials: int = 20,
    budget_s: float | None = 60.0,
    cv: int = 3,
    random_state: int = 0,
) -> TuningResult:
    """Random search over ``space`` (default: :data:`SEARCH_SPACES` of the estimator's class).

    Candidates are evaluated in their fixed order until ``max_trials`` are done or ``budget_s``
    seconds have passed (checked between candidates; the first candidate always completes), then
    the best is refitted on all of ``X, y``. Raises ``ValueError`` for an estimator without a
    search space or parameters the space names but the estimator lacks.
    """
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if space is None:
        try:
            space = SEARCH_SPACES[type(estimator).__name__]
        except KeyError:
            raise ValueError(
                f"no search space for {type(estimator).__name__}; pass space={{param: sampler}}"
            ) from None
    if len(y) < 2 * cv:
        raise ValueError(f"tuning with {cv}-fold CV needs at least {2 * cv} training rows, got {len(y)}")
    rng = np.random.default_rng(random_state)
    folds = list(KFold(n_splits=cv, shuffle=True, random_state=random_state).split(X))
    seeded = "random_state" in estimator.get_params()
    start = time.perf_counter()
    trials: list[dict[str, Any]] = []
    for i, params in enumerate(_candidates(estimator, space, rng, max_trials)):
        if i and budget_s is not None and time.perf_counter() - start > budget_s:
            break
        scores = []
        for k, (tr, va) in enumerate(folds):
            model = clone(estimator).set_params(**params)
            if seeded:
                model.set_params(random_state=random_state + k)
            scores.append(kendall(model.fit(X[tr], y[tr]).predict(X[va]), y[va]))
        trials.append({"params": params, "score": float(np.nanmean(scores)), "fold_scores": scores})
    best = max(range(len(trials)), key=lambda j: (np.nan_to_num(trials[j]["score"], nan=-np.inf), -j))
    final = clone(estimator).set_params(**trials[best]["params"]).fit(X, y)
    return TuningResult(final, trials[best]["params"], trials[best]["score"], len(trials), trials)
