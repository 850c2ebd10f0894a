"""One seeded run of an early-stopping method, compared with full-training random search.

Protocol (what :func:`run_early_stopping` computes for one method and seed):

1. The run's architecture sequence is ``Stream(n_candidates, default_rng(stream seed))``,
   the stream seed being the first child of ``SeedSequence(seed)`` — identical for every
   method, so all are compared on the same draw order. The SRM's seed is the second child.
2. **Reference** ("full"): random search trains the first ``n_archs`` architectures of the
   sequence fully. Its *target* is its final incumbent (best final validation value), reached
   at ``cost_full_to_target`` seconds (the cumulative cost up to and including training that
   architecture); its total is ``cost_full``.
3. The method (``METHODS.make(method).run``, :mod:`.methods`) runs on the same sequence: those with
   ``same_architectures`` (``full``/``srm-random``/``sh``) over the same ``n_archs``
   architectures; the others (``hyperband``/``srm-hyperband``) draw as many as their brackets
   ask for, until ``max_cost`` seconds (default: ``cost_full``, the same compute).
4. ``speedup = cost_full_to_target / cost_to_target`` with ``cost_to_target`` the method's
   cost when its incumbent (best among architectures trained to the maximum budget) first
   reaches the target validation value; NaN (and ``reached_target`` False) if it never does.
   ``speedup_total = cost_full / cost`` is Baker et al.'s ratio for the same set of
   architectures (NaN for methods without ``same_architectures``, whose architecture set differs).
5. ``regret_valid``/``regret_test``: the reference's final incumbent minus the method's, in
   validation and test value (signed: Hyperband may find a better one by drawing more);
   ``same_best``: both select the same architecture.
"""

from __future__ import annotations

from typing import Any, NamedTuple, Sequence

import numpy as np
import pandas as pd

from ...errors import NasSuiteError
from ...metrics import kendall, spearman
from .halving import HalvingResult
from .hyperband import hyperband_columns
from .methods import METHODS, REFERENCE, Settings
from .tables import BudgetTable, curve_table

__all__ = ["EarlyStoppingRun", "budget_rank_correlation", "compare", "rung_budgets", "run_early_stopping"]


class EarlyStoppingRun(NamedTuple):
    """What :func:`run_early_stopping` returns.

    summary : one row (columns: see :func:`run_early_stopping`).
    trajectory : every training step with the incumbent after it (:meth:`.Ledger.trajectory`
        columns, plus ``method`` and ``seed``).
    rungs : the rung history / rule decisions (:func:`.halving.rungs_frame` columns, plus
        ``method`` and ``seed``); empty for ``full``.
    """

    summary: pd.DataFrame
    trajectory: pd.DataFrame
    rungs: pd.DataFrame


def _cost_to_target(result: HalvingResult, target: float) -> float:
    traj = result.trajectory
    hit = np.flatnonzero(traj["incumbent_valid"].to_numpy() >= target - 1e-9)
    return float(traj["cost"].iloc[hit[0]]) if len(hit) else np.nan


def run_early_stopping(
    data: Any,
    method: str,
    *,
    seed: int,
    candidates: Sequence[int] | np.ndarray | None = None,
    n_archs: int | None = None,
    max_cost: float | None = None,
    max_iterations: int | None = None,
    eta: float = 3,
    min_budget: float | None = None,
    max_budget: float | None = None,
    resume: bool = True,
    n_train: int | None = None,
    tau: float = 0.25,
    delta: float = 0.99,
    refit_every: int | None = 10,
    sigma: str = "model",
    model: Any = None,
) -> EarlyStoppingRun:
    """One run of ``method`` (a name in :data:`~.methods.METHODS`) with ``seed``, against full-training random search.

    Parameters
    ----------
    data
        A benchmark (its learning curves become a :func:`~.tables.curve_table` over
        ``candidates``, default: every cell with a complete curve — NB-201's embedded cache has
        200) or a ready :class:`~.tables.BudgetTable` (faster for many seeds; ``candidates``
        must then be None).
    n_archs
        Length of the random-search sequence (default: every candidate once).
    max_cost, max_iterations
        Hyperband stop rules (default: ``max_cost = cost_full``, the reference's compute).
    eta, min_budget, max_budget, resume
        Successive halving / Hyperband settings (see :func:`~.hyperband.hyperband`).
    n_train, tau, delta, refit_every, sigma, model
        SRM settings (:class:`~.srm_rule.SRMRule`, :class:`~.srm_rule.SRMRanker`; ``n_train``
        defaults to the method's own ``n_train``; ``tau`` is used by ``srm-random`` only).

    Returns
    -------
    EarlyStoppingRun
        ``summary`` has one row with columns ``method, seed, n_candidates, n_archs`` (reference
        sequence length), ``n_started`` (training runs started), ``n_full`` (runs trained to the
        maximum budget), ``n_stopped`` (``n_started - n_full``), ``epochs``, ``cost`` (seconds),
        ``best_id, best_valid, best_test`` (the method's final incumbent), ``ref_id,
        ref_valid, ref_test`` (the reference's), ``regret_valid, regret_test, same_best``,
        ``cost_full, cost_full_to_target, cost_to_target, reached_target, speedup,
        speedup_total`` (definitions in the module docstring).
    """
    chosen = METHODS.make(method)  # an unknown name raises, listing the registered ones
    if isinstance(data, BudgetTable):
        if candidates is not None:
            raise NasSuiteError("candidates selects rows of a benchmark; pass a BudgetTable built over them instead")
        table = data
    else:
        table = curve_table(data, candidates)
    n_archs = table.n if n_archs is None else int(n_archs)
    if n_archs < 1:
        raise NasSuiteError(f"n_archs must be >= 1, got {n_archs}")
    stream_seq, srm_seq = np.random.SeedSequence(seed).spawn(2)
    srm_seed = int(srm_seq.generate_state(1)[0] % (2**31 - 1))

    def rng() -> np.random.Generator:
        return np.random.default_rng(stream_seq)

    settings = Settings(eta=eta, min_budget=min_budget, max_budget=max_budget, resume=resume, n_train=n_train, tau=tau,
                        delta=delta, refit_every=refit_every, sigma=sigma, model=model, max_iterations=max_iterations)
    ref = REFERENCE().run(table, rng(), n_archs=n_archs, max_cost=np.inf, srm_seed=srm_seed, settings=settings)
    budget = ref.cost if max_cost is None and max_iterations is None else (np.inf if max_cost is None else max_cost)
    if type(chosen) is REFERENCE:  # the reference itself: its run is the one above
        res = ref
    else:
        res = chosen.run(table, rng(), n_archs=n_archs, max_cost=budget, srm_seed=srm_seed, settings=settings)

    cost_full_to_target = _cost_to_target(ref, ref.best_valid)
    cost_to_target = _cost_to_target(res, ref.best_valid)
    n_full = int(res.trajectory["final"].sum())
    summary = pd.DataFrame([{
        "method": method, "seed": seed, "n_candidates": table.n, "n_archs": n_archs,
        "n_started": res.n_started, "n_full": n_full, "n_stopped": res.n_started - n_full,
        "epochs": res.epochs, "cost": res.cost,
        "best_id": res.best_id, "best_valid": res.best_valid, "best_test": res.best_test,
        "ref_id": ref.best_id, "ref_valid": ref.best_valid, "ref_test": ref.best_test,
        "regret_valid": ref.best_valid - res.best_valid, "regret_test": ref.best_test - res.best_test,
        "same_best": res.best_id == ref.best_id,
        "cost_full": ref.cost, "cost_full_to_target": cost_full_to_target, "cost_to_target": cost_to_target,
        "reached_target": bool(np.isfinite(cost_to_target)),
        "speedup": cost_full_to_target / cost_to_target if np.isfinite(cost_to_target) else np.nan,
        "speedup_total": ref.cost / res.cost if chosen.same_architectures and res.cost > 0 else np.nan,
    }])
    label = {"method": method, "seed": seed}
    return EarlyStoppingRun(summary, res.trajectory.assign(**label), res.rungs.assign(**label))


def compare(data: Any, methods: Sequence[str], seeds: Sequence[int], **params: Any) -> EarlyStoppingRun:
    """:func:`run_early_stopping` for every method and seed, frames concatenated (table built once)."""
    table = data if isinstance(data, BudgetTable) else curve_table(data, params.pop("candidates", None))
    runs = [run_early_stopping(table, m, seed=s, **params) for m in methods for s in seeds]
    return EarlyStoppingRun(*(pd.concat([r[i] for r in runs], ignore_index=True) for i in range(3)))


def budget_rank_correlation(table: BudgetTable, budgets: Sequence[float] | None = None) -> pd.DataFrame:
    """How well the value at each budget ranks the candidates for the final one — why early stopping works.

    One row per budget (default: every recorded budget; given budgets are snapped to recorded
    ones): ``budget`` (epochs), ``spearman`` and ``kendall`` between the validation value there
    and the final validation value over all candidates (:mod:`suite.metrics`), ``n_archs``.
    """
    cols = sorted({table.column(b) for b in budgets}) if budgets is not None else range(len(table.budgets))
    final = table.final_valid
    return pd.DataFrame([{"budget": int(table.budgets[c]), "spearman": spearman(table.valid[:, c], final),
                          "kendall": kendall(table.valid[:, c], final), "n_archs": table.n} for c in cols])


def rung_budgets(table: BudgetTable, *, eta: float = 3, min_budget: float | None = None,
                 max_budget: float | None = None) -> list[int]:
    """The distinct budgets (epochs) Hyperband's brackets use on ``table`` (snapped), ascending."""
    t = table.up_to(max_budget)
    return [int(t.budgets[c]) for c in hyperband_columns(t, eta, min_budget)]

