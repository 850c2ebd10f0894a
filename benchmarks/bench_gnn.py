"""Speed and ranking quality of ``GCNRegressor`` on NAS-Bench-201 CIFAR-10.

Budget: fit on 1,000 architectures + predict all 15,625 <= 60 s on 2 CPU cores.
Quality: Kendall tau between predicted and true 200-epoch validation accuracy (seed mean) on
200 held-out cells disjoint from the training cells, per seed; the suite's floor is tau >= 0.70
for the best tree/GNN predictor at 1,000 training cells and >= 0.45 at 100.

Architectures are encoded as NB-201 op-on-node graphs (V = 8, F = 7) by ``suite.encodings``.

Usage: ``python benchmarks/bench_gnn.py [--n-train 100 1000] [--seeds 5] [--set epochs=100 lr=3e-3]
[--out PATH]``. Prints a markdown table and writes every run and the summary per training size
(``by_n_train.<n>``: mean and max seconds, tau mean, sd with ddof=1, min) to
``benchmarks/results/bench_gnn.json`` (``--out``), with the machine it ran on (``bench_record.py``).
"""

from __future__ import annotations

import argparse
import ast
import os
import platform
import time

import numpy as np
from scipy.stats import kendalltau

import suite
from bench_record import Recorder, add_out_argument  # beside this script: benchmarks/ is sys.path[0]
from suite.encodings import encode, graph_shape
from suite.predictors.gnn import GCNRegressor


def run(n_train: int, seed: int, X: np.ndarray, y: np.ndarray, n_nodes: int, overrides: dict, n_test: int) -> dict:
    """Fit on ``n_train`` random cells, predict all, tau on the next ``n_test``; seconds and tau."""
    ids = np.random.default_rng(seed).permutation(len(y))
    train, test = ids[:n_train], ids[n_train : n_train + n_test]
    model = GCNRegressor(n_nodes=n_nodes, random_state=seed, **overrides)
    t0 = time.perf_counter()
    model.fit(X[train], y[train])
    t1 = time.perf_counter()
    pred = model.predict(X)
    t2 = time.perf_counter()
    tau = kendalltau(pred[test], y[test]).statistic
    return {"n_train": n_train, "seed": seed, "fit": t1 - t0, "predict": t2 - t1, "tau": float(tau)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-train", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--n-test", type=int, default=200)
    parser.add_argument("--set", nargs="*", default=[], metavar="PARAM=VALUE", help="override GCNRegressor params")
    add_out_argument(parser, "bench_gnn")
    args = parser.parse_args()
    rec = Recorder(__file__, vars(args))
    overrides = {k: ast.literal_eval(v) for k, v in (item.split("=", 1) for item in args.set)}

    bench = suite.load("nb201", "cifar10")
    X = np.asarray(encode(bench, "graph"), dtype=np.float32)
    n_nodes = graph_shape("nb201")[0]
    y = bench.metric("valid_acc")  # 200-epoch schedule, mean over seeds, %

    rows = [run(n, s, X, y, n_nodes, overrides, args.n_test) for n in args.n_train for s in range(args.seeds)]
    params = GCNRegressor(n_nodes=n_nodes, **overrides).get_params()
    print(f"GCNRegressor({', '.join(f'{k}={v!r}' for k, v in params.items() if k != 'random_state')})")
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, seeds 0..{args.seeds - 1}, {args.n_test} held-out cells\n")
    print("| n_train | seed | fit s | predict 15,625 s | total s | Kendall tau |")
    print("|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['n_train']} | {r['seed']} | {r['fit']:.1f} | {r['predict']:.2f} | {r['fit'] + r['predict']:.1f} | {r['tau']:.3f} |")
    print("\n| n_train | mean total s | max total s | mean tau | sd tau | min tau |")
    print("|---:|---:|---:|---:|---:|---:|")
    summary = {}
    for n in args.n_train:
        sub = [r for r in rows if r["n_train"] == n]
        tot = np.array([r["fit"] + r["predict"] for r in sub])
        tau = np.array([r["tau"] for r in sub])
        sd = tau.std(ddof=1) if len(tau) > 1 else 0.0
        print(f"| {n} | {tot.mean():.1f} | {tot.max():.1f} | {tau.mean():.3f} | {sd:.3f} | {tau.min():.3f} |")
        summary[str(n)] = {"total_s_mean": tot.mean(), "total_s_max": tot.max(), "tau_mean": tau.mean(), "tau_sd": sd,
                           "tau_min": tau.min(), "seeds": len(sub)}
    rec.write(args.out, {"model": {k: v for k, v in params.items() if k != "random_state"}, "by_n_train": summary,
                         "runs": rows})


if __name__ == "__main__":
    main()
