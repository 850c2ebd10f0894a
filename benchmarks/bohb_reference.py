"""Our BOHB beside HpBandSter's (the authors' implementation) on the same tables.

Both optimisers run on the same benchmark with the same objective, the same budget ladder
(training schedules), the same eta and model settings and the same number of Hyperband
iterations (brackets), N seeds each. HpBandSter 0.7.4 (``pip install 'nas-suite[hpbandster]'``)
is driven through one sequential ``Worker`` whose ``compute(config, budget)`` is a table read
from our :class:`~suite.search.oracle.Oracle`: the configuration space has one hyper-parameter
per genome position (categorical; an ordered position is an integer parameter, as
automl/nas_benchmarks encodes FCNet's grids), HpBandSter's budgets are ``eta^k`` for
``k = 0..K-1`` and the worker reads schedule ``ladder[k]``, so both see the same K rungs and
HpBandSter forms the same brackets (``bracket_sizes``). A configuration that is not a cell in the
table gets loss +inf and costs nothing (automl/nas_benchmarks ``nas_cifar10.py`` scores invalid
NB-101 cells as the worst loss with zero cost); on NB-201 every configuration is a cell. Each
seed s builds the oracle's tables with ``default_rng(s)`` for both (same seed noise), seeds
HpBandSter through ``np.random.seed(s)`` and the ConfigSpace seed, and ours through
``run_search(seed=s)``.

Reported per benchmark: mean (95% bootstrap CI over seeds) of the final incumbent's test
accuracy, and test regret (best test accuracy in the pool minus the incumbent's) at equal
simulated cost — the smallest total cost any run of either optimiser reached, so every run is
read at the same spend — and the paired difference ours - HpBandSter. The incumbent is the
best observation at the highest schedule trained so far, for both (the oracle's rule, which is
HpBandSter's incumbent trajectory).

Benchmarks: NB-201 CIFAR-10 (embedded real table: valid_acc at 12 epochs (seed mean) and 200
(per seed), train_time at 200; ladder [12, 200]); NB-101 CIFAR-10 with ladder 4/12/36/108 only
when the loaded cache records valid_acc at those schedules (the official ``nasbench_full``
import; ``--nb101-root``). The embedded NB-101 sample holds 108 epochs only, so that part is
skipped with its reason otherwise.

Usage: ``python benchmarks/bohb_reference.py [--seeds 20] [--nb201-iterations 40]
[--nb101-iterations 8] [--nb101-root DIR] [--out benchmarks/results/bohb_reference.md]``
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import platform
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import suite
from suite.encodings.genome import genome_for
from suite.extras import require
from suite.search import Budget, Objective, Oracle, objective_tables, run_search
from suite.search.bohb import BOHB, bracket_sizes

RESULTS = Path(__file__).resolve().parent / "results"

#: HpBandSter's defaults (hpbandster/optimizers/bohb.py), used by both optimisers
SETTINGS = {"top_n_percent": 15, "num_samples": 64, "random_fraction": 1 / 3, "bandwidth_factor": 3.0,
            "min_bandwidth": 1e-3}


@dataclass(frozen=True)
class Case:
    label: str
    bench: Any
    objective: Objective
    ladder: list[int]
    iterations: int
    eta: float = 3

    @property
    def key(self) -> str:
        """Short name in the JSON output: ``nb201-cifar10``, ``nb101-cifar10``."""
        return f"{self.bench.name}-{self.bench.dataset}"


def n_queries(n_rungs: int, iterations: int, eta: float) -> int:
    """Queries of ``iterations`` brackets (iteration j runs bracket K-1 - j mod K)."""
    return sum(sum(bracket_sizes(n_rungs, n_rungs - 1 - j % n_rungs, eta)) for j in range(iterations))


def ours(case: Case, seed: int) -> pd.DataFrame:
    searcher = BOHB(schedules=case.ladder, eta=case.eta, **SETTINGS)
    budget = Budget(queries=n_queries(len(case.ladder), case.iterations, case.eta))
    return run_search(case.bench, searcher, case.objective, budget, seed=seed).trajectory


def reference(case: Case, seed: int) -> pd.DataFrame:
    """HpBandSter's BOHB on the oracle; returns the oracle's trajectory of the worker's queries."""
    require("hpbandster", "the reference BOHB")
    import ConfigSpace as CS
    import hpbandster.core.nameserver as hpns
    import serpent
    from hpbandster.core.worker import Worker
    from hpbandster.optimizers.bohb import BOHB as HpBOHB

    # ConfigSpace >= 1.0 hands numpy scalars to the worker; Pyro4's serpent cannot send them
    for kind in (np.int64, np.int32, np.float64, np.str_, np.bool_):
        serpent.register_class(kind, lambda obj, ser, out, level: ser._serialize(obj.item(), out, level))
    genome = genome_for(case.bench)
    rng = np.random.default_rng(seed)
    tables = objective_tables(case.bench, case.objective, rng)
    oracle = Oracle(case.bench, case.objective, Budget(queries=10**9), rng, tables=tables)
    pools = {s: np.isin(np.arange(len(case.bench)), oracle.pool_at(s)) for s in case.ladder}
    names = [f"p{p}" for p in range(genome.length)]
    space = CS.ConfigurationSpace(seed=seed)
    for name, card, ordered in zip(names, genome.cardinalities, genome.ordinal):
        space.add(CS.UniformIntegerHyperparameter(name, 0, int(card) - 1) if ordered
                  else CS.CategoricalHyperparameter(name, [str(v) for v in range(int(card))]))

    class TableWorker(Worker):
        def compute(self, config: dict[str, Any], budget: float, **kwargs: Any) -> dict[str, Any]:
            schedule = case.ladder[int(round(math.log(budget) / math.log(case.eta)))]
            arch = int(genome.decode(np.array([[int(config[n]) for n in names]], dtype=np.int8))[0])
            if arch < 0 or not pools[schedule][arch]:
                return {"loss": float("inf"), "info": -1}
            return {"loss": -float(oracle.query([arch], schedule=schedule)[0]), "info": arch}

    run_id = f"bohb-ref-{os.getpid()}-{seed}"
    np.random.seed(seed)  # HpBandSter draws from numpy's global generator
    server = hpns.NameServer(run_id=run_id, host="127.0.0.1", port=0)
    host, port = server.start()
    worker = TableWorker(nameserver=host, nameserver_port=port, run_id=run_id, id=0)
    worker.run(background=True)
    hp = HpBOHB(configspace=space, run_id=run_id, nameserver=host, nameserver_port=port, eta=case.eta, min_budget=1,
                max_budget=case.eta ** (len(case.ladder) - 1), ping_interval=10, **SETTINGS)
    try:
        hp.run(n_iterations=case.iterations, min_n_workers=1)
    finally:
        hp.shutdown(shutdown_workers=True)
        server.shutdown()
    return oracle.trajectory()


def at_cost(traj: pd.DataFrame, cost: float) -> pd.Series:
    """The trajectory's row at the last query whose cumulative cost is <= ``cost``."""
    return traj.iloc[max(int(np.searchsorted(traj["cost"].to_numpy(), cost, side="right")) - 1, 0)]


def bootstrap_ci(values: np.ndarray, rng: np.random.Generator, n: int = 5000) -> tuple[float, float]:
    """Percentile 95% interval of the mean over seeds (runs without an incumbent left out)."""
    values = values[np.isfinite(values)]
    if not len(values):
        return float("nan"), float("nan")
    means = rng.choice(values, size=(n, len(values)), replace=True).mean(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def compare(case: Case, seeds: int) -> tuple[list[str], dict[str, object]]:
    """Markdown lines and the same numbers as a dict (for benchmarks/results/bohb_reference.json)."""
    tables = objective_tables(case.bench, case.objective, np.random.default_rng(0))
    best = float(tables.test[tables.pool].max())
    runs: dict[str, list[pd.DataFrame]] = {"ours": [], "HpBandSter": []}
    wall = {"ours": 0.0, "HpBandSter": 0.0}
    for seed in range(seeds):
        for name, fn in (("ours", ours), ("HpBandSter", reference)):
            t = time.perf_counter()
            runs[name].append(fn(case, seed))
            wall[name] += time.perf_counter() - t
    # a run that never queried (every configuration outside a sparse table) has no incumbent: NaN
    equal_cost = min((float(tr["cost"].iloc[-1]) for trs in runs.values() for tr in trs if len(tr)), default=0.0)
    rng = np.random.default_rng(0)
    stats: dict[str, dict[str, np.ndarray]] = {}
    for name, trs in runs.items():
        stats[name] = {
            "final": np.array([tr["incumbent_test"].iloc[-1] if len(tr) else np.nan for tr in trs]),
            "regret": np.array([best - at_cost(tr, equal_cost)["incumbent_test"] if len(tr) else np.nan for tr in trs]),
            "queries": np.array([len(tr) for tr in trs]),
            "top": np.array([(tr["schedule"] == case.ladder[-1]).sum() if "schedule" in tr else len(tr) for tr in trs]),
            "cost": np.array([tr["cost"].iloc[-1] if len(tr) else 0.0 for tr in trs]),
        }
    lines = [f"### {case.label}", "",
             f"ladder {case.ladder}, eta {case.eta:g}, {case.iterations} iterations "
             f"({n_queries(len(case.ladder), case.iterations, case.eta)} queries when every configuration is a cell), "
             f"{seeds} seeds; objective {case.objective.metric} at {case.ladder[-1]} epochs, noise "
             f"\"{case.objective.noise}\", cost {case.objective.cost_metric}; best test accuracy in the pool "
             f"{best:.2f}; equal simulated cost = {equal_cost:,.0f}", "",
             "| optimiser | final incumbent test acc (95% CI) | test regret at equal cost (95% CI) | "
             "queries (at top rung) | total cost | wall s / run |", "|---|---|---|---|---|---|"]
    for name, st in stats.items():
        f_lo, f_hi = bootstrap_ci(st["final"], rng)
        r_lo, r_hi = bootstrap_ci(st["regret"], rng)
        lines.append(f"| {name} | {np.nanmean(st['final']):.2f} ({f_lo:.2f}, {f_hi:.2f}) | {np.nanmean(st['regret']):.3f} "
                     f"({r_lo:.3f}, {r_hi:.3f}) | {st['queries'].mean():.1f} ({st['top'].mean():.1f}) | "
                     f"{st['cost'].mean():,.0f} | {wall[name] / seeds:.2f} |")
    diff_final = stats["ours"]["final"] - stats["HpBandSter"]["final"]
    diff_regret = stats["ours"]["regret"] - stats["HpBandSter"]["regret"]
    d_lo, d_hi = bootstrap_ci(diff_final, rng)
    g_lo, g_hi = bootstrap_ci(diff_regret, rng)
    lines += ["", f"ours - HpBandSter, paired by seed: final test acc {np.nanmean(diff_final):+.3f} ({d_lo:+.3f}, "
                  f"{d_hi:+.3f}); regret at equal cost {np.nanmean(diff_regret):+.3f} ({g_lo:+.3f}, {g_hi:+.3f})", ""]
    numbers: dict[str, object] = {"seeds": seeds, "iterations": case.iterations, "ladder": list(case.ladder),
                                  "equal_cost": equal_cost, "best_test": best}
    for name, st in stats.items():
        numbers[name] = {"final_test_mean": float(np.nanmean(st["final"])), "regret_mean": float(np.nanmean(st["regret"])),
                         "queries_mean": float(st["queries"].mean()), "top_rung_mean": float(st["top"].mean()),
                         "cost_mean": float(st["cost"].mean()), "wall_s_per_run": wall[name] / seeds}
    numbers["difference"] = {"final_test": float(np.nanmean(diff_final)), "final_test_low": d_lo, "final_test_high": d_hi,
                             "regret": float(np.nanmean(diff_regret)), "regret_low": g_lo, "regret_high": g_hi}
    return lines, numbers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--nb201-iterations", type=int, default=40)
    parser.add_argument("--nb101-iterations", type=int, default=8)
    parser.add_argument("--nb101-root", default=None, help="a cache root holding the official nasbench_full import")
    parser.add_argument("--out", default=str(RESULTS / "bohb_reference.md"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("hpbandster").setLevel(logging.ERROR)
    warnings.simplefilter("ignore")  # NoiseUnavailable (12-epoch NB-201 means), statsmodels/pandas deprecations
    import hpbandster

    cases: list[Case] = []
    skipped: list[str] = []
    nb201 = suite.load("nb201", "cifar10")
    cases.append(Case("NB-201 CIFAR-10 (embedded real table)", nb201,
                      Objective(metric="valid_acc", schedule=200, noise="query", cost_metric="train_time"),
                      [12, 200], args.nb201_iterations))
    nb101 = suite.load("nb101", "cifar10", root=args.nb101_root)
    recorded = nb101.schedules("valid_acc")
    needed = [4, 12, 36, 108]
    if all(s in recorded for s in needed) and "test_acc" in nb101.metrics and "train_time" in nb101.metrics:
        cases.append(Case(f"NB-101 CIFAR-10 ({len(nb101):,} cells)", nb101,
                          Objective(metric="valid_acc", schedule=108, noise="query", test_schedule=108,
                                    cost_metric="train_time"), needed, args.nb101_iterations))
    else:
        has = [m for m in ("test_acc", "train_time") if m in nb101.metrics]
        skipped.append(f"NB-101 CIFAR-10: skipped — the loaded cache ({len(nb101):,} cells) records valid_acc at "
                       f"schedules {recorded} and {' and '.join(has) if has else 'neither test_acc nor train_time'}; "
                       f"BOHB on 4/12/36/108 needs the official nasbench_full import (`nas-suite data import "
                       f"nb101-tfrecord nasbench_full.tfrecord`, then --nb101-root)")
    header = [f"# BOHB: nas-suite vs HpBandSter {getattr(hpbandster, '__version__', '0.7.4')}", "",
              f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
              f"`python benchmarks/bohb_reference.py --seeds {args.seeds} --nb201-iterations {args.nb201_iterations} "
              f"--nb101-iterations {args.nb101_iterations}`; settings (both): eta 3, "
              + ", ".join(f"{k} {v:.4g}" for k, v in SETTINGS.items()) + ", min_points_in_model = L+1", ""]
    body: list[str] = []
    numbers: dict[str, object] = {}
    for case in cases:
        lines, numbers[case.key] = compare(case, args.seeds)
        body += lines
        print("\n".join(lines), flush=True)
    body += [f"{line}\n" for line in skipped]
    for line in skipped:
        print(line)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(header + body) + "\n")
    Path(args.out).with_suffix(".json").write_text(json.dumps(numbers, indent=2) + "\n")
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
