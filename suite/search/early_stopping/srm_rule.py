"""Baker et al.'s learning-curve early stopping, as used by random search and by Hyperband.

Baker, Gupta, Raskar & Naik, "Accelerating Neural Architecture Search using Performance
Prediction", ICLR 2018 workshop (arXiv:1705.10823). A sequential regression model (SRM,
:class:`~suite.predictors.lcurve.SequentialRegressionModel`) is fitted on the *full* learning
curves the search has trained so far (features: the curve prefix, its differences, and the
architecture's AP features; target: the final validation value). It predicts a partially
trained architecture's final value with a standard deviation (the SRM's cross-validated RMSE),
and :func:`~suite.predictors.early_stopping.should_stop` stops it when
``P(final <= y_best) >= delta`` (``y_best``: best final value trained so far).

* :class:`SRMRule` — random search (paper section 4): the first ``n_train`` architectures are
  trained fully to fit the SRM; every later one is trained to ``tau`` (a fraction of the
  maximum budget, 25 % by default), then stopped or trained on; optionally the SRM is refit
  every ``refit_every`` new full curves. The loop is :func:`.random_search.random_search`.
* :class:`SRMRanker` — Hyperband with the SRM ("srm-hyperband"). Baker et al. combine the rule
  with Hyperband; this package implements the following precise, simpler version: inside every
  successive-halving bracket, rungs below the maximum budget are ranked by the SRM's predicted
  *final* value (from the prefix observed at the rung) instead of the value observed at the
  rung, and a promoted architecture is not trained further if Baker's rule says it cannot beat
  the best full training so far (``delta``; None turns this off). The SRM is fitted on the full
  curves of the architectures Hyperband itself trained to the maximum budget, refit before every
  bracket once there are ``n_train`` of them; until then the rungs rank by observed values
  (plain Hyperband).

The SRM here needs a table whose budgets are points of one curve (:func:`~.tables.curve_table`):
on a schedule table the "prefix" would mix separate runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
from sklearn.base import clone

from ...errors import NasSuiteError
from ...predictors.early_stopping import should_stop
from ...predictors.lcurve import SequentialRegressionModel
from .accounting import Ledger
from .tables import BudgetTable

__all__ = ["SRMRanker", "SRMRule", "default_srm", "fit_srm", "srm_features"]


def srm_features(table: BudgetTable, rows: Any, col: int | None = None) -> np.ndarray:
    """SRM input ``(len(rows), m + k)``: the curve observed up to budget column ``col`` (NaN after;
    None: the whole curve, for training) followed by the ``k`` static AP features."""
    rows = np.asarray(rows, dtype=np.int64)
    curve = table.valid[rows].copy()
    if col is not None:
        curve[:, int(col) + 1 :] = np.nan
    return np.hstack([curve, table.static[rows]])


def default_srm(table: BudgetTable, cols: Sequence[int], random_state: int = 0) -> SequentialRegressionModel:
    """Baker's default SRM: ν-SVR (RBF) with one model per observed prefix ``cols`` (budget columns)
    and 5-fold CV RMSE as sigma; scikit-learn defaults (no hyper-parameter search, for speed)."""
    return SequentialRegressionModel(n_epochs=len(table.budgets), taus=tuple(sorted({int(c) + 1 for c in cols})),
                                     base="nusvr_rbf", search=0, sigma_folds=5, random_state=random_state)


def fit_srm(model: Any, table: BudgetTable, rows: Any) -> Any:
    """A fresh clone of ``model`` fitted on the full curves of ``rows`` (duplicates dropped)."""
    rows = np.unique(np.asarray(rows, dtype=np.int64))
    return clone(model).fit(srm_features(table, rows), table.final_valid[rows])


def _check_curves(table: BudgetTable) -> None:
    if not table.resumable:
        raise NasSuiteError("the SRM rule needs learning curves (budgets of one run): build the table with curve_table")


@dataclass(frozen=True)
class SRMRule:
    """Baker's early-stopping rule for a random search (see the module docstring).

    Attributes
    ----------
    n_train
        Architectures trained fully before the rule is used (the SRM's first training set;
        Baker et al. use 100). At least 5 (5-fold CV sigma).
    tau
        Observed fraction of the maximum budget before a decision (0.25: epoch 50 of 200),
        snapped to a recorded budget below the maximum.
    delta
        Stop when ``P(final <= y_best) >= delta`` (Baker et al.: 0.99).
    refit_every
        Refit the SRM after this many new full curves (None/0: never refit).
    model
        Unfitted estimator with ``fit`` and ``predict_with_std`` on :func:`srm_features`
        (e.g. ``suite.predictors.make("srm", bench)``); None: :func:`default_srm` at ``tau``.
    random_state
        Seed of the default SRM (CV folds).
    """

    n_train: int = 100
    tau: float = 0.25
    delta: float = 0.99
    refit_every: int | None = 10
    model: Any = None
    random_state: int = 0

    def __post_init__(self) -> None:
        if self.n_train < 5:
            raise NasSuiteError(f"n_train must be >= 5 (the SRM's sigma is a 5-fold CV RMSE), got {self.n_train}")
        if not 0 < self.tau < 1:
            raise NasSuiteError(f"tau is a fraction of the maximum budget in (0, 1), got {self.tau}")
        if not 0 < self.delta <= 1:
            raise NasSuiteError(f"delta must lie in (0, 1], got {self.delta}")

    def tau_column(self, table: BudgetTable) -> int:
        """Budget column observed before a decision (must lie below the maximum budget)."""
        _check_curves(table)
        col = table.column(self.tau * table.max_budget)
        if col >= len(table.budgets) - 1:
            raise NasSuiteError(f"tau={self.tau} of {table.max_budget} epochs snaps to the maximum budget; use a smaller tau")
        return col

    def fit(self, table: BudgetTable, rows: Any) -> Any:
        """The SRM fitted on the full curves of ``rows``."""
        model = default_srm(table, [self.tau_column(table)], self.random_state) if self.model is None else self.model
        return fit_srm(model, table, rows)


class SRMRanker:
    """Hyperband's rung ranking by the SRM's predicted final value, plus Baker's stop rule.

    Implements :class:`~.halving.Ranker`. ``rung_cols`` are the budget columns the brackets
    rank at (one SRM per prefix); see the module docstring for the exact procedure.
    """

    def __init__(self, table: BudgetTable, rung_cols: Sequence[int], *, n_train: int = 20, delta: float | None = 0.99,
                 model: Any = None, random_state: int = 0) -> None:
        _check_curves(table)
        if n_train < 5:
            raise NasSuiteError(f"n_train must be >= 5 (the SRM's sigma is a 5-fold CV RMSE), got {n_train}")
        if delta is not None and not 0 < delta <= 1:
            raise NasSuiteError(f"delta must lie in (0, 1] or be None, got {delta}")
        last = len(table.budgets) - 1
        cols = sorted({int(c) for c in rung_cols if int(c) < last})
        self.table = table
        self.n_train = int(n_train)
        self.delta = delta
        self.model = default_srm(table, cols or [0], random_state) if model is None else model
        self.fitted_: Any = None
        self.n_fit_ = 0
        self.y_best_ = -np.inf

    def prepare(self, ledger: Ledger) -> None:
        """Refit on every distinct architecture trained to the maximum budget (once >= n_train)."""
        full = np.unique(ledger.final_rows())
        if len(full):
            self.y_best_ = float(self.table.final_valid[full].max())
        if len(full) >= self.n_train and len(full) != self.n_fit_:
            self.fitted_ = fit_srm(self.model, self.table, full)
            self.n_fit_ = len(full)

    def _predict(self, rows: np.ndarray, col: int) -> tuple[np.ndarray, np.ndarray]:
        return self.fitted_.predict_with_std(srm_features(self.table, rows, col))

    def scores(self, rows: np.ndarray, col: int) -> np.ndarray:
        """Predicted final values (observed values at ``col`` while the SRM is not fitted yet)."""
        if self.fitted_ is None:
            return self.table.valid[rows, col]
        return self._predict(rows, col)[0]

    def keep(self, rows: np.ndarray, col: int) -> np.ndarray:
        """False where Baker's rule stops the promoted architecture (all True before the first fit)."""
        if self.fitted_ is None or self.delta is None:
            return np.ones(len(rows), dtype=bool)
        mean, std = self._predict(rows, col)
        return ~should_stop(mean, std, self.y_best_, self.delta)
