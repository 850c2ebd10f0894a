"""Cost accounting of a simulated search: who was trained how far, in what order, at what price.

A search run owns one :class:`Ledger`. Every training step goes through :meth:`Ledger.train`,
which prices it, stops at the run's cost budget, and logs it; the run's cost, epochs and anytime
trajectory are read off the log afterwards, so every method is accounted identically.

Pricing (``cost`` of a :class:`~.tables.BudgetTable` is seconds from scratch to each budget):

* from scratch to budget ``k``: ``cost[row, k]``; on a learning curve that is
  ``train_time * e_k / S`` (:func:`.tables.epoch_cost`);
* continuing the same run from budget ``j`` to ``k`` (``resume=True``, resumable tables only):
  ``cost[row, k] - cost[row, j]``, i.e. only the extra epochs. This is Hyperband/successive
  halving *with resumption* as BOHB's HpBandSter workers do it: a configuration promoted to the
  next rung warm-starts from its checkpoint of the previous rung. ``resume=False`` retrains
  from scratch at every rung (Li et al.'s Hyperband as written). Separate schedules
  (non-resumable tables) always restart.

Which architecture a method draws next comes from a :class:`Stream`: one random permutation of
the candidate pool per run, never re-drawn. The same generator state gives the same order to
every method, so the methods of one run draw from the same sequence: the reference and the
methods that train a fixed number of architectures use its first ``n_archs``; Hyperband draws on
past them while its budget lasts and stops when the pool is exhausted.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ...errors import NasSuiteError
from .tables import BudgetTable

__all__ = ["Ledger", "Stream", "step_cost"]


def step_cost(table: BudgetTable, rows: Any, to_col: int, from_col: Any = None, *, resume: bool = True) -> np.ndarray:
    """Seconds to bring the runs of ``rows`` to budget column ``to_col``, shape ``(len(rows),)``.

    ``from_col`` (int, array per row, or None; negative = not started) is the budget column
    each run already reached. It is credited only when ``resume`` and the table is resumable;
    otherwise the step is priced from scratch.
    """
    rows = np.asarray(rows, dtype=np.int64)
    full = table.cost[rows, int(to_col)]
    if from_col is None or not (resume and table.resumable):
        return full.copy()
    start = np.broadcast_to(np.asarray(from_col, dtype=np.int64), rows.shape)
    if (start > int(to_col)).any():
        raise NasSuiteError("a run cannot be trained back to a smaller budget")
    done = np.where(start >= 0, table.cost[rows, np.maximum(start, 0)], 0.0)
    return full - done


class Stream:
    """The order in which a search draws candidates: row indices of a :class:`~.tables.BudgetTable`.

    Uniform without replacement over the whole pool: one random permutation of the ``n`` rows,
    drawn once. A candidate is never drawn twice in a run (so a learning-curve model never
    scores a cell whose curve it was fitted on because the cell came round again); when the
    permutation is used up the pool is exhausted and :meth:`take` returns fewer rows, then
    none. Two streams over generators in the same state yield the same sequence, whatever the
    chunk sizes asked for.
    """

    def __init__(self, n: int, rng: np.random.Generator) -> None:
        if n < 1:
            raise NasSuiteError("cannot draw from an empty candidate pool")
        self._n = int(n)
        self._order = rng.permutation(self._n)
        self.taken = 0

    @property
    def remaining(self) -> int:
        """Candidates not drawn yet."""
        return self._n - self.taken

    @property
    def exhausted(self) -> bool:
        """True once every candidate of the pool has been drawn."""
        return self.taken >= self._n

    def take(self, k: int) -> np.ndarray:
        """The next ``min(k, remaining)`` rows of the sequence (empty once the pool is exhausted)."""
        if k < 0:
            raise NasSuiteError(f"cannot draw a negative number of candidates ({k})")
        out = self._order[self.taken : self.taken + int(k)]
        self.taken += len(out)
        return out

    def take_exactly(self, k: int) -> np.ndarray:
        """The next ``k`` rows; refuses (naming the pool size) if fewer remain."""
        if k > self.remaining:
            raise NasSuiteError(
                f"asked for {k} candidates but {self.remaining} of the pool of {self._n} remain: candidates are drawn "
                "without replacement (choose n_archs <= the pool)"
            )
        return self.take(k)


class Ledger:
    """The log of one search run's training steps, with its cost budget.

    Parameters
    ----------
    table
        What the run observes and pays.
    max_cost
        Seconds the run may spend; the step that crosses it still counts (it was paid for, as
        in :class:`suite.search.oracle.Budget`), later ones are refused. ``inf``: unlimited.
    resume
        Whether continuing a run is priced as the extra epochs only (see the module docstring).
    """

    def __init__(self, table: BudgetTable, max_cost: float = np.inf, *, resume: bool = True) -> None:
        if not max_cost > 0:
            raise NasSuiteError(f"max_cost must be > 0 seconds, got {max_cost}")
        self.table = table
        self.max_cost = float(max_cost)
        self.resume = bool(resume)
        self.spent = 0.0
        self._rows: list[np.ndarray] = []
        self._cols: list[np.ndarray] = []
        self._from: list[np.ndarray] = []
        self._costs: list[np.ndarray] = []

    @property
    def exhausted(self) -> bool:
        """True once the budget is spent: no further step will be trained."""
        return self.spent >= self.max_cost

    def train(self, rows: Any, to_col: int, from_col: Any = None) -> int:
        """Train ``rows`` in order to budget column ``to_col`` (continuing from ``from_col``).

        Returns how many of them were trained: all, or the prefix started before the budget ran
        out. The values they observed are ``table.valid[rows[:k], to_col]``.
        """
        rows = np.asarray(rows, dtype=np.int64).reshape(-1)
        if not len(rows) or self.exhausted:
            return 0
        costs = step_cost(self.table, rows, to_col, from_col, resume=self.resume)
        ends = self.spent + np.cumsum(costs)
        k = int(np.searchsorted(ends - costs, self.max_cost, side="left"))  # steps started before the limit
        start = np.broadcast_to(np.asarray(-1 if from_col is None else from_col, dtype=np.int64), rows.shape)
        if not (self.resume and self.table.resumable):
            start = np.full(rows.shape, -1)
        self._rows.append(rows[:k])
        self._cols.append(np.full(k, int(to_col)))
        self._from.append(np.array(start[:k]))
        self._costs.append(costs[:k])
        self.spent = float(ends[k - 1]) if k else self.spent
        return k

    def _log(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        if not self._rows:
            empty = np.empty(0, dtype=np.int64)
            return empty, empty, empty, np.empty(0)
        return (np.concatenate(self._rows), np.concatenate(self._cols), np.concatenate(self._from), np.concatenate(self._costs))

    def final_rows(self) -> np.ndarray:
        """Rows trained to the maximum budget so far, in order (each once: candidates are never re-drawn)."""
        rows, cols, _, _ = self._log()
        return rows[cols == len(self.table.budgets) - 1]

    @property
    def epochs(self) -> int:
        """Epochs trained in total (resumed steps count only their extra epochs)."""
        _, cols, start, _ = self._log()
        b = self.table.budgets
        return int(b[cols].sum() - np.where(start >= 0, b[np.maximum(start, 0)], 0).sum())

    def trajectory(self) -> pd.DataFrame:
        """One row per training step, in order, with the incumbent after it.

        Columns: ``step``; ``id`` (benchmark id) and ``row``; ``budget`` (epochs reached);
        ``epochs`` (epochs trained in this step); ``step_cost`` and ``cost`` (cumulative
        seconds); ``value`` (validation value observed at ``budget``); ``final`` (``budget`` is
        the maximum); ``incumbent_id``, ``incumbent_valid``, ``incumbent_test``. The incumbent
        is the architecture with the best validation value *among those trained to the maximum
        budget* so far (ties: the earliest) — what the search would return if stopped there;
        NaN/-1 before the first full training. Partial-budget values never make an incumbent.
        """
        rows, cols, start, costs = self._log()
        t, b = self.table, self.table.budgets
        value = t.valid[rows, cols]
        final = cols == len(b) - 1
        key = np.where(final, value, -np.inf)
        best = np.maximum.accumulate(key) if len(key) else key
        before = np.concatenate([[-np.inf], best[:-1]])
        improved = final & (key > before)
        pos = np.maximum.accumulate(np.where(improved, np.arange(len(rows)), -1)) if len(rows) else np.empty(0, np.int64)
        have = pos >= 0
        inc_rows = rows[np.maximum(pos, 0)]
        return pd.DataFrame({
            "step": np.arange(len(rows)),
            "id": t.ids[rows],
            "row": rows,
            "budget": b[cols],
            "epochs": b[cols] - np.where(start >= 0, b[np.maximum(start, 0)], 0),
            "step_cost": costs,
            "cost": np.cumsum(costs),
            "value": value,
            "final": final,
            "incumbent_id": np.where(have, t.ids[inc_rows], -1),
            "incumbent_valid": np.where(have, t.final_valid[inc_rows], np.nan),
            "incumbent_test": np.where(have, t.test[inc_rows], np.nan),
        })
