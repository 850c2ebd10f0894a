"""Successive halving over training budgets (Jamieson & Talwalkar 2016; Li et al. 2017).

One *bracket*: ``n`` architectures are trained to the smallest budget, the best ``1/eta`` of
them (by the validation value observed at that budget — on a learning curve, the same run's
intermediate value) are trained on to the next budget, and so on up to the maximum budget. The
rung sizes and budgets are Hyperband's inner loop (Li et al. 2017, JMLR 18(185), Algorithm 1):

    s   = floor(log_eta(max_budget / min_budget))
    n_i = floor(n * eta^-i),   r_i = max_budget * eta^(i - s),   i = 0..s

(at least one architecture is kept per rung). Budgets are snapped to the nearest budget the
table records (:meth:`~.tables.BudgetTable.column`). The selected architecture is the best one
by validation value at the maximum budget. Ranking can be replaced (:class:`Ranker`), which is
how :mod:`.srm_rule` plugs Baker et al.'s learning-curve model in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from ...errors import NasSuiteError
from .accounting import Ledger, Stream
from .tables import BudgetTable

__all__ = ["HalvingResult", "Ranker", "halving_schedule", "rung_columns", "run_bracket", "successive_halving"]


def halving_schedule(n: int, min_budget: float, max_budget: float, eta: float = 3) -> list[tuple[int, float]]:
    """Rungs ``(n_i, r_i)`` of one successive-halving bracket of ``n`` architectures (formula above).

    >>> halving_schedule(81, 1, 81)
    [(81, 1.0), (27, 3.0), (9, 9.0), (3, 27.0), (1, 81.0)]
    """
    if not eta > 1:
        raise NasSuiteError(f"eta must be > 1, got {eta}")
    if not 0 < min_budget <= max_budget:
        raise NasSuiteError(f"need 0 < min_budget <= max_budget, got {min_budget} and {max_budget}")
    if n < 1:
        raise NasSuiteError(f"a bracket needs at least one architecture, got n={n}")
    s = math.floor(math.log(max_budget / min_budget) / math.log(eta) + 1e-9)
    return [(max(1, math.floor(n / eta**i + 1e-9)), float(max_budget * eta ** (i - s))) for i in range(s + 1)]


def rung_columns(table: BudgetTable, rungs: list[tuple[int, float]]) -> list[tuple[int, int]]:
    """``(n_i, column)`` with each budget snapped to the table; refuses rungs that collapse."""
    out = [(n_i, table.column(r)) for n_i, r in rungs]
    cols = [c for _, c in out]
    if any(b <= a for a, b in zip(cols, cols[1:])):
        raise NasSuiteError(
            f"budgets {[round(r, 2) for _, r in rungs]} snap to the recorded budgets "
            f"{[int(table.budgets[c]) for c in cols]}: two rungs share one; choose eta/min_budget to match "
            f"the recorded budgets {table.budgets.tolist()[:8]}{'...' if len(table.budgets) > 8 else ''}"
        )
    return out


class Ranker(Protocol):
    """What replaces "rank by the observed value" inside a bracket (see :mod:`.srm_rule`)."""

    def prepare(self, ledger: Ledger) -> None:
        """Called before each bracket: learn from what the run has trained so far."""

    def scores(self, rows: np.ndarray, col: int) -> np.ndarray:
        """Higher-is-better ranking scores of ``rows`` observed up to budget column ``col``."""

    def keep(self, rows: np.ndarray, col: int) -> np.ndarray:
        """Bool mask: which of the promoted ``rows`` are worth training further."""

    def trained_on(self, rows: np.ndarray) -> np.ndarray | None:
        """Bool mask: which ``rows`` are in the training set of the model that scores them now;
        None when no model scores (ranking by observed values). Recorded per prediction."""


@dataclass(frozen=True)
class Rung:
    """One rung of a bracket: ``rows`` trained to ``budget`` epochs, their values and fate.

    ``predicted``: the score is a model's prediction (not the observed value);
    ``in_model_train``: the row was in that model's training set (must never be True).
    """

    budget: int
    rows: np.ndarray
    values: np.ndarray
    scores: np.ndarray
    promoted: np.ndarray
    predicted: np.ndarray
    in_model_train: np.ndarray


def run_bracket(table: BudgetTable, rows: np.ndarray, rungs: list[tuple[int, int]], ledger: Ledger,
                ranker: Ranker | None = None) -> list[Rung]:
    """Run one bracket on ``rows`` (in draw order) with rungs ``(n_i, column)``; returns its rungs.

    Promoted architectures continue the same run (priced by the ledger's ``resume``) and are
    trained in rank order (ties keep their previous order). If the ledger's budget runs out
    during or right after a rung, the bracket ends there (that rung promotes nobody).
    """
    out: list[Rung] = []
    current, prev = np.asarray(rows, dtype=np.int64), None
    for i, (_, col) in enumerate(rungs):
        k = ledger.train(current, col, from_col=prev)
        current = current[:k]
        if not k:
            break
        values = table.valid[current, col]
        go_on = i < len(rungs) - 1 and not ledger.exhausted
        seen = ranker.trained_on(current) if (ranker is not None and go_on) else None
        predicted = np.full(k, seen is not None)
        in_train = np.zeros(k, dtype=bool) if seen is None else np.asarray(seen, dtype=bool)
        scores = np.asarray(ranker.scores(current, col), dtype=np.float64) if (ranker is not None and go_on) else values
        promoted = np.zeros(k, dtype=bool)
        order = np.argsort(-scores, kind="stable")[: rungs[i + 1][0]] if go_on else np.empty(0, np.int64)
        if ranker is not None and len(order):
            order = order[np.asarray(ranker.keep(current[order], col), dtype=bool)]
        promoted[order] = True
        out.append(Rung(int(table.budgets[col]), current, values, scores, promoted, predicted, in_train))
        current, prev = current[order], col
        if not go_on:
            break
    return out


def rungs_frame(rungs: list[Rung], table: BudgetTable, **labels: int) -> pd.DataFrame:
    """The rung history as a frame: one row per (rung, architecture), ``labels`` as columns.

    Columns: ``rung, budget, id, value`` (observed), ``score`` (what it was ranked by),
    ``promoted``, ``predicted`` (score from a learning-curve model), ``in_model_train`` (the
    scored cell was in that model's training set; never True, see :mod:`.srm_rule`).
    """
    parts = [
        pd.DataFrame({**labels, "rung": i, "budget": r.budget, "id": table.ids[r.rows], "value": r.values,
                      "score": r.scores, "promoted": r.promoted, "predicted": r.predicted,
                      "in_model_train": r.in_model_train})
        for i, r in enumerate(rungs)
    ]
    cols = [*labels, "rung", "budget", "id", "value", "score", "promoted", "predicted", "in_model_train"]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)


@dataclass(frozen=True)
class HalvingResult:
    """Outcome of one search run (successive halving, Hyperband, or a random search).

    Attributes
    ----------
    best_id : int
        Benchmark id of the selected architecture: the best validation value among those
        trained to the maximum budget (-1 if none was).
    best_valid, best_test : float
        Its final validation and test values (NaN if none).
    cost : float
        Benchmark seconds spent.
    epochs : int
        Epochs trained (resumed steps count their extra epochs only).
    rungs : pd.DataFrame
        Rung history (:func:`rungs_frame`; empty for methods without rungs).
    trajectory : pd.DataFrame
        Every training step with the incumbent after it (:meth:`.Ledger.trajectory`).
    n_started : int
        Training runs started (distinct architectures: none is drawn twice).
    stopped_by : str
        Why the run ended: ``"done"`` (its fixed set of architectures is trained),
        ``"budget"`` (cost budget spent), ``"pool"`` (every candidate drawn), ``"iterations"``.
    """

    best_id: int
    best_valid: float
    best_test: float
    cost: float
    epochs: int
    rungs: pd.DataFrame
    trajectory: pd.DataFrame
    n_started: int
    stopped_by: str = "done"

    @classmethod
    def from_ledger(cls, ledger: Ledger, rungs: pd.DataFrame, n_started: int,
                    stopped_by: str = "done") -> "HalvingResult":
        """Read the incumbent, cost and epochs off a finished run's ledger."""
        traj = ledger.trajectory()
        last = traj.iloc[-1] if len(traj) else None
        best = int(last.incumbent_id) if last is not None else -1
        return cls(best, float(last.incumbent_valid) if last is not None else np.nan,
                   float(last.incumbent_test) if last is not None else np.nan,
                   ledger.spent, ledger.epochs, rungs, traj, int(n_started), stopped_by)


def successive_halving(
    table: BudgetTable,
    rng: np.random.Generator,
    *,
    n: int | None = None,
    min_budget: float | None = None,
    max_budget: float | None = None,
    eta: float = 3,
    resume: bool = True,
    ranker: Ranker | None = None,
) -> HalvingResult:
    """One successive-halving bracket over ``n`` candidates drawn in ``rng`` order.

    Parameters
    ----------
    table
        Candidates with their curves/costs (:func:`~.tables.curve_table`).
    rng
        Draws the candidates (a :class:`~.accounting.Stream`: the same generator state gives
        the same sequence as the other methods).
    n
        Architectures in the first rung (default: every candidate once; at most the pool).
    min_budget, max_budget
        Epochs of the first and last rung (default: the table's smallest and largest budget; a
        smaller ``max_budget`` becomes the "final" budget, see :meth:`~.tables.BudgetTable.up_to`).
    eta
        Keep the best ``1/eta`` per rung (Li et al.'s default 3).
    resume
        Promoted runs continue from their checkpoint (HpBandSter-style) instead of restarting.
    ranker
        Replaces ranking by the observed value (e.g. :class:`~.srm_rule.SRMRanker`).
    """
    table = table.up_to(max_budget)
    n = table.n if n is None else int(n)
    lo = float(table.budgets[0] if min_budget is None else min_budget)
    hi = float(table.max_budget)
    rungs = rung_columns(table, halving_schedule(n, lo, hi, eta))
    stream = Stream(table.n, rng)
    ledger = Ledger(table, resume=resume)
    if ranker is not None:
        ranker.prepare(ledger)
    history = run_bracket(table, stream.take_exactly(n), rungs, ledger, ranker)
    frame = rungs_frame(history, table, bracket=0)
    return HalvingResult.from_ledger(ledger, frame, int((frame["rung"] == 0).sum()))
