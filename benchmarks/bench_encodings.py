"""Speed of every registered encoding over a whole search space (budgets below).

Budgets: all 423,624 NB-101 cells <= 10 s and all 15,625 NB-201 cells <= 0.5 s per encoding.

NB-201 uses the embedded cache as is (all 15,625 cells). The full NB-101 table is not
shipped (the embedded cache holds 292 real cells), so the NB-101 frame is those 292
rows tiled to 423,624 rows (row ``r`` is real cell ``r % 292``, ids renumbered). Every encoder
is linear in rows and does no per-distinct-cell caching of adjacency masks (only the ``ops``
strings are factorised, and the full space has at most 364 distinct ones, more than the 292
cells here hold, which is a negligible difference), so per-row cost is the real one.

Each timing is the median of ``--repeats`` calls of :func:`suite.encodings.encode` on the
whole frame, each producing fresh arrays (the previous result is freed first). Prints a
markdown table: encoding, rows, seconds, columns, MB of the result, budget, within budget.

Writes every row (seconds, rows, columns, MB) to ``benchmarks/results/bench_encodings.json``
(``--out``), with the machine it ran on (``bench_record.py``).

Usage: ``python benchmarks/bench_encodings.py [--repeats 3] [--rows 423624] [--out PATH]``
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

import suite
from bench_record import Recorder, add_out_argument  # beside this script: benchmarks/ is sys.path[0]
from suite import encodings

NB101_FULL = 423_624
BUDGET_S = {"nb101": 10.0, "nb201": 0.5}


@dataclass(frozen=True)
class TiledBenchmark:
    """What :func:`suite.encodings.encode` reads from a Benchmark: its name and archs frame."""

    name: str
    archs: pd.DataFrame

    def __len__(self) -> int:
        return len(self.archs)


def tiled_nb101(rows: int) -> TiledBenchmark:
    """The 292 embedded real NB-101 cells tiled to ``rows`` rows (ids renumbered 0..rows-1)."""
    real = suite.load("nb101", "cifar10").archs
    frame = real.iloc[np.arange(rows) % len(real)].reset_index(drop=True)
    frame["id"] = np.arange(rows, dtype=np.int64)
    return TiledBenchmark("nb101", frame)


def time_encoding(bench: object, name: str, repeats: int) -> tuple[float, np.ndarray]:
    """Median seconds of ``repeats`` fresh encodings, and the last result."""
    times = []
    out = None
    for _ in range(repeats):
        out = None
        gc.collect()
        start = time.perf_counter()
        out = encodings.encode(bench, name)
        times.append(time.perf_counter() - start)
    assert out is not None
    return statistics.median(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rows", type=int, default=NB101_FULL, help="NB-101 rows (tiled)")
    add_out_argument(parser, "bench_encodings")
    args = parser.parse_args()
    rec = Recorder(__file__, vars(args))
    results: dict[str, dict[str, dict[str, float]]] = {}

    benches = [tiled_nb101(args.rows), suite.load("nb201", "cifar10")]
    print("| encoding | rows | seconds | columns | MB | budget s | ok |")
    print("|---|---:|---:|---:|---:|---:|:-:|")
    failed = False
    for bench in benches:
        for name in encodings.available(bench.name):
            seconds, out = time_encoding(bench, name, args.repeats)
            budget = BUDGET_S[bench.name]
            ok = seconds <= budget
            failed |= not ok
            results.setdefault(bench.name, {})[name] = {
                "seconds": seconds, "rows": out.shape[0], "columns": out.shape[1], "mib": out.nbytes / 2**20,
                "budget_s": budget}
            print(
                f"| {bench.name}:{name} | {out.shape[0]:,} | {seconds:.3f} | {out.shape[1]} | "
                f"{out.nbytes / 2**20:.1f} | {budget:g} | {'yes' if ok else 'NO'} |"
            )
            del out
    rec.write(args.out, results)
    if failed:
        raise SystemExit("some encodings exceeded their budget")


if __name__ == "__main__":
    main()
