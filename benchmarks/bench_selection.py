"""Speed and peak memory of every registered subset selector at NB-101 scale.

Each selector picks ``n`` in (1,000, 10,000, 100,000) from 423,624 candidates (NB-101's size).
Every (selector, n) runs in a fresh subprocess, which builds the data, then resets the peak
resident memory (writing ``5`` to ``/proc/self/clear_refs``, Linux >= 4.0), times one ``select``
call and reads ``VmHWM`` from ``/proc/self/status``. The table shows the resident memory after
set-up, the process peak during ``select`` and their difference (the selector's own peak
working memory). If the reset is refused, the peak is the whole process's and says so.

Data (what is real and what is not):

- The full NB-101 table is not shipped (the embedded cache holds 292 real cells), so the
  feature-based selectors (``uniform``, ``full``, ``diverse``, ``cluster``, ``guided``) get an
  NB-101-sized encoding built from it: the 292 real ``adjacency_onehot`` rows (36 columns)
  tiled to 423,624 rows, and in every copy but the first each of the 21 adjacency bits flipped
  with probability 0.05 (seeded), so the set has ~78,000 distinct binary rows instead of 292
  repeated points. ``history.features`` indexes this array (no encoding cost is timed).
- ``guided`` needs a predictor; it gets a fixed random linear score of the features (cheap, so
  the table times the selector, not a model).
- ``mutation`` and ``evolution`` need a genome whose edits land on table cells, which 292 cells
  cannot provide; they run on the real NB-201 table (15,625 cells; true ``valid_acc`` as the
  observations and as the predictor), so their ``n`` is capped at its 15,525 candidates and
  their row says so.
- History: 100 random queried architectures; candidates are all other ids.

Usage: ``python benchmarks/bench_selection.py [--rows 423624] [--sizes 1000 10000 100000]
[--selectors diverse cluster ...] [--out PATH]``. Prints a Markdown table and writes every
row to ``benchmarks/results/bench_selection.json`` (``--out``), with the machine it ran on
(``bench_record.py``); the worker processes write nothing.
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import time

import numpy as np

from bench_record import Recorder, add_out_argument  # beside this script: benchmarks/ is sys.path[0]

NB101_FULL = 423_624
GENOME_SPACES = {"mutation", "evolution"}
N_QUERIED = 100


def status_mb(field: str) -> float:
    """``VmHWM`` (peak) or ``VmRSS`` (current) resident memory of this process in MB."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status (Linux only)")


def reset_peak() -> bool:
    """Reset ``VmHWM`` to the current RSS; False where the kernel refuses."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        return False
    return True


def nb101_sized_features(rows: int, rng: np.random.Generator) -> np.ndarray:
    """float32 ``(rows, 36)``: real NB-101 adjacency_onehot rows tiled, adjacency bits perturbed."""
    import suite
    from suite.encodings import encode

    real = encode(suite.load("nb101", "cifar10"), "adjacency_onehot")
    X = np.ascontiguousarray(real[np.arange(rows) % len(real)], dtype=np.float32)
    flip = rng.random((rows, 21), dtype=np.float32) < 0.05
    flip[: len(real)] = False  # the first copy stays real
    adjacency = X[:, :21]
    np.subtract(1.0, adjacency, out=adjacency, where=flip)
    return X


def build(name: str, rows: int):
    """``(candidates, history, space)`` for one selector (see the module docstring)."""
    import suite
    from suite.selection import SearchHistory

    rng = np.random.default_rng(0)
    if name in GENOME_SPACES:
        from suite.encodings import encode
        from suite.encodings.genome import genome_for

        bench = suite.load("nb201", "cifar10")
        y = bench.metric("valid_acc")
        X = encode(bench, "adjacency_onehot")
        queried = rng.choice(len(bench), size=N_QUERIED, replace=False)
        history = SearchHistory(queried, y[queried], lambda ids: y[ids], lambda ids: X[ids], genome_for(bench), len(bench))
        space = "NB-201 (real)"
    else:
        X = nb101_sized_features(rows, rng)
        w = rng.standard_normal(X.shape[1]).astype(np.float32)

        def predict(ids: np.ndarray) -> np.ndarray:
            return (X[ids] @ w).astype(np.float64)

        queried = rng.choice(rows, size=N_QUERIED, replace=False)
        history = SearchHistory(queried, predict(queried), predict, lambda ids: X[ids], None, rows)
        space = "NB-101-sized (tiled)"
    candidates = np.setdiff1d(np.arange(history.n_archs), queried)
    return candidates, history, space


def worker(name: str, n: int, rows: int) -> None:
    """One measurement in this (fresh) process; prints one JSON line."""
    from suite.selection import make

    candidates, history, space = build(name, rows)
    selector = make(name)
    gc.collect()
    reset = reset_peak()
    setup_mb = status_mb("VmRSS")
    start = time.perf_counter()
    pos = selector.select(candidates, n, history=history, rng=np.random.default_rng(1))
    seconds = time.perf_counter() - start
    assert len(np.unique(pos)) == len(pos)
    print(json.dumps({
        "selector": name, "space": space, "candidates": len(candidates), "n": int(min(n, len(candidates))),
        "returned": len(pos), "seconds": seconds, "setup_mb": setup_mb, "peak_mb": status_mb("VmHWM"), "reset": reset,
        "scored": getattr(selector, "n_scored_", None),
    }))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=NB101_FULL, help="NB-101-sized candidate rows (tiled)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--selectors", nargs="+", default=None, help="default: every registered selector")
    parser.add_argument("--worker", nargs=2, metavar=("NAME", "N"), help=argparse.SUPPRESS)
    add_out_argument(parser, "bench_selection")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], int(args.worker[1]), args.rows)
        return
    rec = Recorder(__file__, vars(args))
    results: dict[str, dict[str, dict]] = {}

    from suite.selection import available

    names = args.selectors or available()
    print("| selector | space | candidates | n | returned | seconds | set-up RSS MB | peak MB | selector peak MB | predictor scored |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name in names:
        for n in args.sizes:
            cmd = [sys.executable, __file__, "--rows", str(args.rows), "--worker", name, str(n)]
            out = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if out.returncode:
                print(f"| {name} | failed | | {n} | | | | | | |")
                print(out.stderr, file=sys.stderr)
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            results.setdefault(name, {})[str(n)] = r
            scored = "" if r["scored"] is None else f"{r['scored']:,}"
            own = f"{r['peak_mb'] - r['setup_mb']:.0f}" if r["reset"] else "n/a (peak not resettable)"
            print(
                f"| {r['selector']} | {r['space']} | {r['candidates']:,} | {r['n']:,} | {r['returned']:,} | "
                f"{r['seconds']:.3f} | {r['setup_mb']:.0f} | {r['peak_mb']:.0f} | {own} | {scored} |",
                flush=True,
            )
    rec.write(args.out, results)


if __name__ == "__main__":
    main()
