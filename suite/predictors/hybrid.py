"""The hybrid ("OMNI") predictor of White et al. 2021 ("How Powerful are Performance
Predictors in NAS?", NeurIPS): one model-based regressor trained on an architecture encoding
*plus* zero-cost proxy scores *plus* the observed prefix of the learning curve. The paper found
this combination beats every single family across budgets.

The estimator itself is a thin meta-regressor around any scikit-learn regressor (default: a
random forest, which needs no scaling and tolerates the mixed column scales). What makes it
hybrid is its input, assembled by :func:`suite.predictors.inputs.build_features` from the
registry's :class:`~suite.predictors.inputs.Inputs` (encoding + proxies + curve prefix).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.utils.validation import check_is_fitted, validate_data

from .base import seed_of
from .forest import RandomForest

__all__ = ["HybridRegressor"]


class HybridRegressor(RegressorMixin, BaseEstimator):
    """Fits a clone of ``estimator`` (default :class:`RandomForest`) on the assembled features.

    A set ``random_state`` is handed to the inner estimator when it has one, so a seeded hybrid
    is reproducible whatever the base model; left at None, the inner estimator keeps its own.
    """

    def __init__(self, estimator: Any = None, random_state: Any = None) -> None:
        self.estimator = estimator
        self.random_state = random_state

    def fit(self, X: Any, y: Any) -> "HybridRegressor":
        X, y = validate_data(self, X, y, y_numeric=True, dtype=np.float64)
        inner = RandomForest() if self.estimator is None else clone(self.estimator)
        if self.random_state is not None and "random_state" in inner.get_params():
            inner.set_params(random_state=seed_of(self.random_state))
        self.estimator_ = inner.fit(X, y)
        return self

    def predict(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return np.asarray(self.estimator_.predict(X), dtype=np.float64).reshape(-1)
