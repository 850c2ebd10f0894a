"""Gaussian-process regression (Rasmussen & Williams 2006), the classic Bayesian-optimisation
surrogate for NAS (e.g. NASBOT; White et al. 2021 include it among model-based predictors).

Kernel: constant x Matérn-5/2 with one length scale per input column (ARD) plus white noise,
hyper-parameters by marginal likelihood. Cost is cubic in the training set size: fine up to a
few thousand architectures.
"""

from __future__ import annotations

from typing import Any

from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted, validate_data

from .base import WrappedRegressor, seed_of

__all__ = ["GaussianProcess"]


class GaussianProcess(WrappedRegressor):
    """GP with an (optionally ARD) Matérn-5/2 kernel on standardised inputs and targets."""

    def __init__(self, ard: bool = False, n_restarts: int = 0, random_state: Any = None) -> None:
        self.ard = ard
        self.n_restarts = n_restarts
        self.random_state = random_state

    def _build(self, n_samples: int, n_features: int) -> Any:
        length = [1.0] * n_features if self.ard else 1.0
        kernel = ConstantKernel(1.0, (1e-3, 1e5)) * Matern(length, (1e-2, 1e3), nu=2.5) + WhiteKernel(
            0.1, (1e-6, 1e1)
        )
        gp = GaussianProcessRegressor(
            kernel=kernel,
            normalize_y=True,
            n_restarts_optimizer=self.n_restarts,
            random_state=seed_of(self.random_state),
        )
        return make_pipeline(StandardScaler(), gp)

    def predict_with_std(self, X: Any) -> tuple[Any, Any]:
        """Posterior mean and standard deviation (same units as ``y``)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        scaler, gp = self.model_.steps[0][1], self.model_.steps[1][1]
        return gp.predict(scaler.transform(X), return_std=True)
