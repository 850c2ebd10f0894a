"""nas-suite vs the official NATS-Bench API on the same full-size NATS-tss archive.

The official ``NATS-tss-v1_0-3ffb9-simple`` archive cannot be downloaded here, so this script
first writes a full-size stand-in in the exact official layout (``meta.pickle.pbz2`` with the
real 15,625 cell strings of ``nats_test_acc_200ep.csv``, and one ``{index:06d}.pickle.pbz2``
per cell holding ``{"12": ArchResults state, "200": ArchResults state}`` with per-epoch
train/eval curves of every official source dataset and seed; values random but plausible,
anchored on the real test accuracies; see ``suite.testing.nb201.synthetic_arch_results_state``).
Then, on that same directory, it measures:

1. our one-time conversion, ``nas-suite data import nb201-nats DIR --allow-pickle``;
2. our query: fresh process, ``suite.load("nb201", "cifar10")`` + ``metric("valid_acc")`` for
   all 15,625 cells (final cifar10-valid ``x-valid`` accuracy, mean over seeds);
3. the official API (``nats_bench``): fresh process, ``create(DIR, "tss", fast_mode=True)``
   (which loads a cell's file lazily, on first query) and ``get_more_info(i, "cifar10-valid",
   hp="200", is_random=False)["valid-accuracy"]`` (the same number) for N cells; if N < 15,625
   the time and memory are extrapolated linearly and the table says so;
4. agreement of the two stacks on a sample of cells: per-seed values must be equal to float32
   precision (what the cache stores) and seed means to float32 rounding; this checks our
   importer against the official reader.

Every measurement runs in a new interpreter; wall times are medians over ``--repeats``; peak
memory is the child's ``ru_maxrss``. The OS page cache is warm for both stacks (the archive was
just written or read). Work files go to ``benchmarks/_work/`` (git-ignored, ~3 GB).

Usage: ``python benchmarks/bench_nb201_official.py [--repeats 3] [--official-cells 1000]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED_CSV = Path(os.environ.get("NAS_SUITE_SHARED", REPO.parent / "shared")) / "data" / "nb201" / "nats_test_acc_200ep.csv"
N_ARCHS = 15625
TOP = "NATS-tss-v1_0-3ffb9-simple"

OURS = r"""
import json, resource, sys, time
t0 = time.perf_counter()
import suite
t1 = time.perf_counter()
bench = suite.load("nb201", "cifar10", root=sys.argv[1])
values = bench.metric("valid_acc")
t2 = time.perf_counter()
assert values.shape == (15625,)
print(json.dumps({"import": t1 - t0, "query": t2 - t1, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

OFFICIAL = r"""
import json, resource, sys, time, warnings
warnings.simplefilter("ignore")  # numpy.core pickle names warn under NumPy 2
t0 = time.perf_counter()
import nats_bench
t1 = time.perf_counter()
api = nats_bench.create(sys.argv[1], "tss", fast_mode=True, verbose=False)
t2 = time.perf_counter()
rss_created = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
cells = json.loads(sys.argv[2])
values = [api.get_more_info(i, "cifar10-valid", hp="200", is_random=False)["valid-accuracy"] for i in cells]
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "create": t2 - t1, "query": t3 - t2, "rss_created_mb": rss_created,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


# -- the full-size archive ------------------------------------------------------------------------


def _write_chunk(args: tuple[str, list[str], list[int], np.ndarray]) -> int:
    from suite.testing.nb201 import write_nats_tss_dir

    directory, archs, indices, anchors = args
    write_nats_tss_dir(directory, archs, indices, with_meta=False, synthetic=True, seed=0, anchors=anchors)
    return len(indices)


def generate(work: Path, jobs: int) -> Path:
    """Write (once) the full-size fake ``NATS-tss-v1_0-3ffb9-simple/`` directory under ``work``."""
    import pandas as pd

    from suite.testing.nb201 import write_nats_tss_dir

    directory = work / TOP
    done = work / f".{TOP}.complete"
    if done.exists():
        return directory
    table = pd.read_csv(SHARED_CSV)
    archs = table["ArchitectureString"].tolist()
    anchors = table[["CIFAR10TestAccuracy200Epochs", "CIFAR100TestAccuracy200Epochs",
                     "ImageNetTestAccuracy200Epochs"]].to_numpy(dtype=np.float64)
    assert len(archs) == N_ARCHS
    if directory.exists():
        shutil.rmtree(directory)
    write_nats_tss_dir(directory, archs, indices=())  # meta.pickle.pbz2 only
    chunks = [list(range(s, min(s + 250, N_ARCHS))) for s in range(0, N_ARCHS, 250)]
    start = time.perf_counter()
    with ProcessPoolExecutor(jobs) as pool:
        written = 0
        for n in pool.map(_write_chunk, [(str(directory), archs, c, anchors) for c in chunks]):
            written += n
            print(f"\r  generated {written}/{N_ARCHS} records", end="", file=sys.stderr, flush=True)
    size = sum(p.stat().st_size for p in directory.iterdir())
    print(f"\n  generated in {time.perf_counter() - start:.0f} s, {size / 1e9:.2f} GB", file=sys.stderr)
    done.write_text("ok\n")
    return directory


# -- measurements ---------------------------------------------------------------------------------


def run_child(cmd: list[str]) -> str:
    """Run ``cmd`` in a fresh process (the child reports its own times and peak RSS); its stdout."""
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])}... failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return proc.stdout


def measure_conversion(directory: Path, work: Path, repeats: int) -> tuple[list[float], float, Path]:
    cli = Path(sys.executable).with_name("nas-suite")
    walls, rss = [], 0.0
    root = work / "cache"
    for r in range(repeats):
        if root.exists():
            shutil.rmtree(root)
        cmd = [str(cli), "data", "import", "nb201-nats", str(directory), "--allow-pickle", "--out", str(root)]
        log = work / "conversion.log"
        with open(log, "wb") as out:
            start = time.perf_counter()
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=REPO)
            _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage (peak RSS)
            walls.append(time.perf_counter() - start)
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"conversion failed: {log.read_text()[-3000:]}")
        rss = max(rss, usage.ru_maxrss / 1024)
        print(f"  conversion {r + 1}/{repeats}: {walls[-1]:.1f} s, peak RSS {usage.ru_maxrss / 1024:.0f} MB", file=sys.stderr)
    return walls, rss, root


def measure_children(code: str, args: list[str], repeats: int, label: str) -> list[dict[str, float]]:
    runs = []
    for r in range(repeats):
        out = run_child([sys.executable, "-c", code, *args])
        runs.append(json.loads(out.strip().splitlines()[-1]))
        print(f"  {label} {r + 1}/{repeats}: {runs[-1]}", file=sys.stderr)
    return runs


def median(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


# -- agreement ------------------------------------------------------------------------------------


def agreement(directory: Path, root: Path, n_cells: int) -> dict[str, int]:
    """Compare both stacks value by value on ``n_cells`` random cells; returns counts."""
    import warnings

    warnings.simplefilter("ignore")
    import nats_bench

    import suite

    api = nats_bench.create(str(directory), "tss", fast_mode=True, verbose=False)
    cells = np.random.default_rng(0).choice(N_ARCHS, size=n_cells, replace=False)
    cells = np.unique(np.concatenate([[0, 9930, N_ARCHS - 1], cells]))
    # (our dataset, our metric, schedule, official dataset, official key)
    checks = [
        ("cifar10", "valid_acc", 200, "cifar10-valid", "valid-accuracy"),
        ("cifar10", "valid_loss", 200, "cifar10-valid", "valid-loss"),
        ("cifar10", "train_acc", 200, "cifar10-valid", "train-accuracy"),
        ("cifar10", "train_time", 200, "cifar10-valid", "train-all-time"),
        ("cifar10", "test_acc", 200, "cifar10", "test-accuracy"),
        ("cifar10", "valid_acc", 12, "cifar10-valid", "valid-accuracy"),
        ("cifar100", "valid_acc", 200, "cifar100", "valid-accuracy"),
        ("cifar100", "test_acc", 200, "cifar100", "test-accuracy"),
        ("cifar100", "test_loss", 12, "cifar100", "test-loss"),
        ("ImageNet16-120", "valid_acc", 200, "ImageNet16-120", "valid-accuracy"),
        ("ImageNet16-120", "test_acc", 200, "ImageNet16-120", "test-accuracy"),
        ("ImageNet16-120", "train_loss", 200, "ImageNet16-120", "train-loss"),
    ]
    benches = {d: suite.load("nb201", d, root=root) for d in ("cifar10", "cifar100", "ImageNet16-120")}
    counts = {"cells": len(cells), "per_seed_values": 0, "mean_values": 0, "cost_values": 0, "mismatches": 0}
    failures: list[str] = []
    for dataset, metric, schedule, source, key in checks:
        bench = benches[dataset]
        ours_mean = bench.metric(metric, schedule=schedule)[cells]
        ours_seed = {s: bench.metric(metric, seed=s, schedule=schedule)[cells] for s in (777, 888, 999)}
        for k, i in enumerate(cells.tolist()):
            info = api.get_more_info(i, source, hp=str(schedule), is_random=False)
            official = info[key]
            counts["mean_values"] += 1
            if not abs(ours_mean[k] - official) <= 2e-6 * abs(official) + 1e-6:
                failures.append(f"{dataset} {metric} hp={schedule} cell {i} mean: ours {ours_mean[k]!r} official {official!r}")
            seeds = api.arch2infos_dict[i][str(schedule)].get_dataset_seeds(source)
            for s in (777, 888, 999):
                counts["per_seed_values"] += 1
                if s not in seeds:
                    if not np.isnan(ours_seed[s][k]):
                        failures.append(f"{dataset} {metric} cell {i} seed {s}: official has no run, ours {ours_seed[s][k]!r}")
                    continue
                official = api.get_more_info(i, source, hp=str(schedule), is_random=s)[key]
                if ours_seed[s][k] != float(np.float32(official)):
                    failures.append(f"{dataset} {metric} hp={schedule} cell {i} seed {s}: ours {ours_seed[s][k]!r} official {official!r}")
    for dataset, source in (("cifar10", "cifar10"), ("cifar100", "cifar100"), ("ImageNet16-120", "ImageNet16-120")):
        bench = benches[dataset]
        ours = {m: bench.metric(m)[cells] for m in ("params", "flops", "latency")}
        for k, i in enumerate(cells.tolist()):
            cost = api.get_cost_info(i, source, hp="200")
            for m, official in (("params", cost["params"]), ("flops", cost["flops"]), ("latency", cost["latency"])):
                counts["cost_values"] += 1
                if not abs(ours[m][k] - official) <= 2e-6 * abs(official):
                    failures.append(f"{dataset} {m} cell {i}: ours {ours[m][k]!r} official {official!r}")
    counts["mismatches"] = len(failures)
    for line in failures[:20]:
        print("  MISMATCH", line, file=sys.stderr)
    return counts


# -- report ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=REPO / "benchmarks" / "_work")
    parser.add_argument("--repeats", type=int, default=3, help="fresh processes per query measurement")
    parser.add_argument("--convert-repeats", type=int, default=1, help="conversions to time (minutes each)")
    parser.add_argument("--official-cells", type=int, default=1000, help="cells queried through nats_bench")
    parser.add_argument("--agree-cells", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)

    print("generating the full-size archive (once)", file=sys.stderr)
    directory = generate(args.work, args.jobs)
    archive_gb = sum(p.stat().st_size for p in directory.iterdir()) / 1e9

    print("(1) conversion", file=sys.stderr)
    conv_walls, conv_rss, root = measure_conversion(directory, args.work, args.convert_repeats)
    cache_mb = sum(p.stat().st_size for p in (root / "nb201" / "cifar10").iterdir()) / 1e6

    print("(2) nas-suite queries", file=sys.stderr)
    ours = measure_children(OURS, [str(root)], args.repeats, "ours")

    print("(3) official API", file=sys.stderr)
    n_off = min(args.official_cells, N_ARCHS)
    cells = sorted(np.random.default_rng(1).choice(N_ARCHS, size=n_off, replace=False).tolist())
    official = measure_children(OFFICIAL, [str(directory), json.dumps(cells)], args.repeats, "official")

    print("(4) agreement", file=sys.stderr)
    agree = agreement(directory, root, args.agree_cells)

    scale = N_ARCHS / n_off
    o_create, o_query = median(official, "create"), median(official, "query")
    o_total = o_create + o_query * scale
    o_base_rss = median(official, "rss_created_mb")
    o_rss = o_base_rss + (median(official, "rss_mb") - o_base_rss) * scale
    q_ours, rss_ours = median(ours, "query"), median(ours, "rss_mb")
    est = "" if n_off == N_ARCHS else f" (measured on {n_off:,} cells, x{scale:.2f} extrapolated)"

    print(f"\nmachine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"archive: {N_ARCHS:,} records, {archive_gb:.2f} GB; warm page cache; medians of {args.repeats} fresh "
          f"processes ({args.convert_repeats} conversion run(s)).\n")
    print("| measurement | nas-suite | official `nats_bench` 1.8 | official / ours |")
    print("|---|---|---|---|")
    print(f"| one-time conversion (`nas-suite data import nb201-nats`, 3 datasets) | {statistics.median(conv_walls):.0f} s, "
          f"peak RSS {conv_rss:,.0f} MB | none (reads the archive) | - |")
    print(f"| `import` of the package | {median(ours, 'import') * 1e3:.0f} ms | {median(official, 'import') * 1e3:.0f} ms | "
          f"{median(official, 'import') / median(ours, 'import'):.1f} |")
    print(f"| open (`suite.load` / `create(fast_mode=True)`) + final cifar10-valid x-valid accuracy (seed mean) of all "
          f"15,625 cells | {q_ours * 1e3:.0f} ms | {o_total:.0f} s{est} | {o_total / q_ours:,.0f} |")
    print(f"| ... of which `create()` alone | - | {o_create * 1e3:.0f} ms | - |")
    print(f"| per cell, after open | {q_ours / N_ARCHS * 1e6:.2f} µs | {o_query / n_off * 1e3:.1f} ms | "
          f"{(o_query / n_off) / (q_ours / N_ARCHS):,.0f} |")
    print(f"| peak RSS of that process | {rss_ours:,.0f} MB | {o_rss:,.0f} MB{est} | {o_rss / rss_ours:,.1f} |")
    print(f"| disk | {cache_mb:,.0f} MB (cifar10 cache) | {archive_gb * 1e3:,.0f} MB (archive) | - |")
    print(f"\nagreement on {agree['cells']} cells: {agree['per_seed_values']:,} per-seed values (equal as float32), "
          f"{agree['mean_values']:,} seed means (float32 rounding), {agree['cost_values']:,} params/FLOPs/latency: "
          f"{agree['mismatches']} mismatches")
    if agree["mismatches"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
