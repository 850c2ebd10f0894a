"""Learning-curve prediction on the real NB-201 curves (Baker et al. 2018, arXiv:1705.10823).

Data: cifar10-valid validation accuracy (%) per epoch of NB-201 cells 0-199, the only real
curves of the embedded cache (200 epochs each); target: the 200-epoch validation accuracy.
Features: the observed prefix (10 %, 25 %, 50 % = 20, 50, 100 epochs) plus AP features (params and
the structural counts of ``nb201_arch_features``). Each repeat draws 100 cells to train on (full
curves) and predicts the other 100 from their prefix; the table gives mean ± sd over repeats of
R², Kendall's tau-b and Spearman's rho, and the mean fit / predict wall time per repeat. A second
table replays Baker's early-stopping rule (delta = 0.99, ``suite.search.early_stopping.should_stop``)
over the 100 test cells in random order with the SRM fitted once on the repeat's training cells,
the incumbent starting at the best training cell: a measure of the predictor as a stopping rule.
The search-time version (the SRM fitted and refitted by the search itself) is the ``srm-random``
method of ``suite.search.early_stopping``, run by the ``early-stop-nb201`` config.

Writes both tables (per model and prefix: mean and sd of each metric, mean fit/predict seconds;
per prefix: the early-stopping replay) to ``benchmarks/results/bench_lcurve.json`` (``--out``),
with the machine it ran on (``bench_record.py``).

Usage: ``python benchmarks/bench_lcurve.py [--repeats 10] [--search 100] [--out PATH]``
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from typing import Any

import numpy as np
from scipy.stats import kendalltau
from sklearn.base import clone
from sklearn.metrics import r2_score

import suite
from bench_record import Recorder, add_out_argument  # beside this script: benchmarks/ is sys.path[0]
from suite.metrics import spearman
from suite.predictors.arch_features import arch_features
from suite.predictors.lcurve import CurveExtrapolation, LastSeenValue, SequentialRegressionModel
from suite.search.early_stopping import should_stop

N_EPOCHS = 200
FRACTIONS = (0.10, 0.25, 0.50)


def models(tau: int, search: int) -> dict[str, Any]:
    srm = lambda base, s=0: SequentialRegressionModel(  # noqa: E731
        N_EPOCHS, taus=(tau,), base=base, search=s, sigma_folds=0, random_state=0
    )
    return {
        "SRM ν-SVR (RBF), defaults": srm("nusvr_rbf"),
        f"SRM ν-SVR (RBF), search={search}": srm("nusvr_rbf", search),
        "SRM ν-SVR (linear)": srm("nusvr_linear"),
        "SRM random forest": srm("rf"),
        "SRM OLS": srm("ols"),
        "LastSeenValue": LastSeenValue(N_EPOCHS),
        "pow3 extrapolation": CurveExtrapolation(N_EPOCHS, clip=(0.0, 100.0)),
        "pow3/exp3 extrapolation": CurveExtrapolation(N_EPOCHS, families=("pow3", "exp3"), clip=(0.0, 100.0)),
    }


def replay_rule(model: Any, X: np.ndarray, y: np.ndarray, tau: int, y_best: float,
                delta: float = 0.99) -> tuple[float, float, int]:
    """Baker's rule over candidates ``X`` (full curves, then AP features) in row order with a fitted
    ``model``: each is observed for ``tau`` epochs, then stopped (costing ``tau`` epochs) or trained
    fully (``N_EPOCHS``) and compared with the incumbent. Returns (speed-up in epochs, regret, stopped)."""
    X = X.copy()
    X[:, tau:N_EPOCHS] = np.nan
    mean, std = model.predict_with_std(X)
    best, stopped = float(y_best), 0
    for i in range(len(y)):  # sequential: each decision depends on the incumbent
        if should_stop(mean[i], std[i], best, delta):
            stopped += 1
        else:
            best = max(best, float(y[i]))
    epochs = stopped * tau + (len(y) - stopped) * N_EPOCHS
    return len(y) * N_EPOCHS / epochs, max(float(y_best), float(y.max())) - best, stopped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--search", type=int, default=100, help="random-search draws of the tuned ν-SVR")
    add_out_argument(parser, "bench_lcurve")
    args = parser.parse_args()
    rec = Recorder(__file__, vars(args))
    results: dict[str, Any] = {"models": {}, "early_stopping": {}}

    bench = suite.load("nb201", "cifar10")
    ids = np.arange(200)
    X = np.hstack([bench.curves("valid_acc", ids=ids).to_numpy(), arch_features(bench, ids)])
    y = bench.metric("valid_acc")[ids]
    splits = [np.random.default_rng(seed).permutation(len(ids)) for seed in range(args.repeats)]

    print(f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
          f"{os.cpu_count()} cores; NB-201 cifar10-valid, cells 0-199, {args.repeats} repeats of 100/100 splits\n")
    print("| model | prefix | R² | Kendall τ | Spearman ρ | fit (s) | predict (s) |")
    print("|---|---|---|---|---|---|---|")
    for frac in FRACTIONS:
        tau = int(round(frac * N_EPOCHS))
        for name, model in models(tau, args.search).items():
            r2, kt, sp, t_fit, t_pred = [], [], [], [], []
            for idx in splits:
                tr, te = idx[:100], idx[100:]
                Xte = X[te].copy()
                Xte[:, tau:N_EPOCHS] = np.nan
                t0 = time.perf_counter()
                fitted = clone(model).fit(X[tr], y[tr])
                t1 = time.perf_counter()
                pred = fitted.predict(Xte)
                t2 = time.perf_counter()
                r2.append(r2_score(y[te], pred))
                kt.append(kendalltau(y[te], pred).statistic)
                sp.append(spearman(y[te], pred))
                t_fit.append(t1 - t0)
                t_pred.append(t2 - t1)
            ms = lambda v: f"{np.mean(v):.3f} ± {np.std(v):.3f}"  # noqa: E731
            results["models"].setdefault(name, {})[f"{frac:.0%}"] = {
                "epochs": tau, "r2_mean": np.mean(r2), "r2_sd": np.std(r2), "kendall_mean": np.mean(kt),
                "kendall_sd": np.std(kt), "spearman_mean": np.mean(sp), "spearman_sd": np.std(sp),
                "fit_s": np.mean(t_fit), "predict_s": np.mean(t_pred)}
            print(f"| {name} | {tau} ep ({frac:.0%}) | {ms(r2)} | {ms(kt)} | {ms(sp)} | "
                  f"{np.mean(t_fit):.3f} | {np.mean(t_pred):.3f} |")

    print("\nEarly stopping (Baker's rule, Δ = 0.99; SRM ν-SVR RBF defaults, σ from 5-fold CV):\n")
    print("| prefix | speed-up | regret (acc. points) | stopped of 100 | optimum kept |")
    print("|---|---|---|---|---|")
    for frac in FRACTIONS:
        tau = int(round(frac * N_EPOCHS))
        speed, regret, stopped = [], [], []
        for seed, idx in enumerate(splits):
            tr, te = idx[:100], idx[100:]
            model = SequentialRegressionModel(N_EPOCHS, taus=(tau,), random_state=seed).fit(X[tr], y[tr])
            r = replay_rule(model, X[te], y[te], tau, y_best=float(y[tr].max()))
            speed.append(r[0])
            regret.append(r[1])
            stopped.append(r[2])
        results["early_stopping"][f"{frac:.0%}"] = {
            "epochs": tau, "speedup_mean": np.mean(speed), "speedup_sd": np.std(speed), "regret_mean": np.mean(regret),
            "regret_sd": np.std(regret), "stopped_mean": np.mean(stopped), "optimum_kept": sum(r == 0 for r in regret),
            "repeats": len(regret)}
        print(f"| {tau} ep ({frac:.0%}) | {np.mean(speed):.2f} ± {np.std(speed):.2f} | "
              f"{np.mean(regret):.3f} ± {np.std(regret):.3f} | {np.mean(stopped):.1f} | "
              f"{sum(r == 0 for r in regret)}/{len(regret)} |")
    rec.write(args.out, results)


if __name__ == "__main__":
    main()
