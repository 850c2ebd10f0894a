"""Gradient-boosted trees: XGBoost (Chen & Guestrin 2016) and LightGBM (Ke et al. 2017).

Both were among the strongest model-based predictors in White et al. 2021 ("How Powerful are
Performance Predictors in NAS?"). They are an optional extra (``pip install 'nas-suite[boost]'``)
and imported only when a model is fitted, so the rest of the zoo works without them.

``n_jobs`` defaults to one thread: experiments get their parallelism from running many fits at
once, and OpenMP threads that spin-wait on a machine whose cores are already busy slow a fit
down by one to two orders of magnitude (measured: LightGBM 0.9 s on one thread, 90 s on two
beside another busy process). Pass ``n_jobs`` for one large fit on an idle machine.
"""

from __future__ import annotations

from typing import Any

from ..extras import require
from .base import WrappedRegressor, seed_of

__all__ = ["XGBoost", "LightGBM"]


class XGBoost(WrappedRegressor):
    """XGBoost regression trees (``hist`` method, squared error)."""

    def __init__(
        self,
        n_estimators: int = 500,
        learning_rate: float = 0.03,
        max_depth: int = 6,
        subsample: float = 0.8,
        colsample_bytree: float = 0.8,
        min_child_weight: float = 1.0,
        reg_lambda: float = 1.0,
        n_jobs: int | None = None,
        random_state: Any = None,
    ) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.min_child_weight = min_child_weight
        self.reg_lambda = reg_lambda
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _build(self, n_samples: int, n_features: int) -> Any:
        xgb = require("boost", "XGBoost", "xgboost")
        return xgb.XGBRegressor(
            n_estimators=self.n_estimators,
            learning_rate=self.learning_rate,
            max_depth=self.max_depth,
            subsample=self.subsample,
            colsample_bytree=self.colsample_bytree,
            min_child_weight=self.min_child_weight,
            reg_lambda=self.reg_lambda,
            tree_method="hist",
            n_jobs=self.n_jobs if self.n_jobs is not None else 1,
            random_state=seed_of(self.random_state),
        )


class LightGBM(WrappedRegressor):
    """LightGBM leaf-wise boosted trees; ``min_child_samples`` is lowered automatically for
    tiny training sets (LightGBM's default of 20 would make a 5-sample fit a constant)."""

    def __init__(
        self,
        n_estimators: int = 500,
        learning_rate: float = 0.03,
        num_leaves: int = 31,
        min_child_samples: int = 10,
        subsample: float = 0.8,
        colsample_bytree: float = 0.8,
        reg_lambda: float = 0.0,
        n_jobs: int | None = None,
        random_state: Any = None,
    ) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.reg_lambda = reg_lambda
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _build(self, n_samples: int, n_features: int) -> Any:
        lgb = require("boost", "LightGBM", "lightgbm")
        return lgb.LGBMRegressor(
            n_estimators=self.n_estimators,
            learning_rate=self.learning_rate,
            num_leaves=self.num_leaves,
            min_child_samples=max(1, min(self.min_child_samples, n_samples // 4)),
            min_data_in_bin=1,
            subsample=self.subsample,
            subsample_freq=1,
            colsample_bytree=self.colsample_bytree,
            reg_lambda=self.reg_lambda,
            n_jobs=self.n_jobs if self.n_jobs is not None else 1,
            random_state=seed_of(self.random_state),
            deterministic=True,
            force_row_wise=True,
            verbose=-1,
        )
