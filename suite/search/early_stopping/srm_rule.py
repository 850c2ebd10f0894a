"""Baker et al.'s learning-curve early stopping, as used by random search and by Hyperband.

Baker, Gupta, Raskar & Naik, "Accelerating Neural Architecture Search using Performance
Prediction", ICLR 2018 workshop (arXiv:1705.10823). A sequential regression model (SRM,
:class:`~suite.predictors.lcurve.SequentialRegressionModel`) is fitted on the *full* learning
curves the search has trained so far (features: the curve prefix, its differences, and the
architecture's AP features; target: the final validation value). It predicts a partially
trained architecture's final value with a standard deviation (the SRM's cross-validated RMSE),
and :func:`should_stop` stops it when ``P(final <= y_best) >= delta`` under
``N(predicted, sigma^2)`` (``y_best``: best final value trained so far; Baker et al. use
``delta = 0.99``). Values are "higher is better" (accuracy); negate losses before use.

* :class:`SRMRule` — random search: the first ``n_train`` architectures are
  trained fully to fit the SRM; every later one is trained to ``tau`` (a fraction of the
  maximum budget, 25 % by default), then stopped or trained on; optionally the SRM is refit
  every ``refit_every`` new full curves. The loop is :func:`.sequential.random_search`.
* :class:`SRMRanker` — Hyperband with the SRM ("srm-hyperband"). Baker et al. combine the rule
  with Hyperband; this package implements the following precise, simpler version: inside every
  successive-halving bracket, rungs below the maximum budget are ranked by the SRM's predicted
  *final* value (from the prefix observed at the rung) instead of the value observed at the
  rung, and a promoted architecture is not trained further if Baker's rule says it cannot beat
  the best full training so far (``delta``; None turns this off). The SRM is fitted on the full
  curves of the architectures Hyperband itself trained to the maximum budget, between brackets:
  first once there are ``n_train`` of them, then again after every ``refit_every`` more; until
  the first fit the rungs rank by observed values (plain Hyperband).

No leakage: every SRM is fitted only on curves the search itself trained to the maximum budget
*earlier in the same run*, and it only scores cells drawn after those (the candidate stream
never re-draws a cell). :meth:`FittedSRM.predict` refuses a cell of its own training set
(:class:`~suite.errors.NasSuiteError`), and every prediction is recorded with
``in_model_train`` (rung / decision frames) so that a run can be audited.

``sigma="robust"`` (both) replaces the SRM's RMSE sigma by a robust scale of its out-of-fold
errors (:class:`FittedSRM`), an addition of this package: on NB-201 the RMSE is inflated by a
few diverged cells and the rule then stops little.

The SRM here needs a table whose budgets are points of one curve (:func:`~.tables.curve_table`):
on a schedule table the "prefix" would mix separate runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
from scipy.stats import norm
from sklearn.base import clone
from sklearn.model_selection import KFold

from ...errors import NasSuiteError
from ...predictors.lcurve import SequentialRegressionModel
from .accounting import Ledger
from .tables import BudgetTable

__all__ = ["FittedSRM", "SRMRanker", "SRMRule", "default_srm", "prob_not_better", "should_stop", "srm_features"]


def prob_not_better(y_pred: Any, sigma: Any, y_best: Any) -> np.ndarray:
    """``P(Y <= y_best)`` for ``Y ~ N(y_pred, sigma^2)``, broadcast over the inputs.

    ``sigma == 0`` is the point mass at ``y_pred`` (probability 1 if ``y_pred <= y_best``, else
    0). NaN in ``y_pred`` or ``y_best`` gives NaN. Raises ``ValueError`` for negative or NaN
    ``sigma`` (a model fitted without uncertainty estimates).
    """
    y_pred, sigma, y_best = np.broadcast_arrays(
        np.asarray(y_pred, dtype=np.float64), np.asarray(sigma, dtype=np.float64), np.asarray(y_best, dtype=np.float64)
    )
    if np.isnan(sigma).any() or (sigma < 0).any():
        raise ValueError("sigma must be >= 0 and not NaN (fit the predictor with uncertainty estimates, e.g. sigma_folds > 0)")
    with np.errstate(divide="ignore", invalid="ignore"):
        p = norm.cdf((y_best - y_pred) / sigma)
    point = np.where(np.isnan(y_pred) | np.isnan(y_best), np.nan, (y_pred <= y_best).astype(np.float64))
    return np.where(sigma > 0, p, point)


def should_stop(y_pred: Any, sigma: Any, y_best: Any, delta: float = 0.99) -> np.ndarray:
    """Baker's rule, vectorised over candidates: ``P(y_hat_T <= y_best) >= delta`` -> bool array.

    Parameters
    ----------
    y_pred, sigma
        Predicted final value and its standard deviation per candidate (target units,
        broadcastable).
    y_best
        Best final value observed so far (scalar or broadcastable); ``-inf`` never stops.
    delta
        Confidence in ``(0, 1]``; larger stops less often.

    Returns
    -------
    np.ndarray of bool, broadcast shape; ``False`` where the probability is NaN.
    """
    if not 0.0 < float(delta) <= 1.0:
        raise ValueError(f"delta must lie in (0, 1], got {delta}")
    p = prob_not_better(y_pred, sigma, y_best)
    return np.nan_to_num(p, nan=-1.0) >= delta


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


class FittedSRM:
    """A fitted SRM plus the sigma the rule uses: the model's own, or a robust one per budget.

    ``sigma="model"``: the SRM's ``predict_with_std`` sigma (its CV RMSE over the training
    curves; Baker et al.'s choice). ``sigma="robust"``: ``1.4826 * MAD`` of 5-fold out-of-fold
    residuals when predicting the final value from the prefix up to each budget column. The
    RMSE is dominated by the few diverged cells of NB-201 (final ~10 %, predicted ~60 %), which
    makes the Gaussian rule very conservative near the top of the ranking; the robust scale
    measures the typical error instead (an addition of this package, not in the paper).
    """

    def __init__(self, model: Any, table: BudgetTable, rows: Any, *, cols: Sequence[int] = (), sigma: str = "model",
                 random_state: int = 0) -> None:
        if sigma not in ("model", "robust"):
            raise NasSuiteError(f"sigma must be 'model' or 'robust', got {sigma!r}")
        rows = np.unique(np.asarray(rows, dtype=np.int64))
        X, y = srm_features(table, rows), table.final_valid[rows]
        self.table = table
        self.rows_ = rows
        self.sigma_: dict[int, float] = {}
        if sigma == "robust":
            self.sigma_ = _robust_sigma(model, X, y, len(table.budgets), [int(c) for c in cols], random_state)
            model = _without_cv(model)  # its own CV sigma would go unused
        self.model_ = clone(model).fit(X, y)

    def trained_on(self, rows: Any) -> np.ndarray:
        """Bool mask over ``rows``: which are in this model's training set (``rows_``)."""
        return np.isin(np.asarray(rows, dtype=np.int64), self.rows_)

    def predict(self, rows: Any, col: int) -> tuple[np.ndarray, np.ndarray]:
        """Predicted final values and sigmas of ``rows`` observed up to budget column ``col``.

        Refuses (:class:`~suite.errors.NasSuiteError`) any row the model was fitted on: a
        predictor never scores a cell whose full curve it has seen.
        """
        seen = self.trained_on(rows)
        if seen.any():
            ids = self.table.ids[np.asarray(rows, dtype=np.int64)[seen]]
            raise NasSuiteError(f"the SRM was asked to score {int(seen.sum())} cell(s) it was fitted on (e.g. id "
                                f"{int(ids[0])}): a predictor must not score its own training cells")
        mean, std = self.model_.predict_with_std(srm_features(self.table, rows, col))
        if self.sigma_:
            std = np.full(len(mean), self.sigma_[int(col)])
        return mean, std


def _without_cv(model: Any) -> Any:
    """An unfitted copy of ``model`` that skips computing its own sigma (SRM: ``sigma_folds=0``)."""
    out = clone(model)
    if "sigma_folds" in out.get_params():
        out.set_params(sigma_folds=0)
    return out


def _robust_sigma(model: Any, X: np.ndarray, y: np.ndarray, m: int, cols: list[int], random_state: int) -> dict[int, float]:
    """``{col: 1.4826 MAD}`` of 5-fold out-of-fold residuals predicting ``y`` from the prefix to ``col``
    (``X``: full curves in its first ``m`` columns, static features after)."""
    if len(y) < 5:
        raise NasSuiteError(f"a robust sigma needs >= 5 training curves, got {len(y)}")
    inner = _without_cv(model)
    oof = {c: np.empty(len(y)) for c in cols}
    for train, test in KFold(5, shuffle=True, random_state=random_state).split(X):
        fitted = clone(inner).fit(X[train], y[train])
        for c in cols:
            prefix = X[test].copy()
            prefix[:, c + 1 : m] = np.nan
            oof[c][test] = fitted.predict(prefix)
    return {c: float(1.4826 * np.median(np.abs((y - p) - np.median(y - p)))) for c, p in oof.items()}


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
    sigma
        ``"model"`` (the SRM's CV RMSE, Baker's) or ``"robust"`` (see :class:`FittedSRM`).
    model
        Unfitted estimator with ``fit`` and ``predict_with_std`` on :func:`srm_features`
        (e.g. ``suite.predictors.make("srm", bench)``); None: :func:`default_srm` at ``tau``.
    random_state
        Seed of the default SRM's and the robust sigma's CV folds.
    """

    n_train: int = 100
    tau: float = 0.25
    delta: float = 0.99
    refit_every: int | None = 10
    sigma: str = "model"
    model: Any = None
    random_state: int = 0

    def __post_init__(self) -> None:
        if self.n_train < 5:
            raise NasSuiteError(f"n_train must be >= 5 (the SRM's sigma is a 5-fold CV RMSE), got {self.n_train}")
        if not 0 < self.tau < 1:
            raise NasSuiteError(f"tau is a fraction of the maximum budget in (0, 1), got {self.tau}")
        if not 0 < self.delta <= 1:
            raise NasSuiteError(f"delta must lie in (0, 1], got {self.delta}")
        if self.sigma not in ("model", "robust"):
            raise NasSuiteError(f"sigma must be 'model' or 'robust', got {self.sigma!r}")

    def tau_column(self, table: BudgetTable) -> int:
        """Budget column observed before a decision (must lie below the maximum budget)."""
        _check_curves(table)
        col = table.column(self.tau * table.max_budget)
        if col >= len(table.budgets) - 1:
            raise NasSuiteError(f"tau={self.tau} of {table.max_budget} epochs snaps to the maximum budget; use a smaller tau")
        return col

    def fit(self, table: BudgetTable, rows: Any) -> FittedSRM:
        """The SRM fitted on the full curves of ``rows``; predict with ``.predict(rows, tau_column)``."""
        tau = self.tau_column(table)
        model = default_srm(table, [tau], self.random_state) if self.model is None else self.model
        return FittedSRM(model, table, rows, cols=[tau], sigma=self.sigma, random_state=self.random_state)


class SRMRanker:
    """Hyperband's rung ranking by the SRM's predicted final value, plus Baker's stop rule.

    Implements :class:`~.halving.Ranker`. ``rung_cols`` are the budget columns the brackets
    rank at (one SRM per prefix); see the module docstring for the exact procedure and
    :class:`SRMRule` for ``n_train``, ``delta`` (None: rank only, never stop), ``refit_every``,
    ``sigma``, ``model`` and ``random_state``. Fits happen in :meth:`prepare`, between brackets.
    """

    def __init__(self, table: BudgetTable, rung_cols: Sequence[int], *, n_train: int = 20, delta: float | None = 0.99,
                 refit_every: int | None = 10, sigma: str = "model", model: Any = None, random_state: int = 0) -> None:
        _check_curves(table)
        if n_train < 5:
            raise NasSuiteError(f"n_train must be >= 5 (the SRM's sigma is a 5-fold CV RMSE), got {n_train}")
        if delta is not None and not 0 < delta <= 1:
            raise NasSuiteError(f"delta must lie in (0, 1] or be None, got {delta}")
        if sigma not in ("model", "robust"):
            raise NasSuiteError(f"sigma must be 'model' or 'robust', got {sigma!r}")
        last = len(table.budgets) - 1
        self.cols = sorted({int(c) for c in rung_cols if int(c) < last}) or [0]
        self.table = table
        self.n_train = int(n_train)
        self.delta = delta
        self.refit_every = int(refit_every or 0)
        self.sigma = sigma
        self.random_state = random_state
        self.model = default_srm(table, self.cols, random_state) if model is None else model
        self.fitted_: FittedSRM | None = None
        self.n_fit_ = 0
        self.y_best_ = -np.inf

    def prepare(self, ledger: Ledger) -> None:
        """Fit on every distinct architecture trained to the maximum budget once there are
        ``n_train``; refit when ``refit_every`` more have been (0/None: never refit).

        Called between brackets only, so the cells the next bracket scores are fresh draws,
        none of them among the fitted curves."""
        full = np.unique(ledger.final_rows())
        if len(full):
            self.y_best_ = float(self.table.final_valid[full].max())
        due = self.fitted_ is None or (self.refit_every > 0 and len(full) - self.n_fit_ >= self.refit_every)
        if len(full) >= self.n_train and due:
            self.fitted_ = FittedSRM(self.model, self.table, full, cols=self.cols, sigma=self.sigma,
                                     random_state=self.random_state)
            self.n_fit_ = len(full)

    def scores(self, rows: np.ndarray, col: int) -> np.ndarray:
        """Predicted final values (observed values at ``col`` while the SRM is not fitted yet)."""
        if self.fitted_ is None:
            return self.table.valid[rows, col]
        return self.fitted_.predict(rows, col)[0]

    def trained_on(self, rows: np.ndarray) -> np.ndarray | None:
        """Which ``rows`` are in the fitted SRM's training set (None before the first fit: no model scores)."""
        return None if self.fitted_ is None else self.fitted_.trained_on(rows)

    def keep(self, rows: np.ndarray, col: int) -> np.ndarray:
        """False where Baker's rule stops the promoted architecture (all True before the first fit)."""
        if self.fitted_ is None or self.delta is None:
            return np.ones(len(rows), dtype=bool)
        mean, std = self.fitted_.predict(rows, col)
        return ~should_stop(mean, std, self.y_best_, self.delta)
