"""The shared skeleton of nas-suite's predictors.

Every predictor is a scikit-learn regressor. Most families wrap a well-tested scikit-learn (or
XGBoost / LightGBM) model; :class:`WrappedRegressor` gives them one consistent contract so an
experiment can treat them interchangeably:

- ``__init__`` stores keyword parameters only (``clone`` and ``set_params`` work);
- every predictor has ``random_state`` (ignored by deterministic models, kept for uniformity);
- ``fit(X, y)`` validates once (2-D finite float ``X``; 1-D finite ``y``: a NaN target raises
  ``ValueError`` naming the input), builds the inner model fresh from the parameters, and
  returns ``self``; fitted state ends in ``_``;
- ``predict(X)`` checks the width against ``n_features_in_``.

A family module then only says which model to build (:meth:`WrappedRegressor._build`).
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = ["WrappedRegressor", "seed_of"]


def seed_of(random_state: Any) -> int:
    """A 32-bit integer seed derived from ``random_state`` (None -> fresh entropy).

    Inner libraries (XGBoost, LightGBM, torch) want plain integers, and a ``Generator`` passed
    by the user must give the same seed every time this predictor is fitted, so the seed is
    drawn from a copy.
    """
    if random_state is None:
        return int(np.random.default_rng().integers(2**31 - 1))
    if isinstance(random_state, (int, np.integer)):
        return int(random_state) % (2**31 - 1)
    if isinstance(random_state, np.random.Generator):
        return int(copy.deepcopy(random_state).integers(2**31 - 1))
    if isinstance(random_state, np.random.RandomState):
        return int(copy.deepcopy(random_state).randint(2**31 - 1))
    raise ValueError(f"random_state must be None, an int or a numpy Generator, got {type(random_state).__name__}")


class WrappedRegressor(RegressorMixin, BaseEstimator):
    """Base of the predictors that delegate to an inner model (``model_``)."""

    def _build(self, n_samples: int, n_features: int) -> Any:
        """A fresh, unfitted inner model configured from this predictor's parameters."""
        raise NotImplementedError(f"{type(self).__name__} must implement _build")

    def fit(self, X: Any, y: Any) -> "WrappedRegressor":
        X, y = validate_data(self, X, y, y_numeric=True, dtype=np.float64)
        self.model_ = self._build(*X.shape)
        self.model_.fit(X, y)
        return self

    def predict(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return np.asarray(self.model_.predict(X), dtype=np.float64).reshape(-1)
