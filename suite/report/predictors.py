"""Report of a predictor-grid run: summary tables per rank metric, figures and paired tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from ..atomic import write_atomic
from ..errors import NasSuiteError
from .compare import mean_ranks, pairwise_wilcoxon
from .figures import correlation_vs_train_size, metric_vs_fidelity, predicted_vs_true, save
from .tables import summarise, to_latex, to_markdown

__all__ = ["write_predictor_report"]


def write_predictor_report(run_dir: Path, meta: Mapping[str, Any]) -> list[str]:
    """Summary tables (md/tex/csv) per rank metric, figures (png/pdf), paired tests; returns paths.

    ``meta["curve_length"]`` (the target's longest schedule, recorded by the run) scales the
    fidelity axis; without it the figure counts epochs.
    """
    records_path = run_dir / "records.parquet"
    if not records_path.exists():
        raise NasSuiteError(f"{run_dir} has no records.parquet: the run is unfinished or this is not a run directory "
                            f"(re-run `nas-suite run` with its config.toml to complete it)")
    records = pd.read_parquet(records_path)
    out_dir = run_dir / "report"
    out_dir.mkdir(exist_ok=True)
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
            written += save(metric_vs_fidelity(summary, metric, meta.get("curve_length")), out_dir / f"{stem}_vs_fidelity")
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
