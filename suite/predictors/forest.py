"""Random forest (Breiman 2001): a strong, tuning-free baseline in every predictor study
(White et al. 2021, "How Powerful are Performance Predictors in NAS?"), and one of Baker et
al.'s (2017) base learners."""

from __future__ import annotations

from typing import Any

from sklearn.ensemble import RandomForestRegressor

from .base import WrappedRegressor, seed_of

__all__ = ["RandomForest"]


class RandomForest(WrappedRegressor):
    """Bagged regression trees; ``max_features=1/3`` (the regression default of Breiman's paper)."""

    def __init__(
        self,
        n_estimators: int = 300,
        max_features: float | str | None = 1 / 3,
        min_samples_leaf: int = 1,
        n_jobs: int | None = None,
        random_state: Any = None,
    ) -> None:
        self.n_estimators = n_estimators
        self.max_features = max_features
        self.min_samples_leaf = min_samples_leaf
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _build(self, n_samples: int, n_features: int) -> Any:
        return RandomForestRegressor(
            n_estimators=self.n_estimators,
            max_features=self.max_features,
            min_samples_leaf=self.min_samples_leaf,
            n_jobs=self.n_jobs,
            random_state=seed_of(self.random_state),
        )
