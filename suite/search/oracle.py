"""The query oracle: "training" an architecture is a table read, with the benchmark's own noise.

A search sees what a real search would see — one training run's validation accuracy, not the
mean over the benchmark's repeats (``noise="sample"``: one recorded seed per architecture,
drawn once per search run, so a re-query returns the same run), or the seed mean
(``noise="mean"``) — and pays what a real search would pay: benchmark training seconds
(``cost_metric`` x ``cost_scale``) or one unit per query. Every query is logged, so the
search's trajectory (what it queried, what it saw, what it cost, the true and test accuracy of
each query) is known exactly afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import NasSuiteError

if TYPE_CHECKING:
    from ..data.benchmark import Benchmark

__all__ = ["Objective", "Budget", "Oracle", "BudgetExhausted"]


class BudgetExhausted(NasSuiteError):
    """Raised by :meth:`Oracle.query` when asked to query past the budget."""


@dataclass(frozen=True)
class Objective:
    """What a search observes, what it is judged by, and what a query costs.

    Attributes:
        metric, schedule: the observed metric (e.g. ``valid_acc`` of NB-201's 12-epoch
            schedule, as in the NB-201 paper's REA/RS protocol, or 200).
        noise: ``"sample"`` (one recorded seed per architecture) or ``"mean"``.
        test_metric, test_schedule: what the found architecture is reported with (final test
            accuracy; default schedule of the benchmark).
        cost_metric: per-architecture cost (e.g. ``train_time``, seconds); None = 1 per query.
        cost_scale: multiplies ``cost_metric`` — e.g. ``12/200`` for NB-201's 12-epoch schedule,
            whose per-epoch time equals the 200-epoch run's (the table records only the latter).
    """

    metric: str = "valid_acc"
    schedule: int | None = None
    noise: str = "sample"
    test_metric: str = "test_acc"
    test_schedule: int | None = None
    cost_metric: str | None = None
    cost_scale: float = 1.0

    def __post_init__(self) -> None:
        if self.noise not in ("sample", "mean"):
            raise NasSuiteError(f"objective noise must be 'sample' or 'mean', got {self.noise!r}")


@dataclass(frozen=True)
class Budget:
    """Stop after ``queries`` queries and/or once ``seconds`` of cost are spent.

    The query that crosses ``seconds`` still counts (it was paid for; NATS-Bench's REA and
    random-search loops do the same).
    """

    queries: int | None = None
    seconds: float | None = None

    def __post_init__(self) -> None:
        if self.queries is None and self.seconds is None:
            raise NasSuiteError("a search budget needs queries and/or seconds")
        if self.queries is not None and self.queries < 1:
            raise NasSuiteError(f"budget queries must be >= 1, got {self.queries}")
        if self.seconds is not None and self.seconds <= 0:
            raise NasSuiteError(f"budget seconds must be > 0, got {self.seconds}")


@dataclass
class _Tables:
    observed: np.ndarray
    true: np.ndarray
    test: np.ndarray
    cost: np.ndarray
    pool: np.ndarray


def objective_tables(bench: Benchmark, objective: Objective, rng: np.random.Generator | None = None) -> _Tables:
    """Per-architecture arrays for one search run; ``pool`` = ids where all of them are finite."""
    kw: dict[str, Any] = {"schedule": objective.schedule}
    if objective.noise == "sample":
        if rng is None:
            raise NasSuiteError("noise='sample' needs an rng")
        observed = bench.metric(objective.metric, seed="sample", rng=rng, **kw)
    else:
        observed = bench.metric(objective.metric, **kw)
    true = bench.metric(objective.metric, **kw)
    test = bench.metric(objective.test_metric, schedule=objective.test_schedule)
    if objective.cost_metric is None:
        cost = np.ones(len(bench))
    else:
        cost = bench.metric(objective.cost_metric) * objective.cost_scale
    pool = np.flatnonzero(np.isfinite(observed) & np.isfinite(true) & np.isfinite(test) & np.isfinite(cost))
    if not len(pool):
        raise NasSuiteError(
            f"{bench.name}/{bench.dataset}: no architecture has {objective.metric}, {objective.test_metric}"
            + (f" and {objective.cost_metric}" if objective.cost_metric else "") + "; nothing to search"
        )
    return _Tables(observed, true, test, cost, pool)


class Oracle:
    """Answers one search run's queries and logs them.

    The search may query ``tables.pool`` (every architecture with the objective's values);
    ``tables`` can be passed to share :func:`objective_tables` between oracles. ``stop_on``:
    ids whose first query ends the run, like a spent budget (a queries-to-target experiment
    need not search on after its hardest target).
    """

    def __init__(self, bench: Benchmark, objective: Objective, budget: Budget, rng: np.random.Generator,
                 *, tables: _Tables | None = None, stop_on: np.ndarray | None = None) -> None:
        self.bench = bench
        self.objective = objective
        self.budget = budget
        self.tables = tables if tables is not None else objective_tables(bench, objective, rng)
        self.pool = self.tables.pool
        self._ids: list[int] = []
        self._spent = 0.0
        self._seen = np.zeros(len(bench), dtype=bool)
        self._stop = None
        if stop_on is not None:  # ids whose query ends the run (queries-to-target experiments)
            self._stop = np.zeros(len(bench), dtype=bool)
            self._stop[np.asarray(stop_on, dtype=np.int64)] = True
        self._hit = False

    # -- state -------------------------------------------------------------------------------------
    @property
    def n_queries(self) -> int:
        return len(self._ids)

    @property
    def spent(self) -> float:
        return self._spent

    @property
    def exhausted(self) -> bool:
        b = self.budget
        return (self._hit or (b.queries is not None and self.n_queries >= b.queries)
                or (b.seconds is not None and self._spent >= b.seconds))

    @property
    def remaining_queries(self) -> int:
        """Queries left by count (cost budgets are checked per query)."""
        return np.iinfo(np.int64).max if self.budget.queries is None else self.budget.queries - self.n_queries

    @property
    def queried(self) -> np.ndarray:
        return np.asarray(self._ids, dtype=np.int64)

    @property
    def seen(self) -> np.ndarray:
        """Boolean mask over all ids: queried at least once."""
        return self._seen

    def unqueried(self) -> np.ndarray:
        """Pool ids not queried yet (sorted)."""
        return self.pool[~self._seen[self.pool]]

    # -- queries -----------------------------------------------------------------------------------
    def query(self, ids: np.ndarray | list[int] | int) -> np.ndarray:
        """Observed values of ``ids`` in order; stops early (shorter result) when the budget runs out.

        Raises :class:`BudgetExhausted` if the budget is already spent before the first id.
        """
        arr = np.atleast_1d(np.asarray(ids, dtype=np.int64))
        if self.exhausted:
            raise BudgetExhausted("the search budget is spent")
        taken = []
        for i in arr:
            if self.exhausted:
                break
            self._ids.append(int(i))
            self._seen[i] = True
            self._spent += float(self.tables.cost[i])
            if self._stop is not None and self._stop[i]:
                self._hit = True
            taken.append(int(i))
        return self.tables.observed[np.asarray(taken, dtype=np.int64)]

    def observed(self) -> np.ndarray:
        """What the search saw for each of its queries, in order."""
        return self.tables.observed[self.queried]

    def trajectory(self) -> pd.DataFrame:
        """One row per query: ``t`` (1-based), ``id``, ``observed``, ``true``, ``test``, ``cost`` (cumulative),
        and the incumbent (best observed so far): ``best_observed``, ``incumbent``, ``incumbent_true``, ``incumbent_test``."""
        ids = self.queried
        obs = self.tables.observed[ids]
        best_pos = _running_argmax(obs)
        incumbent = ids[best_pos]
        return pd.DataFrame({
            "t": np.arange(1, len(ids) + 1, dtype=np.int64),
            "id": ids,
            "observed": obs,
            "true": self.tables.true[ids],
            "test": self.tables.test[ids],
            "cost": np.cumsum(self.tables.cost[ids]),
            "best_observed": obs[best_pos] if len(ids) else obs,
            "incumbent": incumbent,
            "incumbent_true": self.tables.true[incumbent],
            "incumbent_test": self.tables.test[incumbent],
        })


def _running_argmax(values: np.ndarray) -> np.ndarray:
    """Index of the first maximum of ``values[:t+1]`` for every t (ties keep the earlier query)."""
    if not len(values):
        return np.zeros(0, dtype=np.int64)
    running = np.maximum.accumulate(values)
    is_new = np.r_[True, values[1:] > running[:-1]]
    return np.maximum.accumulate(np.where(is_new, np.arange(len(values)), 0))


@dataclass
class SearchResult:
    """What one search run returns: its trajectory and anything the method wants to report."""

    trajectory: pd.DataFrame
    info: dict[str, Any] = field(default_factory=dict)
