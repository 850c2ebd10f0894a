"""Multi-layer perceptron regressor and the BANANAS ensemble of them.

``mlp``: one fully connected network (White et al. 2021 list it as the meta neural network
baseline). ``bananas``: the predictor of BANANAS (White, Neiswanger & Savani, AAAI 2021): an
ensemble of identically configured MLPs with different initialisations, trained on the path
encoding; the ensemble's spread is BANANAS' uncertainty estimate (:meth:`predict_with_std`).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted, validate_data

from .base import WrappedRegressor, seed_of

__all__ = ["MLP", "BananasEnsemble"]


def _mlp(hidden: tuple[int, ...], alpha: float, lr: float, max_iter: int, seed: int, n_samples: int) -> Any:
    net = MLPRegressor(
        hidden_layer_sizes=hidden,
        alpha=alpha,
        learning_rate_init=lr,
        max_iter=max_iter,
        batch_size=min(32, n_samples),
        early_stopping=False,
        n_iter_no_change=max_iter,  # train for max_iter epochs: a fixed budget, as in BANANAS
        tol=0.0,
        random_state=seed,
    )
    return TransformedTargetRegressor(regressor=make_pipeline(StandardScaler(), net), transformer=StandardScaler())


def _fit_quietly(model: Any, X: np.ndarray, y: np.ndarray) -> Any:
    """Fit with a fixed epoch budget; "not converged" is the budget working, not a failure."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


def _n_iter(model: Any) -> int:
    """Epochs the inner network ran (scikit-learn reports ``n_iter_`` for ``max_iter`` models)."""
    return int(model.regressor_.steps[-1][1].n_iter_)


class MLP(WrappedRegressor):
    """ReLU MLP (Adam, L2 ``alpha``) on standardised inputs and targets, fixed epoch budget."""

    def __init__(
        self,
        hidden: tuple[int, ...] = (128, 128),
        alpha: float = 1e-3,
        learning_rate: float = 1e-3,
        max_iter: int = 200,
        random_state: Any = None,
    ) -> None:
        self.hidden = hidden
        self.alpha = alpha
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, X: Any, y: Any) -> "MLP":
        X, y = validate_data(self, X, y, y_numeric=True, dtype=np.float64)
        model = _mlp(tuple(self.hidden), self.alpha, self.learning_rate, self.max_iter, seed_of(self.random_state), len(y))
        self.model_ = _fit_quietly(model, X, y)
        self.n_iter_ = _n_iter(self.model_)
        return self


class BananasEnsemble(WrappedRegressor):
    """Mean of ``n_models`` MLPs trained from different seeds (BANANAS: 5 networks of 10 layers
    x 20 units; a shallower, wider default here trains faster on CPU and ranks as well on NB-201;
    pass ``hidden=(20,) * 10`` for the paper's network)."""

    def __init__(
        self,
        n_models: int = 5,
        hidden: tuple[int, ...] = (64, 64, 64),
        alpha: float = 1e-3,
        learning_rate: float = 1e-3,
        max_iter: int = 200,
        random_state: Any = None,
    ) -> None:
        self.n_models = n_models
        self.hidden = hidden
        self.alpha = alpha
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, X: Any, y: Any) -> "BananasEnsemble":
        X, y = validate_data(self, X, y, y_numeric=True, dtype=np.float64)
        seeds = np.random.default_rng(seed_of(self.random_state)).integers(2**31 - 1, size=self.n_models)
        self.models_ = [
            _fit_quietly(_mlp(tuple(self.hidden), self.alpha, self.learning_rate, self.max_iter, int(s), len(y)), X, y)
            for s in seeds
        ]
        self.n_iter_ = max(_n_iter(m) for m in self.models_)
        return self

    def _members(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return np.stack([m.predict(X) for m in self.models_])

    def predict(self, X: Any) -> np.ndarray:
        return self._members(X).mean(axis=0)

    def predict_with_std(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """Ensemble mean and standard deviation across members (BANANAS' uncertainty)."""
        members = self._members(X)
        return members.mean(axis=0), members.std(axis=0)
