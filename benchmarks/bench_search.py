"""Search speed: one predictor-based search on an NB-101-sized space, and many runs in parallel.

Target (issue: search and subset selection): one predictor-based search of 300 queries on
NB-101 with a 10,000-candidate uniform subset and xgb in <= 20 s on 2 cores.

The official NB-101 file is not shipped with nas-suite, so the NB-101 measurement uses the full-size
official-layout cache written by ``benchmarks/bench_nb101.py`` (423,624 architectures; run that
first). Its accuracies are synthetic, so only the timing is meaningful: the predictor is fitted
on 10 .. 300 points and scores 10,000 candidates per step exactly as on the real table.
The NB-201 measurements use the embedded real table: one run of each searcher, and 100 runs of
REA through the runner's local backend with ``--jobs 1`` and ``--jobs 2``.

Writes every row (``seconds``: median of ``--repeats`` for single runs, one timing for the 100-run
batches) to ``benchmarks/results/bench_search.json`` (``--out``), with the machine it ran on
(``bench_record.py``).

Usage: ``python benchmarks/bench_search.py [--repeats 3] [--skip-nb101] [--out PATH]``
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

import suite
from bench_record import Recorder, add_out_argument  # beside this script: benchmarks/ is sys.path[0]
from suite.search import Budget, Objective, objective_tables, run_search

NB101_CACHE = Path(__file__).resolve().parent / "_work" / "nb101" / "cache"


def timed(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-nb101", action="store_true")
    add_out_argument(parser, "bench_search")
    args = parser.parse_args()
    rec = Recorder(__file__, vars(args))
    rows = []
    if not args.skip_nb101:
        if not (NB101_CACHE / "nb101" / "cifar10" / "metadata.json").exists():
            raise SystemExit(f"no full-size NB-101 cache at {NB101_CACHE}: run benchmarks/bench_nb101.py first")
        bench = suite.load("nb101", "cifar10", root=NB101_CACHE)
        obj = Objective(metric="valid_acc", schedule=108, noise="sample", test_schedule=108)
        tables = objective_tables(bench, obj, np.random.default_rng(0))
        params = {"predictor": "xgb", "selector": "uniform", "subset_size": 10_000, "n_init": 10, "batch": 10}
        seconds = timed(lambda: run_search(bench, "predictor", obj, Budget(queries=300), seed=0, params=params,
                                           tables=tables), args.repeats)
        rows.append(("nb101_predictor_xgb_300", "NB-101 (423,624 cells): xgb, uniform 10,000-cell subset, 300 queries, batch 10",
                     seconds, "<= 20 s"))
    bench = suite.load("nb201", "cifar10")
    obj = Objective(schedule=12, noise="mean", cost_metric="train_time", cost_scale=12 / 200)
    tables = objective_tables(bench, obj)
    for method, params in (("random", {}), ("rea", {}), ("local", {}),
                           ("predictor", {"predictor": "xgb", "selector": "uniform", "subset_size": 1000, "batch": 5})):
        seconds = timed(lambda: run_search(bench, method, obj, Budget(seconds=12_000), seed=0, params=params, tables=tables),
                        args.repeats)
        rows.append((f"nb201_{method}", f"NB-201: one {method} run, 12,000 s protocol", seconds, "-"))
    from suite.experiment.search_runs import parse_search_spec, run_searches

    for jobs in (1, 2):
        raw = {"name": f"bench-rea-{jobs}", "kind": "search", "benchmark": "nb201", "dataset": "cifar10", "seeds": 100,
               "objective": {"schedule": 12, "noise": "mean", "cost_metric": "train_time", "cost_scale": 0.06},
               "budget": {"seconds": 12000}, "methods": [{"method": "rea"}]}
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            run_searches(parse_search_spec(raw, "bench"), tmp, jobs=jobs)
            rows.append((f"nb201_rea_100_runs_jobs{jobs}", f"NB-201: 100 REA runs incl. outputs, --jobs {jobs}",
                         time.perf_counter() - t, "-"))
    print("| measurement | median | target |\n|---|---:|---|")
    for _, name, seconds, target in rows:
        print(f"| {name} | {seconds:.2f} s | {target} |")
    rec.write(args.out, {key: {"what": name, "seconds": seconds, "target": target} for key, name, seconds, target in rows})


if __name__ == "__main__":
    main()
