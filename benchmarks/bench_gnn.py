"""Speed and ranking quality of ``GCNRegressor`` on NAS-Bench-201 CIFAR-10.

Budget (README): fit on 1,000 architectures + predict all 15,625 <= 60 s on 2 CPU cores.
Quality: Kendall tau between predicted and true 200-epoch validation accuracy (seed mean) on
200 held-out cells disjoint from the training cells, per seed; the suite's floor is tau >= 0.70
for the best tree/GNN predictor at 1,000 training cells and >= 0.45 at 100.

Architectures are encoded as NB-201 op-on-node graphs (V = 8, F = 7) by ``suite.encodings``
when that module exists, else by the private fallback below (same contract).

Usage: ``python benchmarks/bench_gnn.py [--n-train 100 1000] [--seeds 5] [--set epochs=100 lr=3e-3]``
Prints a markdown table; nothing is written to disk.
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
from suite.predictors.gnn import GCNRegressor

#: NB-201 cell edges (target, source) in op-column order op_0..op_5
EDGES = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))


def nb201_graph(op_codes: np.ndarray) -> np.ndarray:
    """Op-on-node graphs of NB-201 cells, shape ``(n, 8*8 + 8*7)``; ``op_codes`` is ``(n, 6)``.

    Nodes: 0 input, 1..6 the edge ops in column order, 7 output. Edge op ``(j, i)`` reads the input
    node if ``i == 0``, else every edge op whose target is ``i``; edge ops into cell node 3 feed the
    output. Features: one-hot over [input, output, none, skip_connect, nor_conv_1x1,
    nor_conv_3x3, avg_pool_3x3].
    """
    n = op_codes.shape[0]
    adj = np.zeros((8, 8), dtype=np.float32)
    for k, (tgt, src) in enumerate(EDGES):
        if src == 0:
            adj[0, k + 1] = 1.0
        for m, (tgt_m, _) in enumerate(EDGES):
            if src != 0 and tgt_m == src:
                adj[m + 1, k + 1] = 1.0
        if tgt == 3:
            adj[k + 1, 7] = 1.0
    feats = np.zeros((n, 8, 7), dtype=np.float32)
    feats[:, 0, 0] = 1.0
    feats[:, 7, 1] = 1.0
    rows = np.arange(n)
    for k in range(6):
        feats[rows, k + 1, 2 + op_codes[:, k]] = 1.0
    return np.concatenate([np.broadcast_to(adj.reshape(1, -1), (n, 64)), feats.reshape(n, -1)], axis=1)


def encode_graph(bench: suite.Benchmark) -> tuple[np.ndarray, int]:
    """Graph encoding of every architecture and its ``n_nodes``."""
    try:
        from suite.encodings import encode, graph_shape  # type: ignore[attr-defined]
    except ImportError:  # the shared encoder is not there yet
        ops = bench.archs[[f"op_{k}" for k in range(6)]].to_numpy().astype(np.int64)
        return nb201_graph(ops), 8
    return np.asarray(encode(bench, "graph"), dtype=np.float32), int(graph_shape("nb201")[0])


def run(n_train: int, seed: int, X: np.ndarray, y: np.ndarray, n_nodes: int, overrides: dict, n_test: int) -> dict:
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
    args = parser.parse_args()
    overrides = {k: ast.literal_eval(v) for k, v in (item.split("=", 1) for item in args.set)}

    bench = suite.load("nb201", "cifar10")
    X, n_nodes = encode_graph(bench)
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
    for n in args.n_train:
        sub = [r for r in rows if r["n_train"] == n]
        tot = np.array([r["fit"] + r["predict"] for r in sub])
        tau = np.array([r["tau"] for r in sub])
        print(f"| {n} | {tot.mean():.1f} | {tot.max():.1f} | {tau.mean():.3f} | {tau.std(ddof=1) if len(tau) > 1 else 0:.3f} | {tau.min():.3f} |")


if __name__ == "__main__":
    main()
