"""Runner throughput: the full `naslib-nb201` grid (6 predictors x 11 train sizes x 100
seeds = 6,600 cells) with the default local backend on 2 cores, <= 10 minutes.

Runs ``nas-suite run configs/naslib-nb201.toml --jobs N`` in a fresh results directory (a
resumed run would time nothing) and prints wall time, cells per second and the Kendall tau table.
Writes wall time, cells, cells per second and the largest peak RSS of a child process (MB) to
``benchmarks/results/bench_naslib_nb201.json`` (``--out``; use another name with ``--set``), with
the machine it ran on (``bench_record.py``). About 8 to 15 minutes on 2 cores.

Usage: ``python benchmarks/bench_naslib_nb201.py [--jobs 2] [--set seeds=10] [--out PATH]``
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_record import Recorder, add_out_argument  # beside this script: benchmarks/ is sys.path[0]

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--set", action="append", default=[], help="spec override, as for nas-suite run")
    add_out_argument(parser, "bench_naslib_nb201")
    args = parser.parse_args()
    rec = Recorder(__file__, vars(args))
    with tempfile.TemporaryDirectory() as out:
        cmd = [sys.executable, "-m", "suite.cli", "run", str(ROOT / "configs" / "naslib-nb201.toml"),
               "--jobs", str(args.jobs), "--results", out]
        for item in args.set:
            cmd += ["--set", item]
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, cwd=ROOT)
        wall = time.perf_counter() - t0
        import pandas as pd

        from suite.report import summarise, to_markdown

        records = pd.read_parquet(Path(out) / "naslib-nb201" / "records.parquet")
        cells = len(records) // records["metric"].nunique()
        print(f"{cells:,} cells in {wall:.0f} s ({cells / wall:.1f} cells/s) with --jobs {args.jobs}; budget 600 s")
        print(to_markdown(summarise(records, "kendall"), "kendall"))
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # largest child, Linux KiB
        rec.write(args.out, {"wall_s": wall, "cells": cells, "cells_per_s": cells / wall, "jobs": args.jobs,
                             "child_peak_rss_mb": peak_mb, "budget_s": 600})


if __name__ == "__main__":
    main()
