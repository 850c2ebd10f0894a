"""Load and query speed of the embedded NAS-Bench-201 cache.

Targets: ``suite.load("nb201", dataset)`` <= 0.2 s in a fresh process; one metric for all
15,625 cells <= 5 ms. Each measurement runs in a new interpreter (so nothing is warm), repeated,
and the median is reported. ``import suite`` (numpy + pandas) is reported separately: it is
the interpreter's fixed cost, paid once per process whatever the data.

Writes the medians (milliseconds) and every run to ``benchmarks/results/bench_nb201_load.json``
(``--out``), with the machine they were taken on (``bench_record.py``).

Usage: ``python benchmarks/bench_nb201_load.py [--repeats 7] [--root DIR] [--out PATH]``
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys

from bench_record import Recorder, add_out_argument  # beside this script: benchmarks/ is sys.path[0]

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
import suite
t1 = time.perf_counter()
bench = suite.load("nb201", sys.argv[1], sys.argv[2] or None)
t2 = time.perf_counter()
bench.metric("valid_acc")              # first touch: maps the block
t3 = time.perf_counter()
reps = []
for _ in range(50):
    s = time.perf_counter(); bench.metric("test_acc"); reps.append(time.perf_counter() - s)
reps.sort()
s = time.perf_counter(); bench.metric("valid_acc", seed="sample"); t_sample = time.perf_counter() - s
s = time.perf_counter(); bench.index_of(list(bench.archs["arch"][:10000])); t_index = time.perf_counter() - s
print(json.dumps({"import": t1 - t0, "load": t2 - t1, "first_metric": t3 - t2,
                  "metric": reps[len(reps) // 2], "sample_metric": t_sample, "index_of_10k": t_index}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--root", default="")
    parser.add_argument("--dataset", default="cifar10")
    add_out_argument(parser, "bench_nb201_load")
    args = parser.parse_args()
    rec = Recorder(__file__, vars(args))
    runs = []
    for _ in range(args.repeats):
        out = subprocess.run([sys.executable, "-c", CHILD, args.dataset, args.root], capture_output=True, text=True, check=True)
        runs.append(json.loads(out.stdout))
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    print(f"machine: {platform.processor() or platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
          f"{__import__('os').cpu_count()} cores; median of {args.repeats} fresh processes")
    print("| measurement | median | target |")
    print("|---|---|---|")
    print(f"| `import suite` (numpy, pandas) | {med['import'] * 1e3:.0f} ms | - |")
    print(f"| `suite.load('nb201', '{args.dataset}')` in a fresh process | {med['load'] * 1e3:.0f} ms | <= 200 ms |")
    print(f"| first `metric()` (maps the block) | {med['first_metric'] * 1e3:.2f} ms | - |")
    print(f"| `metric('test_acc')`, all 15,625 cells | {med['metric'] * 1e3:.3f} ms | <= 5 ms |")
    print(f"| `metric('valid_acc', seed='sample')` | {med['sample_metric'] * 1e3:.3f} ms | - |")
    print(f"| `index_of` 10,000 cell strings | {med['index_of_10k'] * 1e3:.0f} ms | - |")
    rec.write(args.out, {"median_ms": {k: v * 1e3 for k, v in med.items()},
                         "runs_ms": [{k: v * 1e3 for k, v in r.items()} for r in runs]})


if __name__ == "__main__":
    main()
