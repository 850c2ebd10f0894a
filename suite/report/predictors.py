"""Report of a predictor-grid run: summary tables per rank metric, figures and paired tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from ..atomic import write_atomic
from ..errors import NasSuiteError
from .compare import mean_ranks, pairwise_wilcoxon
from ..errors import InvalidArgument
from .figures import correlation_vs_train_size, metric_vs_fidelity, predicted_vs_true, save
from .options import current, select_names
from .tables import summarise, to_latex, to_markdown

__all__ = ["RANK_METRICS", "write_predictor_report"]

#: metrics that get a summary table and figures, in this order (the first present is tested)
RANK_METRICS = ("kendall", "spearman", "pearson", "r2", "precision@10")


def write_predictor_report(run_dir: Path, meta: Mapping[str, Any]) -> list[str]:
    """Summary tables (md/tex/csv) per rank metric, figures (png/pdf), paired tests; returns paths.

    ``meta["curve_length"]`` (the target's longest schedule, recorded by the run) scales the
    fidelity axis; without it the figure counts epochs. A run with ``[target] diverged_below``
    also gets ``summary_<m>_trained.*`` (the metric over the test cells that trained) and
    ``summary_n_diverged.*`` (diverged test cells per seed).

    Report options (:mod:`suite.report.options`): ``names`` keeps those predictors (records,
    tests and scatter plots), ``metrics`` those recorded metrics (the first listed is tested).
    """
    records_path = run_dir / "records.parquet"
    if not records_path.exists():
        raise NasSuiteError(f"{run_dir} has no records.parquet: the run is unfinished or this is not a run directory "
                            f"(re-run `nas-suite run` with its config.toml to complete it)")
    records = select_names(pd.read_parquet(records_path), ["predictor"], "predictor")
    recorded = set(records["metric"])
    metrics = [m for m in RANK_METRICS if m in recorded]
    # runs with [target] diverged_below: the same tables over the test cells that trained
    metrics += [f"{m}_trained" for m in RANK_METRICS if f"{m}_trained" in recorded]
    chosen = current().metrics
    if chosen is not None:
        available = metrics + (["n_diverged"] if "n_diverged" in recorded else [])
        unknown = [m for m in chosen if m not in available]
        if unknown:
            raise InvalidArgument(f"this run has no metric {', '.join(map(repr, unknown))} to report; "
                                  f"it has: {', '.join(available)}")
        metrics = [m for m in chosen if m != "n_diverged"]
        recorded = set(chosen)
    out_dir = run_dir / "report"
    out_dir.mkdir(exist_ok=True)
    written: list[str] = []
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
    if "n_diverged" in recorded:
        summary = summarise(records, "n_diverged")
        for ext, text in ((".md", to_markdown(summary, "n_diverged", mark=False)), (".csv", summary.to_csv(index=False))):
            path = out_dir / f"summary_n_diverged{ext}"
            write_atomic(path, text)
            written.append(str(path))
    predictions_path = run_dir / "predictions.parquet"
    if predictions_path.exists():
        written += _scatter(select_names(pd.read_parquet(predictions_path), ["predictor"], "predictor"), out_dir)
    if records["predictor"].nunique() >= 2 and metrics:
        metric = metrics[0]
        tests = pairwise_wilcoxon(records, metric)  # warns (TooFewPairs) when no pair can reach alpha
        path = out_dir / f"wilcoxon_{metric}.csv"
        write_atomic(path, tests.to_csv(index=False))
        written.append(str(path))
        try:
            ranks = mean_ranks(records, metric)
        except ValueError:
            ranks = None
        lines: list[str] = []
        if ranks is not None:
            lines += [f"One block per seed: each predictor's {metric} averaged over the seed's "
                      f"{ranks.attrs['cells_per_block']} (train size, fidelity) cells, then ranked within the seed "
                      f"(the cells of one seed are not independent: nested training sets, one test set).", "",
                      f"Friedman p = {ranks.attrs['friedman_p']:.3g}; Nemenyi critical difference (alpha 0.05) = "
                      f"{ranks.attrs['critical_difference']:.3f} over {int(ranks['blocks'].iloc[0])} blocks (seeds)", "",
                      "| predictor | mean rank |", "|---|---:|"]
            lines += [f"| {name} | {r:.2f} |" for name, r in ranks["mean_rank"].items()]
            lines.append("")
        lines.append(f"Paired Wilcoxon signed-rank tests (`wilcoxon_{metric}.csv`): each train size and fidelity "
                     f"separately, one pair per seed (at most {tests.attrs['max_pairs']}), Holm's correction over "
                     f"all {tests.attrs['n_tests']} tests.")
        if tests.attrs["warning"]:
            lines += ["", f"**Warning:** {tests.attrs['warning']}."]
        path = out_dir / f"mean_ranks_{metric}.md"
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
