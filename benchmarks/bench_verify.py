"""Cost of ``nas-suite verify`` on the CPU: the smoke configuration, timed end to end.

Runs ``nas-suite verify --benchmark nb201 --schedule 12 --n-archs 2 --epochs 1 --n-train 512
--n-eval 1000 --device cpu`` (the configuration CI runs: every stage, in seconds) in a fresh
results directory and reads its ``records.parquet``. Measured: the whole command's wall time
(interpreter start, image decoding, both cells), and per cell the wall time of training plus
evaluation, the training throughput (images per second, as ``suite.verify.train`` counts it)
and the parameter count. The throughput of a 512-image epoch includes the first batches' warm-up,
so it is a lower bound for a long run.

Derived, not measured: ``full_run_h``, the hours a full 12-epoch NB-201 run of each cell would
take at that throughput (12 epochs x 50,000 CIFAR-10 training images, evaluation excluded).

Writes ``benchmarks/results/bench_verify.json`` (``--out``) with the machine it ran on
(``bench_record.py``). Needs the CIFAR-10 images ``nas-suite verify`` reads (``--images``).

Usage: ``python benchmarks/bench_verify.py [--images DIR] [--out PATH]``
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from bench_record import Recorder, add_out_argument  # beside this script: benchmarks/ is sys.path[0]

ROOT = Path(__file__).resolve().parents[1]
SMOKE = ["--benchmark", "nb201", "--schedule", "12", "--n-archs", "2", "--epochs", "1", "--n-train", "512",
         "--n-eval", "1000", "--device", "cpu"]
FULL_RUN_IMAGES = 12 * 50_000  # NB-201's 12-epoch schedule on the 50k CIFAR-10 training images


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", default=None, help="image directory (default: what nas-suite verify uses)")
    add_out_argument(parser, "bench_verify")
    args = parser.parse_args()
    rec = Recorder(__file__, vars(args))
    with tempfile.TemporaryDirectory() as out:
        cmd = [sys.executable, "-m", "suite.cli", "verify", *SMOKE, "--results", out, "--name", "smoke"]
        if args.images:
            cmd += ["--images", args.images]
        start = time.perf_counter()
        subprocess.run(cmd, check=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
        wall = time.perf_counter() - start
        records = pd.read_parquet(Path(out) / "smoke" / "records.parquet")
    cells = {
        str(int(r.id)): {"arch": r.arch, "params": int(r.params), "seconds": float(r.seconds),
                         "images_per_s": float(r.images_per_s), "full_run_h": FULL_RUN_IMAGES / float(r.images_per_s) / 3600}
        for r in records.itertuples()
    }
    print(f"whole command {wall:.1f} s")
    for cell, r in cells.items():
        print(f"cell {cell}: {r['params']:,} parameters, {r['seconds']:.1f} s, {r['images_per_s']:.0f} images/s, "
              f"12-epoch run about {r['full_run_h']:.1f} h")
    rec.write(args.out, {"command_s": wall, "cells": cells,
                         "cell_seconds_min": float(records["seconds"].min()),
                         "cell_seconds_max": float(records["seconds"].max())})


if __name__ == "__main__":
    main()
