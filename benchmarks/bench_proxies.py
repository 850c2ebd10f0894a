"""Zero-cost proxy speed: NASWOT (and the other proxies) on NB-201 cell networks, batch 128.

Target (issue: zero-cost proxies): NASWOT for one NB-201 cell network with a batch of 128 on 2
CPU cores <= 0.5 s; all 15,625 NB-201 cells within 2 hours on CPU or minutes on a GPU.

Measures, on a seeded sample of cells (the shipped CIFAR-10 minibatch, torch threads = --threads):
the median seconds of each proxy per cell, the median network build time, and the implied time
for all 15,625 cells with one process. On a GPU (``--device cuda``) the build stays on the CPU,
as in ``nas-suite proxies compute``.

Writes, per proxy and for the build, the median and max seconds per cell, and the per-cell
wall time with everything included, to ``benchmarks/results/bench_proxies.json`` (``--out``;
choose another name for another proxy list or device), with the machine it ran on
(``bench_record.py``).

Usage: ``python benchmarks/bench_proxies.py [--cells 20] [--threads 2] [--device cpu]
[--proxies naswot,synflow,...] [--out PATH]``
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

import suite
from bench_record import Recorder, add_out_argument  # beside this script: benchmarks/ is sys.path[0]
from suite.data.images import load_images, minibatch
from suite.proxies.scoring import score_cells


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--proxies", default="naswot")
    add_out_argument(parser, "bench_proxies")
    args = parser.parse_args()
    rec = Recorder(__file__, vars(args))
    torch.set_num_threads(args.threads)
    bench = suite.load("nb201", "cifar10")
    ids = np.random.default_rng(0).choice(len(bench), args.cells, replace=False)
    x, y = minibatch(load_images(), 128)
    proxies = tuple(args.proxies.split(","))
    score_cells("nb201", "cifar10", [bench.arch(int(ids[0]))], proxies, x, y, device=args.device)  # warm-up
    t0 = time.perf_counter()
    rows = score_cells("nb201", "cifar10", [bench.arch(int(i)) for i in ids], proxies, x, y, device=args.device)
    wall = time.perf_counter() - t0
    print(f"device {args.device}, torch threads {torch.get_num_threads()}, torch {torch.__version__}, "
          f"{args.cells} NB-201 cells, batch 128")
    seconds = {}
    for name in (*proxies, "build"):
        t = [r[f"{name}_seconds"] for r in rows]
        print(f"  {name:10s} median {statistics.median(t):.3f} s  max {max(t):.3f} s")
        seconds[name] = {"median_s": statistics.median(t), "max_s": max(t)}
    per_cell = wall / args.cells
    print(f"  per cell, all included: {per_cell:.3f} s -> 15,625 cells in {15_625 * per_cell / 3600:.2f} h (one process)")
    rec.write(args.out, {"torch": torch.__version__, "torch_threads": torch.get_num_threads(), "per_cell": seconds,
                         "all_included_per_cell_s": per_cell, "all_cells_one_process_h": 15_625 * per_cell / 3600})


if __name__ == "__main__":
    main()
