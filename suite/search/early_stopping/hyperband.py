"""Hyperband (Li, Jamieson, DeSalvo, Rostamizadeh & Talwalkar, JMLR 18(185), 2017).

One Hyperband *iteration* runs ``s_max + 1`` successive-halving brackets that trade the number
of architectures against the budget each starts with (Algorithm 1, ``R`` = max / min budget):

    s_max = floor(log_eta(R)),  B = (s_max + 1) R
    for s = s_max .. 0:   n = ceil(B / R * eta^s / (s + 1)),   r = R eta^-s
        bracket rungs:    n_i = floor(n eta^-i),  r_i = r eta^i   (i = 0..s)

For ``R = 81, eta = 3`` the brackets start with n = 81, 34, 15, 8, 5 architectures at
r = 1, 3, 9, 27, 81 epochs (the paper's Table 1). Budgets are in units of ``min_budget`` above
and in epochs below (``r_i * min_budget``, as HpBandSter computes them), snapped to the table's
recorded budgets. Iterations repeat, each bracket drawing fresh architectures from the run's
:class:`~.accounting.Stream`, until the cost budget is spent (the step that crosses it still
counts), ``max_iterations`` have run, or the candidate pool is exhausted: candidates are drawn
without replacement and never re-drawn, so a bracket that asks for more than remain runs on
those that remain (rung sizes capped by what is there) and Hyperband then stops.

Anytime incumbent: the architecture with the best validation value among those trained to the
*maximum* budget so far (:meth:`.Ledger.trajectory`); partial-budget values never make one.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ...errors import NasSuiteError
from .accounting import Ledger, Stream
from .halving import HalvingResult, Ranker, rung_columns, rungs_frame, run_bracket
from .tables import BudgetTable

__all__ = ["hyperband", "hyperband_columns", "hyperband_schedule"]


def hyperband_schedule(max_budget: float, min_budget: float = 1, eta: float = 3) -> list[list[tuple[int, float]]]:
    """The brackets of one Hyperband iteration, each a list of rungs ``(n_i, r_i)`` (r_i in epochs).

    >>> [b[0] for b in hyperband_schedule(81, 1, 3)]
    [(81, 1.0), (34, 3.0), (15, 9.0), (8, 27.0), (5, 81.0)]
    """
    if not eta > 1:
        raise NasSuiteError(f"eta must be > 1, got {eta}")
    if not 0 < min_budget <= max_budget:
        raise NasSuiteError(f"need 0 < min_budget <= max_budget, got {min_budget} and {max_budget}")
    s_max = math.floor(math.log(max_budget / min_budget) / math.log(eta) + 1e-9)
    brackets = []
    for s in range(s_max, -1, -1):
        n = math.ceil((s_max + 1) / (s + 1) * eta**s - 1e-9)
        r = max_budget * eta ** (-s)
        brackets.append([(max(1, math.floor(n / eta**i + 1e-9)), float(r * eta**i)) for i in range(s + 1)])
    return brackets


def hyperband_columns(table: BudgetTable, eta: float = 3, min_budget: float | None = None) -> list[int]:
    """The distinct budget columns of ``table`` that the brackets of one iteration use, ascending
    (budgets snapped as in :func:`hyperband`; ``min_budget`` None: the table's smallest)."""
    start = float(table.budgets[0] if min_budget is None else min_budget)
    return sorted({c for b in hyperband_schedule(float(table.max_budget), start, eta) for _, c in rung_columns(table, b)})


def hyperband(
    table: BudgetTable,
    rng: np.random.Generator,
    *,
    max_cost: float | None = None,
    max_iterations: int | None = None,
    min_budget: float | None = None,
    max_budget: float | None = None,
    eta: float = 3,
    resume: bool = True,
    ranker: Ranker | None = None,
) -> HalvingResult:
    """Hyperband iterations over ``table`` until ``max_cost`` seconds or ``max_iterations``.

    Parameters
    ----------
    table
        Candidates with their curves/costs (:func:`~.tables.curve_table`).
    rng
        Draws the architectures of every bracket, in order, from one
        :class:`~.accounting.Stream` (same generator state = same sequence as other methods).
    max_cost, max_iterations
        Stop rules; at least one is required.
    min_budget, max_budget
        Smallest and largest budget in epochs (default: the table's; ``max_budget`` below the
        table's makes that budget "final", :meth:`~.tables.BudgetTable.up_to`).
    eta
        Halving rate (default 3, Li et al.'s).
    resume
        Promoted runs continue from their previous rung (HpBandSter-style; default) instead of
        restarting (Li et al. as written).
    ranker
        Replaces ranking by the observed value (``srm-hyperband``, :class:`~.srm_rule.SRMRanker`);
        its ``prepare`` sees the ledger before every bracket.

    Returns
    -------
    HalvingResult
        ``rungs`` has columns ``iteration, bracket`` (= s) before the rung columns;
        ``stopped_by`` is ``"budget"``, ``"pool"`` or ``"iterations"``.
    """
    if max_cost is None and max_iterations is None:
        raise NasSuiteError("hyperband needs max_cost (seconds) and/or max_iterations")
    if max_iterations is not None and max_iterations < 1:
        raise NasSuiteError(f"max_iterations must be >= 1, got {max_iterations}")
    table = table.up_to(max_budget)
    lo = float(table.budgets[0] if min_budget is None else min_budget)
    brackets = [rung_columns(table, b) for b in hyperband_schedule(float(table.max_budget), lo, eta)]
    stream = Stream(table.n, rng)
    ledger = Ledger(table, np.inf if max_cost is None else float(max_cost), resume=resume)
    frames: list[pd.DataFrame] = []
    iteration = 0
    while not (ledger.exhausted or stream.exhausted) and (max_iterations is None or iteration < max_iterations):
        for rungs in brackets:
            if ledger.exhausted or stream.exhausted:
                break
            if ranker is not None:
                ranker.prepare(ledger)
            history = run_bracket(table, stream.take(rungs[0][0]), rungs, ledger, ranker)
            frames.append(rungs_frame(history, table, iteration=iteration, bracket=len(rungs) - 1))
        iteration += 1
    stopped_by = "budget" if ledger.exhausted else "pool" if stream.exhausted else "iterations"
    frames = [f for f in frames if len(f)]
    rungs_df = pd.concat(frames, ignore_index=True) if frames else rungs_frame([], table, iteration=0, bracket=0)
    return HalvingResult.from_ledger(ledger, rungs_df, int((rungs_df["rung"] == 0).sum()), stopped_by)
