"""Search overhead per query: what each registered searcher costs beyond the table lookup.

On a tabulated benchmark a "training run" is a table read, so the wall time of a search is its
own bookkeeping and model fitting. This script runs every registered searcher (those whose
optional extra is installed) on the embedded NB-201 CIFAR-10 table with a fixed query budget
and reports, per searcher, the median wall time per query over ``--repeats`` runs, and the
same for the bare lookup: :meth:`Oracle.query` of pre-drawn ids plus the trajectory, which is
the floor any searcher pays (the limit). Overhead = searcher time per query - lookup time per
query; the ratio says how many table lookups one query of the searcher costs.

Writes the table to ``benchmarks/results/search_overhead.md`` (``--out``) and the same rows
(seconds per query, overhead, ratio), with the machine they were taken on (``bench_record.py``),
to the ``.json`` beside it.

Usage: ``python benchmarks/bench_search_overhead.py [--queries 200] [--repeats 3] [--out FILE]``
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from pathlib import Path

import numpy as np

import suite
from bench_record import Recorder  # beside this script: benchmarks/ is sys.path[0]
from suite.extras import installed
from suite.search import SEARCHERS, Budget, Objective, Oracle, objective_tables, run_search

#: per-searcher parameters: the registry defaults, except schedules for multi-fidelity searchers
PARAMS = {"bohb": {"schedules": [12, 200]}, "hyperband": {"schedules": [12, 200]}}


def lookup_seconds(bench: suite.Benchmark, objective: Objective, tables: object, queries: int) -> float:
    """Wall time per query of reading ``queries`` pre-drawn cells through a fresh oracle in one call
    and building the trajectory: the cheapest any searcher can be (random search does exactly this)."""
    rng = np.random.default_rng(0)
    oracle = Oracle(bench, objective, Budget(queries=queries), rng, tables=tables)
    ids = rng.choice(oracle.pool, size=queries, replace=False)
    start = time.perf_counter()
    oracle.query(ids)
    oracle.trajectory()
    return (time.perf_counter() - start) / queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "search_overhead.md")
    args = parser.parse_args()
    rec = Recorder(__file__, vars(args))
    bench = suite.load("nb201", "cifar10")
    objective = Objective(schedule=200, noise="query", cost_metric="train_time")
    tables = objective_tables(bench, objective, np.random.default_rng(0))
    lookup = statistics.median(lookup_seconds(bench, objective, tables, args.queries) for _ in range(args.repeats))
    rows = [("table lookup (Oracle.query, the limit)", lookup, 0.0, 1.0)]
    skipped = []
    for name in SEARCHERS.available():
        extra = SEARCHERS.spec(name).extra
        if extra and not installed(extra):
            skipped.append(f"{name} (needs the '{extra}' extra)")
            continue
        times = []
        for seed in range(args.repeats):
            start = time.perf_counter()
            result = run_search(bench, name, objective, Budget(queries=args.queries), seed=seed,
                                params=PARAMS.get(name), tables=tables if name not in PARAMS else None)
            times.append((time.perf_counter() - start) / max(len(result.trajectory), 1))
        per_query = statistics.median(times)
        rows.append((name, per_query, per_query - lookup, per_query / lookup))
    lines = [
        f"Search overhead per query on NB-201 CIFAR-10 (embedded table), {args.queries} queries per run, "
        f"median of {args.repeats} runs; {platform.processor() or platform.machine()}, Python {platform.python_version()}.",
        "",
        "| searcher | wall time per query | overhead beyond the lookup | lookups per query |",
        "|---|---:|---:|---:|",
    ]
    lines += [f"| {n} | {t * 1e3:.3f} ms | {o * 1e3:.3f} ms | {r:,.0f}x |" for n, t, o, r in rows]
    if skipped:
        lines += ["", "Not measured (optional extra not installed): " + ", ".join(skipped) + "."]
    text = "\n".join(lines) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(text)
    rec.write(args.out.with_suffix(".json"), {
        "searchers": {n: {"per_query_ms": t * 1e3, "overhead_ms": o * 1e3, "lookups_per_query": r} for n, t, o, r in rows},
        "skipped": skipped})


if __name__ == "__main__":
    main()
