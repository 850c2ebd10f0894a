"""Baker's early-stopping rule for partially trained configurations, and a simulation of it.

Baker, Gupta, Raskar & Naik, "Accelerating Neural Architecture Search using Performance
Prediction", ICLR 2018 workshop (arXiv:1705.10823): after ``tau`` epochs a performance predictor
gives the final value ``y_hat_T`` with a standard deviation ``sigma``; the configuration is
stopped when it is unlikely to beat the best final value ``y_best`` seen so far,

    stop  iff  P(y_hat_T <= y_best) >= Delta  under  N(y_hat_T, sigma^2),

with ``Delta = 0.99`` as a conservative default. Values are "higher is better" (accuracy);
negate losses before use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from scipy.stats import norm

__all__ = ["EarlyStoppingResult", "prob_not_better", "should_stop", "simulate_early_stopping"]


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


class _PredictorWithStd(Protocol):
    n_epochs_: int

    def predict_with_std(self, X: Any) -> tuple[np.ndarray, np.ndarray]: ...


@dataclass(frozen=True)
class EarlyStoppingResult:
    """Outcome of :func:`simulate_early_stopping`.

    Attributes
    ----------
    speedup : float
        Epochs without early stopping divided by epochs with it (``n * n_epochs / epochs``).
    regret : float
        Best final value the search could have ended with minus the one it ends with, both
        including the initial incumbent ``y_best``: ``max(y_best, max y) - max(y_best, max of
        the fully trained y)`` (>= 0; 0 when the optimum survived), in target units.
    n_stopped : int
        Candidates stopped after ``tau`` epochs.
    stopped : np.ndarray of bool, shape (n,)
        Which candidates were stopped, in evaluation order.
    epochs : int
        Epochs spent with early stopping.
    """

    speedup: float
    regret: float
    n_stopped: int
    stopped: np.ndarray
    epochs: int


def simulate_early_stopping(
    model: _PredictorWithStd,
    X: Any,
    y_final: Any,
    tau: int,
    delta: float = 0.99,
    *,
    y_best: float = -np.inf,
) -> EarlyStoppingResult:
    """Replay a sequential search with Baker's early-stopping rule over a population of curves.

    Candidates are trained in row order. Each is trained for ``tau`` epochs; the fitted
    ``model`` predicts its final value and sigma from that prefix, and :func:`should_stop`
    against the best final value fully trained so far decides: stopped candidates cost ``tau``
    epochs, the others ``n_epochs`` and update the incumbent with their true ``y_final``.

    Parameters
    ----------
    model
        A fitted predictor with ``n_epochs_`` and ``predict_with_std`` (e.g. a
        :class:`~suite.predictors.lcurve.SequentialRegressionModel` fitted on other curves).
    X
        ``(n, n_epochs + k)`` in the model's input format; curve columns after ``tau`` are
        masked here, so full curves may be passed.
    y_final
        True final values ``(n,)``, finite.
    tau
        Epochs observed before the decision (``1 <= tau <= n_epochs``).
    delta
        Confidence of the rule (Baker et al. use 0.99).
    y_best
        Incumbent before the first candidate, e.g. the best final value of the predictor's
        training curves; ``-inf``: the first candidate is always trained fully.
    """
    X = np.array(X, dtype=np.float64)  # a copy: columns get masked
    y = np.asarray(y_final, dtype=np.float64)
    n_epochs = int(model.n_epochs_)
    if X.ndim != 2 or y.shape != (len(X),):
        raise ValueError(f"X must be 2-D and y_final of shape ({len(X)},), got {X.shape} and {y.shape}")
    if len(y) == 0:
        raise ValueError("no candidates to simulate")
    if not np.isfinite(y).all():
        raise ValueError("y_final must be finite for every candidate")
    if not 1 <= int(tau) <= n_epochs:
        raise ValueError(f"tau must lie in 1..{n_epochs}, got {tau}")
    X[:, int(tau) : n_epochs] = np.nan
    mean, std = model.predict_with_std(X)

    stopped = np.zeros(len(y), dtype=bool)
    best = float(y_best)
    for i in range(len(y)):  # sequential by nature: each decision depends on the incumbent
        if should_stop(mean[i], std[i], best, delta):
            stopped[i] = True
        else:
            best = max(best, float(y[i]))
    epochs = int(stopped.sum()) * int(tau) + int((~stopped).sum()) * n_epochs
    regret = max(float(y_best), float(y.max())) - best  # best = max(y_best, kept final values)
    return EarlyStoppingResult(
        speedup=len(y) * n_epochs / epochs, regret=regret, n_stopped=int(stopped.sum()), stopped=stopped, epochs=epochs
    )
