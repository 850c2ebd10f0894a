"""Budget-correlation experiments: how well a short training budget ranks architectures for a long one.

For every pair of budgets, the Spearman correlation of the same architectures' scores (Zela et
al. 2018; HpBandSter's ``correlation_across_budgets``), computed from the tables, no predictor
involved. Kendall's τ and Pearson's r are recorded beside it: papers quote either (NAS-Bench-201's
"about 0.9" between its 12- and 200-epoch schedules is a Pearson correlation). Two views, each optional:

- ``schedules``: the final value of separate training runs of different lengths (NB-201's 12-
  vs 200-epoch schedules; NB-101's 4/12/36/108), over every architecture measuring them;
- ``curve_epochs``: points on one run's learning curve, over the architectures with curves.

TOML::

    name = "budget-correlation"
    kind = "budget_correlation"
    benchmark = "nb201"
    dataset = "cifar10"
    [budgets]
    metric = "valid_acc"
    schedules = [12, 200]
    curve_schedule = 200
    curve_epochs = [1, 5, 10, 25, 50, 100, 200]     # or "all"

Output in ``results/<name>/``: ``config.toml`` and ``records.parquet`` with one row per budget
pair and view (``view, budget_a, budget_b, spearman, kendall, pearson, n_archs``), plus ``meta.json``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Mapping

import numpy as np
import pandas as pd

from .execution import RunResult
from .spec import InvalidSpec, benchmark_of, check_keys, required, to_toml

from .kinds import FunctionKind

if TYPE_CHECKING:
    from ..data.benchmark import Benchmark

__all__ = ["BudgetSpec", "KIND", "parse_budget_spec", "run_budget_correlation"]

_TOP = {"name", "description", "kind", "benchmark", "dataset", "budgets"}
_BUDGETS = {"metric", "schedules", "curve_schedule", "curve_epochs", "seed"}


@dataclass(frozen=True)
class BudgetSpec:
    kind: ClassVar[str] = "budget_correlation"

    name: str
    benchmark: str
    dataset: str
    metric: str = "valid_acc"
    schedules: tuple[int, ...] = ()
    curve_schedule: int | None = None
    curve_epochs: tuple[int, ...] | str = ()
    seed: str | int = "mean"
    description: str = ""

    def as_toml_dict(self) -> dict[str, Any]:
        budgets: dict[str, Any] = {"metric": self.metric, "schedules": list(self.schedules), "seed": self.seed}
        if self.curve_schedule is not None:
            budgets["curve_schedule"] = self.curve_schedule
        budgets["curve_epochs"] = self.curve_epochs if isinstance(self.curve_epochs, str) else list(self.curve_epochs)
        return {"name": self.name, "description": self.description, "kind": "budget_correlation",
                "benchmark": self.benchmark, "dataset": self.dataset, "budgets": budgets}


def parse_budget_spec(raw: Mapping[str, Any], source: str) -> BudgetSpec:
    check_keys(raw, _TOP, source)
    name = required(raw, "name", str, source)
    benchmark, dataset = benchmark_of(raw, source)
    budgets = raw.get("budgets")
    if not isinstance(budgets, Mapping):
        raise InvalidSpec(f"{source}: a budget_correlation spec needs a [budgets] table (metric, schedules, curve_epochs)")
    check_keys(budgets, _BUDGETS, source, "budgets.")
    schedules = budgets.get("schedules", [])
    if not isinstance(schedules, list) or not all(isinstance(s, int) and s > 0 for s in schedules):
        raise InvalidSpec(f"{source}: budgets.schedules must be a list of positive epoch counts, got {schedules!r}")
    epochs = budgets.get("curve_epochs", [])
    if not (epochs == "all" or (isinstance(epochs, list) and all(isinstance(e, int) and e > 0 for e in epochs))):
        raise InvalidSpec(f"{source}: budgets.curve_epochs must be a list of epochs or \"all\", got {epochs!r}")
    if len(schedules) < 2 and not epochs:
        raise InvalidSpec(f"{source}: give budgets.schedules (>= 2) and/or budgets.curve_epochs")
    curve_schedule = budgets.get("curve_schedule")
    if curve_schedule is not None and not (isinstance(curve_schedule, int) and curve_schedule > 0):
        raise InvalidSpec(f"{source}: budgets.curve_schedule must be a positive epoch count, got {curve_schedule!r}")
    return BudgetSpec(name=name, benchmark=benchmark, dataset=dataset, metric=str(budgets.get("metric", "valid_acc")),
                      schedules=tuple(schedules), curve_schedule=curve_schedule,
                      curve_epochs=epochs if isinstance(epochs, str) else tuple(epochs),
                      seed=budgets.get("seed", "mean"), description=str(raw.get("description", "")))


def schedule_matrix(spec: BudgetSpec, bench: Benchmark) -> pd.DataFrame:
    """``(n_archs, n_schedules)``: the final value of each schedule's run."""
    cols = {s: bench.metric(spec.metric, seed=spec.seed, schedule=s) for s in spec.schedules}
    return pd.DataFrame(cols)


def curve_matrix(spec: BudgetSpec, bench: Benchmark) -> pd.DataFrame:
    """``(n_archs with curves, n_epochs)``: points of one run's learning curve."""
    curves = bench.curves(spec.metric, seed=spec.seed, schedule=spec.curve_schedule)
    curves = curves[curves.notna().any(axis=1)]
    if spec.curve_epochs != "all":
        missing = [e for e in spec.curve_epochs if e not in curves.columns]
        if missing:
            raise InvalidSpec(f"budgets.curve_epochs {missing} are not recorded; epochs: {curves.columns[0]}..{curves.columns[-1]}")
        curves = curves[list(spec.curve_epochs)]
    return curves


def run_budget_correlation(spec: BudgetSpec, results_root: str | os.PathLike[str] = "results",
                           data_root: str | os.PathLike[str] | None = None) -> RunResult:
    """Compute both views and write ``records.parquet`` (one task, no journal: it takes seconds)."""
    from ..data.benchmark import load
    from ..metrics import budget_correlation
    from .execution import pin_config
    from .files import atomic_output, provenance, write_atomic

    bench = load(spec.benchmark, spec.dataset, root=data_root)
    directory = Path(results_root) / spec.name
    directory.mkdir(parents=True, exist_ok=True)
    pin_config(directory, to_toml(spec.as_toml_dict()))
    rows = []
    for view, frame in (("schedules", schedule_matrix(spec, bench) if len(spec.schedules) >= 2 else None),
                        ("curve", curve_matrix(spec, bench) if spec.curve_epochs else None)):
        if frame is None:
            continue
        matrices = [budget_correlation(frame, method=m) for m in ("spearman", "kendall", "pearson")]
        values = frame.to_numpy(dtype=np.float64)
        for i, a in enumerate(frame.columns):
            for j, b in enumerate(frame.columns):
                shared = int((np.isfinite(values[:, i]) & np.isfinite(values[:, j])).sum())
                rows.append((view, int(a), int(b), *(float(m.iloc[i, j]) for m in matrices), shared))
    records = pd.DataFrame(rows, columns=["view", "budget_a", "budget_b", "spearman", "kendall", "pearson", "n_archs"])
    with atomic_output(directory / "records.parquet") as tmp:
        records.to_parquet(tmp, index=False)
    meta = {"name": spec.name, "kind": KIND.name, **provenance(bench)}
    write_atomic(directory / "meta.json", json.dumps(meta, indent=2) + "\n")
    return RunResult(directory, KIND.name, 1, 1, unit="budget-correlation tables")


KIND = FunctionKind(
    "budget_correlation", BudgetSpec, "suite.report.budgets:write_budget_report", parse_budget_spec,
    lambda spec, root, o: run_budget_correlation(spec, root, data_root=o.data_root),
    "rank correlation between training budgets (schedules and points of one curve)")
