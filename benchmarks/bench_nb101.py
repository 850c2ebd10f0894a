"""NAS-Bench-101 at full size: conversion, cold load, memory and index_of.

The official files are not shipped with nas-suite, so this script writes a tfrecord in the official
layout with 423,624 records, one per architecture (108-epoch budget, evaluation points at
epochs 0/54/108, as in ``nasbench_only108``, whose real file has 3 such records per cell).
Cell structures come from a pool of distinct, valid cells drawn at random with their real
``module_hash``. Enumerating the entire space is beyond a benchmark, so records after the
pool reuse pool structures under synthetic unique hashes. Conversion does not recompute hashes
by default (``verify_hashes=False``), so the timing is what the real file would cost per record.
``index_of`` is timed on 10,000 distinct matrix+ops specs from the pool, twice: as stored
(answered from exact structure codes, the usual case when specs come from the table) and
relabelled (the same cells with interior vertices in another topological order, which only
the official module hash can match).

Targets: conversion <= 120 s, cold ``suite.load`` <= 1 s and <= 300 MB peak RSS, ``index_of``
for 10,000 specs <= 1 s.

Writes the medians and every run to ``benchmarks/results/bench_nb101.json`` (``--out``), with
the machine they were taken on (``bench_record.py``).

Usage: ``python benchmarks/bench_nb101.py [--records 423624] [--pool 12000] [--repeats 3] [--out PATH]``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from bench_record import Recorder, add_out_argument  # beside this script: benchmarks/ is sys.path[0]

WORK = Path(__file__).resolve().parent / "_work" / "nb101"

# ru_maxrss survives execve on Linux (a child forked from this ~1 GB process would report
# 1 GB), so children read their own high-water mark, VmHWM, which exec resets.
PEAK = """
def peak_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
"""

LOAD_CHILD = r"""
import json, sys, time
""" + PEAK + r"""
t0 = time.perf_counter()
import suite
t1 = time.perf_counter()
bench = suite.load("nb101", "cifar10", sys.argv[1])
t2 = time.perf_counter()
v = bench.metric("valid_acc")
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "load": t2 - t1, "metric": t3 - t2,
                  "rss_mb": peak_mb(), "n": len(bench)}))
"""

INDEX_CHILD = r"""
import json, pickle, sys, time
""" + PEAK + r"""
import suite
bench = suite.load("nb101", "cifar10", sys.argv[1])
specs = pickle.load(open(sys.argv[2], "rb"))
t0 = time.perf_counter()
ids = bench.index_of(specs["stored"])
t1 = time.perf_counter()
assert len(ids) == len(specs["stored"])
rss = peak_mb()
t4 = time.perf_counter()
again = bench.index_of(specs["relabelled"])
t5 = time.perf_counter()
assert (again == ids).all()
hash_rss = peak_mb()
t2 = time.perf_counter()
names = bench.arch(ids[:100])
t3 = time.perf_counter()
assert all(bench.index_of(a) == i for a, i in zip(names, ids[:100]))
print(json.dumps({"index_of": t1 - t0, "rss_mb": rss, "hashed": t5 - t4, "hash_rss_mb": hash_rss,
                  "arch": t3 - t2, "arch_rss_mb": peak_mb()}))
"""

IMPORT_CHILD = r"""
import json
""" + PEAK + r"""
import suite
print(json.dumps({"rss_mb": peak_mb()}))
"""


def generate(path: Path, n_records: int, pool_size: int, seed: int = 0) -> list[dict]:
    """Write the tfrecord; returns 10,000 matrix+ops specs from the pool (for index_of)."""
    from suite.testing.nb101 import Run, random_cells, record_bytes
    from suite.data.tfrecord import write_records

    rng = np.random.default_rng(seed)
    pool = random_cells(pool_size, rng)
    acc = rng.uniform(0.80, 0.95, n_records)

    def rows():
        for i in range(n_records):
            matrix, ops = pool[i % pool_size]
            run = Run(matrix, ops, 108, (acc[i] - 0.1, acc[i] - 0.11, acc[i] - 0.12, 1500.0),
                      (acc[i], acc[i] - 0.01, acc[i] - 0.02, 3000.0), 1_000_000 + i)
            data = record_bytes(run)
            if i >= pool_size:  # a unique synthetic hash for reused structures
                row = json.loads(data)
                row[0] = hashlib.md5(f"synthetic-{i}".encode()).hexdigest()
                data = json.dumps(row).encode()
            yield data

    write_records(path, rows())
    picks = rng.choice(pool_size, 10_000, replace=False)
    stored = [{"matrix": [list(r) for r in pool[p][0]], "ops": list(pool[p][1])} for p in picks]
    return {"stored": stored, "relabelled": [relabel(s["matrix"], s["ops"], rng) for s in stored]}


def relabel(matrix: list[list[int]], ops: list[str], rng: np.random.Generator) -> dict:
    """The same cell with interior vertices in a random topological order (same module hash)."""
    m = np.asarray(matrix)
    n = len(m)
    order, indeg = [0], m.sum(axis=0).copy()
    for v in np.flatnonzero(m[0]):
        indeg[v] -= 1
    while len(order) < n - 1:
        ready = [v for v in range(1, n - 1) if v not in order and indeg[v] == 0]
        v = int(rng.choice(ready))
        order.append(v)
        for w in np.flatnonzero(m[v]):
            indeg[w] -= 1
    order.append(n - 1)
    perm = np.asarray(order)
    return {"matrix": m[np.ix_(perm, perm)].tolist(), "ops": [ops[i] for i in perm]}


def child(code: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=423_624)
    parser.add_argument("--pool", type=int, default=12_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-convert", action="store_true", help="reuse the cache of a previous run (no conversion timing)")
    add_out_argument(parser, "bench_nb101")
    args = parser.parse_args()
    rec = Recorder(__file__, vars(args))
    WORK.mkdir(parents=True, exist_ok=True)
    src = WORK / f"nasbench_generated_{args.records}.tfrecord"
    specs_file = WORK / "specs.pkl"
    if args.pool < 10_000:
        parser.error("--pool must be >= 10000: index_of is timed on 10,000 distinct cells")
    stale = specs_file.exists() and not isinstance(pickle.loads(specs_file.read_bytes()), dict)
    generated_s = None
    if not src.exists() or not specs_file.exists() or stale:
        t = time.perf_counter()
        specs = generate(src, args.records, args.pool)
        specs_file.write_bytes(pickle.dumps(specs))
        generated_s = time.perf_counter() - t
        print(f"generated {src.name} ({src.stat().st_size / 1e6:.0f} MB) in {generated_s:.0f} s", file=sys.stderr)

    from suite.data.importers.nb101_tfrecord import convert

    root = WORK / "cache"
    conv = [float("nan")]
    for _ in range(0 if args.no_convert else args.repeats):
        t = time.perf_counter()
        convert(src, root, verify_hashes=False)  # the generated cells carry synthetic hashes
        conv = [c for c in conv if c == c] + [time.perf_counter() - t]
    loads = [child(LOAD_CHILD, str(root)) for _ in range(max(args.repeats, 5))]
    index = [child(INDEX_CHILD, str(root), str(specs_file)) for _ in range(args.repeats)]
    baseline = [child(IMPORT_CHILD) for _ in range(args.repeats)]
    med = lambda xs: statistics.median(xs)  # noqa: E731
    cache_mb = sum(p.stat().st_size for p in (root / "nb101" / "cifar10").iterdir()) / 1e6
    print(f"{args.records:,} records -> {loads[0]['n']:,} architectures; cache {cache_mb:.0f} MB; "
          f"median of {args.repeats} conversions / {len(loads)} fresh-process loads")
    print("| measurement | median | target |")
    print("|---|---|---|")
    print(f"| conversion of {args.records:,} official-layout records | {med(conv):.1f} s | <= 120 s |")
    print(f"| cold `suite.load('nb101')` in a fresh process | {med([r['load'] for r in loads]) * 1e3:.0f} ms | <= 1 s |")
    print(f"| peak RSS of that process (incl. `import suite`) | {med([r['rss_mb'] for r in loads]):.0f} MB | <= 300 MB |")
    print(f"| first `metric('valid_acc')`, all cells | {med([r['metric'] for r in loads]) * 1e3:.1f} ms | - |")
    print(f"| `index_of` 10,000 distinct matrix+ops specs, as stored | {med([r['index_of'] for r in index]) * 1e3:.0f} ms | <= 1 s |")
    print(f"| peak RSS after that `index_of` | {med([r['rss_mb'] for r in index]):.0f} MB | - |")
    print(f"| `index_of` the same 10,000 cells relabelled (isomorphism path) | {med([r['hashed'] for r in index]) * 1e3:.0f} ms | <= 1 s |")
    print(f"| peak RSS after that `index_of` | {med([r['hash_rss_mb'] for r in index]):.0f} MB | - |")
    print(f"| first `arch(ids)` (arch column read) | {med([r['arch'] for r in index]) * 1e3:.0f} ms | - |")
    print(f"| peak RSS after that `arch` | {med([r['arch_rss_mb'] for r in index]):.0f} MB | - |")
    print(f"| for reference: peak RSS of `import suite` alone | {med([r['rss_mb'] for r in baseline]):.0f} MB | - |")
    medians = {
        "conversion_s": med(conv),
        "load_ms": med([r["load"] for r in loads]) * 1e3,
        "load_rss_mb": med([r["rss_mb"] for r in loads]),
        "first_metric_ms": med([r["metric"] for r in loads]) * 1e3,
        "index_of_stored_ms": med([r["index_of"] for r in index]) * 1e3,
        "index_of_stored_rss_mb": med([r["rss_mb"] for r in index]),
        "index_of_relabelled_ms": med([r["hashed"] for r in index]) * 1e3,
        "index_of_relabelled_rss_mb": med([r["hash_rss_mb"] for r in index]),
        "arch_ms": med([r["arch"] for r in index]) * 1e3,
        "arch_rss_mb": med([r["arch_rss_mb"] for r in index]),
        "import_rss_mb": med([r["rss_mb"] for r in baseline]),
    }
    rec.write(args.out, {
        "records": args.records, "architectures": loads[0]["n"], "cache_mb": cache_mb,
        "tfrecord_mb": src.stat().st_size / 1e6, "generated_s": generated_s, "median": medians,
        "runs": {"conversion_s": conv, "load": loads, "index_of": index, "import": baseline}})


if __name__ == "__main__":
    main()
