"""Contract checks every nas-suite predictor must pass, shipped so a user can run them on theirs.

    from suite.testing.contracts import check_predictor
    check_predictor(MyRegressor(random_state=0), X, y)   # raises AssertionError naming the contract

The contracts are the ones experiments rely on beyond scikit-learn's own estimator checks
(which ``tests/test_predictor_contracts.py`` also runs over the registry):

- ``clone``: an unfitted copy with identical parameters;
- ``same_seed``: two fits with the same ``random_state`` predict identically;
- ``row_order``: permuting the training rows changes nothing (for deterministic models: within
  solver tolerance, 1% of the predictions' spread) or only within model noise (Spearman >= 0.8
  between the two prediction vectors);
- ``pickle``: a fitted predictor survives a pickle round trip with identical predictions;
- ``tiny``: it fits on 5 training rows and predicts finite values;
- ``bad_input``: NaN targets, a wrong number of columns and 1-D ``X`` raise ``ValueError``.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from sklearn.base import clone

__all__ = ["CONTRACTS", "check_predictor", "contract_checks"]

#: predictor classes whose fit does not depend on the order of training rows
_EXACT_ORDER = {"OLS", "RidgeRegressor", "NuSVRRegressor", "GaussianProcess", "ProxyScore",
                "LastSeenValue", "CurveExtrapolation"}


def _seeded(est: Any, seed: int) -> Any:
    """An unfitted copy with ``random_state=seed`` (deterministic models may have no such parameter)."""
    copy = clone(est)
    return copy.set_params(random_state=seed) if "random_state" in copy.get_params() else copy


def _predict(est: Any, X: np.ndarray, y: np.ndarray, X_test: np.ndarray) -> np.ndarray:
    return np.asarray(clone(est).fit(X, y).predict(X_test), dtype=np.float64)


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    from ..metrics import spearman

    return spearman(a, b)


def check_clone(est: Any, X: np.ndarray, y: np.ndarray) -> None:
    copy = clone(est)
    assert type(copy) is type(est), "clone() changed the type"
    assert repr(copy.get_params()) == repr(est.get_params()), "clone() changed the parameters"


def check_same_seed(est: Any, X: np.ndarray, y: np.ndarray) -> None:
    est = _seeded(est, 7)
    a, b = _predict(est, X, y, X), _predict(est, X, y, X)
    np.testing.assert_array_equal(a, b, err_msg="same random_state gave different predictions")


def check_row_order(est: Any, X: np.ndarray, y: np.ndarray) -> None:
    est = _seeded(est, 7)
    perm = np.random.default_rng(0).permutation(len(y))
    a, b = _predict(est, X, y, X), _predict(est, X[perm], y[perm], X)
    if type(est).__name__ in _EXACT_ORDER:
        # convex fits are solved to a tolerance (libsvm: 1e-3 on the dual), so "identical" means
        # within 1% of the predictions' spread; a real order dependence is far larger
        gap = float(np.abs(a - b).max())
        assert gap <= 1e-2 * max(float(a.std()), 1e-12), (
            f"permuting the training rows changed a deterministic model's predictions by {gap:.3g}"
        )
    else:
        rho = _spearman(a, b)
        assert rho >= 0.8, f"permuting the training rows changed the ranking beyond model noise (Spearman {rho:.3f})"


def check_pickle(est: Any, X: np.ndarray, y: np.ndarray) -> None:
    fitted = _seeded(est, 3).fit(X, y)
    again = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(fitted.predict(X), again.predict(X), err_msg="pickle round trip changed predictions")


def check_tiny(est: Any, X: np.ndarray, y: np.ndarray) -> None:
    pred = _seeded(est, 0).fit(X[:5], y[:5]).predict(X)
    assert pred.shape == (len(X),), f"predict returned shape {pred.shape}, expected ({len(X)},)"
    assert np.isfinite(pred).all(), "non-finite predictions after fitting on 5 rows"


def _raises(fn: Callable[[], Any], what: str) -> None:
    try:
        fn()
    except ValueError:
        return
    raise AssertionError(f"{what} did not raise ValueError")


def check_bad_input(est: Any, X: np.ndarray, y: np.ndarray) -> None:
    y_nan = y.astype(np.float64).copy()
    y_nan[1] = np.nan
    _raises(lambda: clone(est).fit(X, y_nan), "a NaN target")
    fitted = _seeded(est, 0).fit(X, y)
    _raises(lambda: fitted.predict(X[:, :-1]), "predict with one column too few")
    _raises(lambda: clone(est).fit(X[:, 0], y), "fit with 1-D X")


CONTRACTS: dict[str, Callable[[Any, np.ndarray, np.ndarray], None]] = {
    "clone": check_clone,
    "same_seed": check_same_seed,
    "row_order": check_row_order,
    "pickle": check_pickle,
    "tiny": check_tiny,
    "bad_input": check_bad_input,
}


def contract_checks(est: Any) -> Iterator[tuple[str, Callable[[np.ndarray, np.ndarray], None]]]:
    """``(name, check(X, y))`` pairs, for pytest parametrisation."""
    for name, check in CONTRACTS.items():
        yield name, (lambda X, y, _c=check: _c(est, X, y))


def check_predictor(est: Any, X: Any, y: Any) -> None:
    """Run every contract on ``est`` with training data ``X`` (n >= 20 rows), ``y``."""
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if len(X) < 20:
        raise ValueError(f"check_predictor needs at least 20 rows, got {len(X)}")
    for name, check in CONTRACTS.items():
        try:
            check(est, X, y)
        except AssertionError as err:
            raise AssertionError(f"{type(est).__name__} fails contract {name!r}: {err}") from None
