"""Predictor zoo: speed and ranking quality on the real tables, as markdown tables.

1. Speed (issue budget: <= 2 s for ols, ridge, rf, nusvr, xgb, lgb; <= 60 s for gnn, 2 cores):
   fit on 1,000 NB-201 CIFAR-10 architectures + predict all 15,625, median of 3 runs.
2. Quality on NB-201 CIFAR-10 (target: 200-epoch validation accuracy, seed mean): uniform
   random split, 100 or 1,000 training architectures, 200 test architectures, 20 seeds, Kendall
   tau mean +- sd over seeds (the protocol of White et al. 2021, "How Powerful are Performance
   Predictors in NAS?", NeurIPS).
3. Every registered predictor on the real NB-101 sample embedded with the suite (292 distinct
   cells of NAS-Bench-Suite-Zero, 108-epoch validation accuracy): train 100, test the other 192,
   20 seeds. (The issue's protocol says "the other 400" for the 500-entry file; its 500 specs are
   292 distinct cells once pruned to the official module hashes, so the test set is 192.)

Each part writes its rows to ``benchmarks/results/bench_predictors_<part>.json`` (``--out-dir``),
with the machine it ran on (``bench_record.py``): per predictor the median seconds (speed) or
tau mean and sd (ddof=0) over seeds, Spearman mean (nb101), the seed count and the date. With
``--only``, the named predictors' rows replace theirs in an existing file and the others are
kept (each row carries its own date and seed count; the file's machine block is the last run's).

Usage: ``python benchmarks/bench_predictors.py [--part speed|nb201|nb101|all] [--seeds 20]
[--repeats 3] [--only NAME ...] [--out-dir DIR]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

import suite
import suite.predictors as P
from bench_record import RESULTS, Recorder  # beside this script: benchmarks/ is sys.path[0]
from suite.metrics import kendall, spearman

MODEL_BASED = ["ols", "ridge", "rf", "nusvr", "xgb", "lgb", "gp", "mlp", "bananas", "gnn"]
ONLY: set[str] = set()  # --only: restricts every part to these names
DATA: dict[str, dict[str, Any]] = {}  # part -> predictor -> measurements, written by main()


def speed(bench, repeats: int = 3) -> list[str]:
    y = bench.metric("valid_acc")
    rows = [f"| predictor | encoding | fit 1,000 + predict 15,625 (s, median of {repeats}) | budget (s) |", "|---|---|---:|---:|"]
    for name in MODEL_BASED:
        inputs = P.spec(name).inputs
        X = P.build_features(bench, inputs, np.arange(len(bench)))
        times = []
        for seed in range(repeats):
            tr = np.random.default_rng(seed).choice(len(bench), 1000, replace=False)
            t0 = time.perf_counter()
            P.make(name, bench, random_state=seed).fit(X[tr], y[tr]).predict(X)
            times.append(time.perf_counter() - t0)
        budget = "60" if name == "gnn" else ("2" if name in ("ols", "ridge", "rf", "nusvr", "xgb", "lgb") else "-")
        rows.append(f"| {name} | {inputs.encoding} | {statistics.median(times):.2f} | {budget} |")
        DATA.setdefault("speed", {})[name] = {"encoding": inputs.encoding, "seconds": statistics.median(times),
                                              "runs_s": times, "repeats": repeats}
        print(rows[-1], flush=True)
    return rows


def _taus(bench, name: str, ids: np.ndarray, y: np.ndarray, n_train: int, n_test: int | None, seeds: int) -> list[float]:
    inputs = P.spec(name).inputs
    X = P.build_features(bench, inputs, ids)
    out = []
    for seed in range(seeds):
        perm = np.random.default_rng(seed).permutation(len(ids))
        tr = perm[:n_train]
        te = perm[n_train:] if n_test is None else perm[n_train : n_train + n_test]
        model = P.make(name, bench, random_state=seed).fit(X[tr], y[tr])
        out.append(kendall(model.predict(X[te]), y[te]))
    return out


def nb201_quality(bench, seeds: int) -> list[str]:
    y_all = bench.metric("valid_acc")
    ids = np.arange(len(bench))
    rows = ["| predictor | encoding | tau, 100 train | tau, 1,000 train |", "|---|---|---:|---:|"]
    for name in MODEL_BASED:
        cells = []
        row: dict[str, Any] = {"encoding": P.spec(name).inputs.encoding, "seeds": seeds}
        for n_train in (100, 1000):
            t = _taus(bench, name, ids, y_all[ids], n_train, 200, seeds)
            cells.append(f"{np.mean(t):.3f} ± {np.std(t):.3f}")
            row[str(n_train)] = {"tau_mean": np.mean(t), "tau_sd": np.std(t)}
        DATA.setdefault("nb201", {})[name] = row
        rows.append(f"| {name} | {P.spec(name).inputs.encoding} | {cells[0]} | {cells[1]} |")
        print(rows[-1], flush=True)
    return rows


def nb101_quality(seeds: int) -> list[str]:
    bench = suite.load("nb101", "cifar10")
    y_all = bench.metric("valid_acc")
    rows = ["| predictor | inputs | cells | tau (train 100, test rest) | Spearman |", "|---|---|---:|---:|---:|"]
    for name in P.available():
        inputs = P.spec(name).inputs
        if inputs.curve_epochs or (ONLY and name not in ONLY):
            continue  # no learning curves in the NB-101 sample
        try:
            ids = P.measured_ids(bench, inputs)
        except suite.NasSuiteError as err:
            print(f"skip {name}: {err}")
            continue
        ids = ids[np.isfinite(y_all[ids])]
        X = P.build_features(bench, inputs, ids)
        taus, rhos = [], []
        for seed in range(seeds):
            perm = np.random.default_rng(seed).permutation(len(ids))
            tr, te = perm[:100], perm[100:]
            pred = P.make(name, bench, random_state=seed).fit(X[tr], y_all[ids][tr]).predict(X[te])
            taus.append(kendall(pred, y_all[ids][te]))
            rhos.append(spearman(pred, y_all[ids][te]))
        rows.append(f"| {name} | {inputs.describe()} | {len(ids)} | {np.mean(taus):.3f} ± {np.std(taus):.3f} | {np.mean(rhos):.3f} |")
        DATA.setdefault("nb101", {})[name] = {"inputs": inputs.describe(), "cells": len(ids), "seeds": seeds,
                                              "tau_mean": np.mean(taus), "tau_sd": np.std(taus),
                                              "spearman_mean": np.mean(rhos)}
        print(rows[-1], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["speed", "nb201", "nb101", "all"], default="all")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these registered predictors")
    parser.add_argument("--repeats", type=int, default=3, help="fits per predictor in --part speed (median)")
    parser.add_argument("--out-dir", type=Path, default=RESULTS, help="where bench_predictors_<part>.json go")
    args = parser.parse_args()
    rec = Recorder(__file__, vars(args))
    if args.only:
        unknown = sorted(set(args.only) - set(P.available()))
        if unknown:
            parser.error(f"unknown predictor(s) {unknown}; registered: {P.available()}")
        MODEL_BASED[:] = [n for n in MODEL_BASED if n in args.only]
        ONLY.update(args.only)
    warnings.simplefilter("ignore")
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    bench = suite.load("nb201", "cifar10")
    if args.part in ("speed", "all"):
        print("\n".join(speed(bench, args.repeats)))
        write(rec, args.out_dir, "speed", bool(args.only))
    if args.part in ("nb201", "all"):
        print("\n".join(nb201_quality(bench, args.seeds)))
        write(rec, args.out_dir, "nb201", bool(args.only))
    if args.part in ("nb101", "all"):
        print("\n".join(nb101_quality(args.seeds)))
        write(rec, args.out_dir, "nb101", bool(args.only))


def write(rec: Recorder, out_dir: Path, part: str, merge: bool) -> None:
    """``out_dir/bench_predictors_<part>.json``; with ``merge``, keep the rows of predictors not re-run."""
    out = out_dir / f"bench_predictors_{part}.json"
    rows = {name: {**row, "date": rec.date} for name, row in DATA.get(part, {}).items()}
    if merge and out.exists():
        rows = {**json.loads(out.read_text())["measurements"]["predictors"], **rows}
    rec.write(out, {"predictors": rows})


if __name__ == "__main__":
    main()
