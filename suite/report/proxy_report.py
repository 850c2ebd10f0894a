"""Report of a zero-cost proxy experiment: correlations and search next to the paper, figures."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from ..atomic import write_atomic
from .figures import new_axes_row, save
from .options import current, select_names

__all__ = ["write_proxy_report"]


def write_proxy_report(run_dir: Path, meta: Mapping[str, Any]) -> list[str]:
    """Zero-cost proxy runs: correlation and NASWOT-search tables next to the paper, score figure."""
    import matplotlib

    from .proxy_figures import score_scatter
    from .proxy_tables import SEARCH_NOISE_NOTE, SOURCE, correlation_markdown, search_markdown

    out_dir = run_dir / "report"
    out_dir.mkdir(exist_ok=True)
    corr = select_names(pd.read_csv(run_dir / "correlation.csv"), ["proxy"], "proxy")
    names = current().names
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
                 f"{SEARCH_NOISE_NOTE}", "",
                 search_markdown(search)]
    for dataset, m in meta.get("datasets", {}).items():
        rows = [r for r in m.get("comparison_with_published", []) if r.get("n") and (names is None or r.get("proxy") in names)]
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
    datasets = list(dict.fromkeys(scores["dataset"]))
    for proxy in corr["proxy"].unique():
        sub = corr[(corr["proxy"] == proxy) & (corr["target"] == "valid_acc")]
        taus = dict(zip(sub["dataset"], sub["kendall"]))
        axes = new_axes_row(len(datasets), height=matplotlib.rcParams["figure.figsize"][1] * 1.2)
        for ax, dataset in zip(axes, datasets):
            score_scatter(scores, proxy, "valid_acc", taus, dataset=dataset, ax=ax)
        written += save(axes[0].figure, out_dir / f"{proxy}_vs_valid_acc")
    return written
