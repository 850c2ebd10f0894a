"""Tables and figures of a finished run (``nas-suite report results/<name>``).

:mod:`tables` and :mod:`compare` prepare DataFrames; :mod:`figures` draws them; only
:func:`write_report` writes files, into ``results/<name>/report/``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from ..errors import NasSuiteError
from ..experiment.files import write_atomic
from .compare import mean_ranks, pairwise_wilcoxon
from .figures import budget_heatmap, correlation_vs_train_size, metric_vs_fidelity, predicted_vs_true, save
from .tables import summarise, to_latex, to_markdown

__all__ = ["write_report", "summarise", "to_markdown", "to_latex", "pairwise_wilcoxon", "mean_ranks"]


def write_report(run_dir: str | os.PathLike[str]) -> list[str]:
    """Summary tables (md/tex/csv) per rank metric, figures (png/pdf), paired tests; returns paths."""
    run_dir = Path(run_dir)
    if (run_dir / "correlation.csv").exists():
        return _proxy_report(run_dir)
    records_path = run_dir / "records.parquet"
    if not records_path.exists():
        raise NasSuiteError(f"{run_dir} has no records.parquet: the run is unfinished or this is not a run directory "
                            f"(re-run `nas-suite run` with its config.toml to complete it)")
    records = pd.read_parquet(records_path)
    out_dir = run_dir / "report"
    out_dir.mkdir(exist_ok=True)
    if (run_dir / "budget_correlation.parquet").exists():
        return _early_stop_report(run_dir, records, out_dir)
    if (run_dir / "trajectories.parquet").exists():
        return _search_report(run_dir, records, out_dir)
    if "view" in records.columns:
        return _budget_report(records, out_dir)
    written: list[str] = []
    metrics = [m for m in ("kendall", "spearman", "pearson", "r2", "precision@10") if m in set(records["metric"])]
    for metric in metrics:
        summary = summarise(records, metric)
        stem = metric.replace("@", "_at_").replace("%", "pct")
        for ext, text in ((".md", to_markdown(summary, metric)), (".tex", to_latex(summary, metric)),
                          (".csv", summary.to_csv(index=False))):
            path = out_dir / f"summary_{stem}{ext}"
            write_atomic(path, text)
            written.append(str(path))
        if summary["train_size"].nunique() > 1:
            written += save(correlation_vs_train_size(summary, metric), out_dir / f"{stem}_vs_train_size")
        if (summary["fidelity"] > 0).any() and summary["fidelity"].nunique() > 1:
            written += save(metric_vs_fidelity(summary, metric, _curve_length(records)), out_dir / f"{stem}_vs_fidelity")
    predictions_path = run_dir / "predictions.parquet"
    if predictions_path.exists():
        written += _scatter(pd.read_parquet(predictions_path), out_dir)
    if records["predictor"].nunique() >= 2 and metrics:
        tests = pairwise_wilcoxon(records, metrics[0])
        path = out_dir / f"wilcoxon_{metrics[0]}.csv"
        write_atomic(path, tests.to_csv(index=False))
        written.append(str(path))
        try:
            ranks = mean_ranks(records, metrics[0])
        except ValueError:
            ranks = None
        if ranks is not None:
            path = out_dir / f"mean_ranks_{metrics[0]}.md"
            lines = [f"Friedman p = {ranks.attrs['friedman_p']:.3g}; Nemenyi critical difference (alpha 0.05) = "
                     f"{ranks.attrs['critical_difference']:.3f} over {int(ranks['blocks'].iloc[0])} blocks", "",
                     "| predictor | mean rank |", "|---|---:|"]
            lines += [f"| {name} | {r:.2f} |" for name, r in ranks["mean_rank"].items()]
            write_atomic(path, "\n".join(lines) + "\n")
            written.append(str(path))
    return written


def _curve_length(records: pd.DataFrame) -> int | None:
    """Epochs of the learning curves a run's predictors observed (the target's longest schedule).

    The records name the benchmark, dataset and target but not the curve length, and the longest
    observed prefix is not it (``baker-lc`` observes at most 150 of 200 epochs); ``None`` (the
    figure then counts epochs) when the benchmark cannot be opened here.
    """
    try:
        from .. import load

        first = records.iloc[0]
        schedules = [s for s in load(str(first["benchmark"]), str(first["dataset"])).schedules(str(first["target"])) if s]
        return int(max(schedules)) if schedules else None
    except (NasSuiteError, OSError, KeyError, ValueError, IndexError):  # no data here: the figure counts epochs
        return None


def _scatter(predictions: pd.DataFrame, out_dir: Path) -> list[str]:
    """Predicted vs true for each predictor at its largest train size and first seed (and fidelity)."""
    written: list[str] = []
    for name, group in predictions.groupby("predictor", sort=False):
        n = group["train_size"].max()
        pick = group[(group["train_size"] == n) & (group["seed"] == group["seed"].min())]
        pick = pick[pick["fidelity"] == pick["fidelity"].max()]
        title = f"{name}, {n} train, seed {int(pick['seed'].iloc[0])}"
        written += save(predicted_vs_true(pick, title=title), out_dir / f"predicted_vs_true_{name}")
    return written


def _budget_report(records: pd.DataFrame, out_dir: Path) -> list[str]:
    """Heatmap (png/pdf) and Markdown matrix per view of a budget-correlation run."""
    written: list[str] = []
    for view, group in records.groupby("view", sort=False):
        matrix = group.pivot(index="budget_a", columns="budget_b", values="spearman")
        written += save(budget_heatmap(matrix), out_dir / f"budget_correlation_{view}")
        n = int(group["n_archs"].min())
        cols = [str(c) for c in matrix.columns]
        lines = [f"Spearman ρ between budgets ({view}; >= {n:,} architectures per pair)", "",
                 "| budget | " + " | ".join(cols) + " |", "|---|" + "---:|" * len(cols)]
        lines += [f"| {a} | " + " | ".join(f"{v:.3f}" for v in row) + " |" for a, row in zip(matrix.index, matrix.to_numpy())]
        path = out_dir / f"budget_correlation_{view}.md"
        write_atomic(path, "\n".join(lines) + "\n")
        written.append(str(path))
    return written


def _search_report(run_dir: Path, records: pd.DataFrame, out_dir: Path) -> list[str]:
    """SEG and final-accuracy tables, queries-to-target bars, anytime curves, SEG vs subset size."""
    from ..search.efficiency import anytime
    from .search_figures import anytime_curves, queries_to_target_bars, seg_vs_subset_size
    from .search_tables import final_markdown, final_table, seg_markdown, seg_table

    written: list[str] = []
    seg = seg_table(records)
    final = final_table(records)
    for stem, frame, text in (("seg", seg, seg_markdown(seg)), ("final", final, final_markdown(final))):
        for ext, body in ((".md", text), (".csv", frame.to_csv(index=False))):
            path = out_dir / f"{stem}{ext}"
            write_atomic(path, body)
            written.append(str(path))
    written += save(queries_to_target_bars(seg), out_dir / "queries_to_target")
    traj = pd.read_parquet(run_dir / "trajectories.parquet")
    best_test = float(records["best_test"].iloc[0])
    for axis in ("t", "cost") if (traj["cost"] != traj["t"]).any() else ("t",):
        curves = anytime(traj, ["label"], axis=axis, best_test=best_test)
        write_atomic(out_dir / f"anytime_{axis}.csv", curves.to_csv(index=False))
        written.append(str(out_dir / f"anytime_{axis}.csv"))
        written += save(anytime_curves(curves, "incumbent_test", axis), out_dir / f"anytime_test_vs_{axis}")
        written += save(anytime_curves(curves, "incumbent_true", axis), out_dir / f"anytime_valid_vs_{axis}")
        written += save(anytime_curves(curves, "regret", axis), out_dir / f"regret_vs_{axis}")
    if "subset_size" in seg.columns and (seg["subset_size"].astype(str) != "").any() and seg["subset_size"].nunique() > 1:
        for target in dict.fromkeys(seg["target"]):
            stem = "seg_vs_subset_size_" + target.replace(" ", "_").replace("%", "pct").replace(".", "p")
            written += save(seg_vs_subset_size(seg, target), out_dir / stem)
    return written


def _early_stop_report(run_dir: Path, records: pd.DataFrame, out_dir: Path) -> list[str]:
    """Speed-up table (md/csv), budget rank correlation (md), anytime test accuracy vs compute (png/pdf)."""
    import numpy as np

    from ..metrics import mean_ci
    from ..search.efficiency import anytime
    from .search_figures import anytime_curves

    rows = []
    for method, g in records.groupby("method", sort=False):
        speed = g["speedup"].to_numpy(dtype=float)
        reached = np.isfinite(speed)
        ci = mean_ci(speed[reached]) if reached.any() else None
        rows.append({"method": method, "runs": len(g), "reached_target": int(reached.sum()),
                     "speedup_mean": ci.estimate if ci else np.nan, "speedup_low": ci.low if ci else np.nan,
                     "speedup_high": ci.high if ci else np.nan,
                     "speedup_median": float(np.median(speed[reached])) if reached.any() else np.nan,
                     "speedup_total_mean": float(np.nanmean(g["speedup_total"])) if g["speedup_total"].notna().any() else np.nan,
                     "regret_test_mean": float(g["regret_test"].mean()), "same_best": float(g["same_best"].mean()),
                     "cost_mean": float(g["cost"].mean()), "cost_full_mean": float(g["cost_full"].mean())})
    table = pd.DataFrame(rows)
    lines = ["Speed-up over full-training random search on the same architecture sequence: compute to reach its final "
             "best validation accuracy (mean [95% t interval] over runs that reached it; median), Baker's total-cost "
             "ratio, test regret of the found cell vs the reference's.", "",
             "| method | runs | reached | speed-up | median | total-cost ratio | test regret | same cell |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in table.itertuples():
        lines.append(f"| {r.method} | {r.runs} | {r.reached_target} | {r.speedup_mean:.2f} [{r.speedup_low:.2f}, "
                     f"{r.speedup_high:.2f}] | {r.speedup_median:.2f} | {r.speedup_total_mean:.2f} | "
                     f"{r.regret_test_mean:.3f} | {r.same_best:.0%} |")
    corr = pd.read_parquet(run_dir / "budget_correlation.parquet")
    lines += ["", "Rank correlation of each rung budget with the final value (why stopping early works or not):", "",
              "| budget (epochs) | Spearman | Kendall | cells |", "|---:|---:|---:|---:|"]
    lines += [f"| {int(r.budget)} | {r.spearman:.3f} | {r.kendall:.3f} | {int(r.n_archs)} |" for r in corr.itertuples()]
    written = []
    for path, body in ((out_dir / "speedup.md", "\n".join(lines) + "\n"), (out_dir / "speedup.csv", table.to_csv(index=False))):
        write_atomic(path, body)
        written.append(str(path))
    traj = pd.read_parquet(run_dir / "trajectories.parquet")
    traj = traj[traj["incumbent_test"].notna()].rename(columns={"seed": "run", "method": "label", "incumbent_valid": "incumbent_true"})
    curves = anytime(traj, ["label"], axis="cost")
    written += save(anytime_curves(curves, "incumbent_test", "cost"), out_dir / "anytime_test_vs_cost")
    return written


def _proxy_report(run_dir: Path) -> list[str]:
    """Zero-cost proxy runs: correlation and NASWOT-search tables next to the paper, score figure."""
    import json

    from .proxy_tables import SOURCE, correlation_markdown, score_scatter, search_markdown

    out_dir = run_dir / "report"
    out_dir.mkdir(exist_ok=True)
    corr = pd.read_csv(run_dir / "correlation.csv")
    meta = json.loads((run_dir / "meta.json").read_text()) if (run_dir / "meta.json").exists() else {}
    notes = []
    for dataset, m in meta.get("datasets", {}).items():
        images = m.get("images", {})
        line = f"- {dataset}: images {images.get('source', '?')}"
        if m.get("image_dataset") and m["image_dataset"] != dataset:
            resized = ", averaged 2x2 down to 16x16," if dataset == "ImageNet16-120" else ""
            line += f" (**{m['image_dataset']} images{resized} standing in for {dataset}**)"
        if images.get("jpeg_compressed"):
            line += "; JPEG-compressed (quality 75), not the exact CIFAR pixels"
        notes.append(line)
    text = [f"# {run_dir.name}: zero-cost proxies vs trained accuracy", "", f"Published: {SOURCE}.", "",
            "## Rank correlation", "", correlation_markdown(corr)]
    if (run_dir / "search.csv").exists():
        search = pd.read_csv(run_dir / "search.csv")
        text += ["## Search: sample N cells, keep the best score", "",
                 f"Each of {int(search['repeats'].iloc[0])} repeats draws N cells with replacement from the "
                 f"{int(search['pool'].iloc[0])} scored cells (the paper: all 15,625) and keeps the best score.", "",
                 search_markdown(search)]
    for dataset, m in meta.get("datasets", {}).items():
        rows = [r for r in m.get("comparison_with_published", []) if r.get("n")]
        if rows:
            text += [f"## Ours vs NAS-Bench-Suite-Zero's published scores ({dataset})", "",
                     "Same cells; different minibatches and initialisations, so only ranks are comparable.", "",
                     "| proxy | published as | cells | Spearman ours vs published | Kendall | τ ours vs valid_acc | τ published vs valid_acc |",
                     "|---|---|---:|---:|---:|---:|---:|"]
            text += [f"| {r['proxy']} | {r['published']} | {r['n']} | {r['spearman']:.3f} | {r['kendall']:.3f} | "
                     f"{r.get('ours_kendall_valid_acc', float('nan')):.3f} | {r.get('published_kendall_valid_acc', float('nan')):.3f} |"
                     for r in rows]
            text.append("")
    if notes:
        text += ["## Inputs", "", *notes, ""]
    path = out_dir / "summary.md"
    write_atomic(path, "\n".join(text))
    written = [str(path)]
    scores = pd.read_parquet(run_dir / "scores.parquet")
    for proxy in corr["proxy"].unique():
        sub = corr[(corr["proxy"] == proxy) & (corr["target"] == "valid_acc")]
        taus = dict(zip(sub["dataset"], sub["kendall"]))
        written += save(score_scatter(scores, proxy, "valid_acc", taus), out_dir / f"{proxy}_vs_valid_acc")
    return written
