"""Early stopping on the budget axis: successive halving, Hyperband and Baker et al.'s SRM rule.

Everything here is pure computation over benchmark tables (no files, no training): a method
decides which architectures to train how far, a ledger prices each step in benchmark seconds,
and the result says what it found, what it cost, and how that compares with training every
architecture fully.

Entry point
-----------
``run_early_stopping(bench_or_table, method, *, seed, candidates=None, **params) -> EarlyStoppingRun``
    One seeded run of ``method`` in :data:`METHODS` — ``"full"`` (random search, full
    training), ``"sh"`` (successive halving), ``"hyperband"``, ``"srm-random"`` (random search +
    Baker's SRM rule), ``"srm-hyperband"`` (Hyperband ranking rungs by SRM predictions) —
    compared with full-training random search on the same architecture sequence. Returns
    ``(summary, trajectory, rungs)``: ``summary`` is one row (method, seed, cost in seconds,
    epochs, n_full / n_stopped, best id/valid/test, regret and ``same_best`` against the
    reference, ``speedup`` = reference cost / method cost to reach the reference's final
    validation value, ``speedup_total`` = Baker's same-architectures cost ratio);
    ``trajectory`` is the anytime curve (one row per training step: cumulative ``cost``,
    ``budget``, observed ``value``, ``incumbent_valid`` / ``incumbent_test``; the incumbent is
    the best architecture trained to the maximum budget so far); ``rungs`` the rung history or
    the rule's decisions. Parameters and column definitions: :func:`.runner.run_early_stopping`.
``compare(bench_or_table, methods, seeds, **params) -> EarlyStoppingRun``
    The same for many methods and seeds, frames concatenated.
``budget_rank_correlation(table, budgets=None) -> DataFrame``
    Spearman/Kendall between the value at each budget and the final one (why stopping works);
    ``rung_budgets(table, eta=3)`` lists the budgets Hyperband uses.

Building blocks
---------------
* :mod:`.tables` — :class:`BudgetTable` (what is observed and paid), :func:`curve_table` (one
  run's learning curve: resumable), :func:`schedule_table` (separate runs per schedule, e.g.
  NB-101's 4/12/36/108 epochs), :func:`curve_ids`.
* :mod:`.accounting` — cost model (``train_time * e / S``; resuming pays only the extra epochs,
  ``resume=True`` as in BOHB/HpBandSter), :class:`Ledger`, :class:`Stream`.
* :mod:`.halving` — :func:`successive_halving`, :func:`halving_schedule`.
* :mod:`.hyperband` — :func:`hyperband`, :func:`hyperband_schedule` (Li et al.'s brackets).
* :mod:`.srm_rule` / :mod:`.random_search` — Baker et al.'s rule in random search and Hyperband.

Data caveat: per-epoch curves of NB-201 exist for cells 0-199 only in the embedded cache, so
by default the candidate pool is those 200 cells (:func:`curve_ids`); importing the official
NATS archive gives every cell a curve, and ``candidates=`` then selects any subset.

    >>> import suite
    >>> from suite.search.early_stopping import curve_table, run_early_stopping
    >>> table = curve_table(suite.load("nb201", "cifar10"))          # the 200 cells with curves
    >>> run = run_early_stopping(table, "hyperband", seed=0)
    >>> run.summary[["cost", "speedup", "regret_test"]]              # doctest: +SKIP
"""

from __future__ import annotations

from .accounting import Ledger, Stream, epoch_cost, step_cost
from .halving import HalvingResult, halving_schedule, successive_halving
from .hyperband import hyperband, hyperband_schedule
from .random_search import random_search
from .runner import METHODS, EarlyStoppingRun, budget_rank_correlation, compare, rung_budgets, run_early_stopping
from .srm_rule import SRMRanker, SRMRule
from .tables import BudgetTable, curve_ids, curve_table, schedule_table

__all__ = [
    "METHODS", "BudgetTable", "EarlyStoppingRun", "HalvingResult", "Ledger", "SRMRanker", "SRMRule", "Stream",
    "budget_rank_correlation", "compare", "curve_ids", "curve_table", "epoch_cost", "halving_schedule", "hyperband",
    "hyperband_schedule", "random_search", "rung_budgets", "run_early_stopping", "schedule_table", "step_cost",
    "successive_halving",
]
