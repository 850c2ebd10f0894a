"""ν-support vector regression (Schölkopf et al. 2000), Baker et al.'s (2017) best base learner.

Inputs are standardised first: the RBF kernel compares raw distances, so a column measured in
millions of parameters would otherwise drown the curve and encoding columns. Targets are
standardised too, so ``C`` means the same whether accuracies are in % or in [0, 1].
"""

from __future__ import annotations

from typing import Any

from sklearn.compose import TransformedTargetRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import NuSVR

from .base import WrappedRegressor

__all__ = ["NuSVRRegressor"]


class NuSVRRegressor(WrappedRegressor):
    """ν-SVR with an RBF or linear kernel on standardised inputs.

    ``nu`` bounds the fraction of support vectors (and of margin errors); ``C`` is the penalty;
    ``gamma`` the RBF width (``"scale"`` = 1 / (n_features * Var(X)) of the scaled inputs).
    ``random_state`` is accepted for uniformity; libsvm's ν-SVR is deterministic.
    """

    def __init__(
        self,
        kernel: str = "rbf",
        nu: float = 0.5,
        C: float = 1.0,
        gamma: float | str = "scale",
        scale_inputs: bool = True,
        random_state: Any = None,
    ) -> None:
        self.kernel = kernel
        self.nu = nu
        self.C = C
        self.gamma = gamma
        self.scale_inputs = scale_inputs
        self.random_state = random_state

    def _build(self, n_samples: int, n_features: int) -> Any:
        if self.kernel not in ("rbf", "linear"):
            raise ValueError(f"kernel must be 'rbf' or 'linear', got {self.kernel!r}")
        svr = NuSVR(kernel=self.kernel, nu=self.nu, C=self.C, gamma=self.gamma)
        model = make_pipeline(StandardScaler(), svr) if self.scale_inputs else svr
        return TransformedTargetRegressor(regressor=model, transformer=StandardScaler())
