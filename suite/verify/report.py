"""The verification report: rank agreement between the table and the re-trained accuracies.

Three layers, as elsewhere in nas-suite: :func:`verification_stats` computes numbers from the
records (pure), :func:`scatter` draws them (takes a DataFrame, returns the ``Axes``),
:func:`write_report` writes ``report/`` (``stats.json``, ``scatter.png``/``.pdf``,
``summary.md``) atomically.

What is compared is *ranks*: Spearman's rho and Kendall's tau-b between the table's accuracy and
the re-trained one, each with a 95% percentile-bootstrap interval over cells
(:func:`suite.metrics.bootstrap_ci`, seeded). The mean absolute difference and the mean signed
difference (re-trained minus table) are reported too, but an offset is expected: the JPEG copy of
CIFAR-10 and any shortened run (fewer epochs, fewer images) lower every accuracy.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..metrics import bootstrap_ci, kendall, mae, spearman

__all__ = ["JPEG_NOTE", "verification_stats", "scatter", "summary_markdown", "write_report"]

#: What the summary says when the images went through JPEG (../shared/data/README.md, cifar10/).
JPEG_NOTE = (
    "The images are **JPEG-compressed CIFAR-10** (quality 75; mean absolute pixel error 6.2 and PSNR 29.6 dB "
    "against the original images), not the exact dataset the benchmark was trained on. Compression removes "
    "high-frequency detail from both training and test images, so expect the re-trained accuracies to be "
    "**lower** than the table's by a roughly common offset; that offset is not a verification failure. "
    "Ranks are what is compared: the rank correlations below are the verification, the absolute "
    "differences are context."
)
EXACT_NOTE = "The images are an exact (lossless) copy of the dataset."


def verification_stats(records: pd.DataFrame, *, seed: int = 0, n_boot: int = 1000) -> dict[str, Any]:
    """Agreement between ``records.table_acc`` and ``records.retrained_acc`` (both %).

    Returns ``n``, ``spearman`` / ``kendall`` as ``{"estimate", "low", "high", "level"}`` (95%
    percentile bootstrap over cells, ``n_boot`` resamples, rng seeded by ``seed``; NaN where
    undefined, e.g. fewer than 3 cells make every resample degenerate), ``mean_abs_diff`` and
    ``mean_diff`` (re-trained minus table), in percentage points.
    """
    table = records["table_acc"].to_numpy(dtype=np.float64)
    retrained = records["retrained_acc"].to_numpy(dtype=np.float64)
    out: dict[str, Any] = {"n": int(len(records))}
    for name, fn in (("spearman", spearman), ("kendall", kendall)):
        ci = bootstrap_ci(fn, table, retrained, n_boot=n_boot, rng=np.random.default_rng(seed))
        out[name] = {"estimate": ci.estimate, "low": ci.low, "high": ci.high, "level": ci.level}
    out["mean_abs_diff"] = mae(table, retrained)
    diff = retrained - table
    diff = diff[np.isfinite(diff)]
    out["mean_diff"] = float(diff.mean()) if len(diff) else float("nan")
    return out


def scatter(records: pd.DataFrame, ax: Any = None, title: str | None = None,
            xlabel: str = "table accuracy (%)", ylabel: str = "re-trained accuracy (%)") -> Any:
    """Re-trained vs table accuracy, one point per cell, with the identity line (dashed)."""
    from ..report.figures import PALETTE, new_axes

    ax = ax if ax is not None else new_axes(3.0, 3.0)  # square: the identity line at 45 degrees
    t = records["table_acc"].to_numpy(dtype=np.float64)
    r = records["retrained_acc"].to_numpy(dtype=np.float64)
    ax.scatter(t, r, s=14, color=PALETTE[0], alpha=0.85, linewidths=0, zorder=3)
    ok = np.isfinite(t) & np.isfinite(r)
    if ok.any():
        lo, hi = float(min(t[ok].min(), r[ok].min())), float(max(t[ok].max(), r[ok].max()))
        pad = max(1.0, 0.03 * (hi - lo))
        ax.plot([lo - pad, hi + pad], [lo - pad, hi + pad], color="0.4", linewidth=0.8, linestyle="--",
                label="identity", zorder=2)
        ax.set_xlim(lo - pad, hi + pad)
        ax.set_ylim(lo - pad, hi + pad)
        ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.grid(True)
    ax.legend(loc="upper left")
    return ax


def _n(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _fmt(ci: dict[str, float]) -> str:
    est, low, high = ci["estimate"], ci["low"], ci["high"]
    if not np.isfinite(est):
        return "undefined (needs at least 2 cells with distinct values)"
    interval = f"[{low:.3f}, {high:.3f}]" if np.isfinite(low) and np.isfinite(high) else "[interval undefined: too few cells]"
    return f"{est:.3f} {interval}"


def summary_markdown(stats: dict[str, Any], meta: dict[str, Any], records: pd.DataFrame) -> str:
    """``summary.md``: what was run, the agreement, and what the inputs do to absolute accuracy."""
    proto = meta["protocol"]
    run = meta["run"]
    images = meta["images"]
    lines = [
        f"# Verification by re-training: {meta['benchmark']} / {meta['dataset']}, {meta['schedule']}-epoch table",
        "",
        f"- Protocol `{proto['name']}` ({proto['citation']}): {proto['optimizer']}, LR {proto['lr']} "
        f"({proto['lr_schedule']} to {proto['lr_min']}), momentum {proto['momentum']}"
        f"{' (Nesterov)' if proto['nesterov'] else ''}, weight decay {proto['weight_decay']}, batch {proto['batch_size']}, "
        f"random crop (padding {proto['crop_padding']}) + horizontal flip, {proto['epochs']} epochs.",
        f"- This run: {_n(stats['n'], 'cell')} (stratified over the table's `{proto['table_metric']}` range, seed {run['seed']}), "
        f"{_n(run['epochs'], 'epoch')}, {run['n_train']:,} training images, evaluated on {run['n_eval']:,} images "
        f"({images['eval_description']}); device(s): {', '.join(meta['devices'])}.",
        f"- Images: training from `{images['train_source']}`, evaluation from `{images['eval_source']}`.",
        "",
        "## Agreement (95% bootstrap intervals over cells)",
        "",
        "| statistic | value |",
        "|---|---|",
        f"| Spearman ρ | {_fmt(stats['spearman'])} |",
        f"| Kendall τ-b | {_fmt(stats['kendall'])} |",
        f"| mean absolute difference (pp) | {stats['mean_abs_diff']:.2f} |",
        f"| mean re-trained − table (pp) | {stats['mean_diff']:+.2f} |",
        "",
        "## Inputs and what they do to absolute accuracy",
        "",
        JPEG_NOTE if images["lossy"] else EXACT_NOTE,
    ]
    if run["reduced"]:
        lines += [
            "",
            f"**Reduced run.** {run['reduced_reason']} Absolute accuracies are then far below the table's and even "
            "the ranks are only loosely comparable: this configuration checks the pipeline, not the table.",
        ]
    notes = [n for n in records.get("params_note", pd.Series(dtype=object)).tolist() if isinstance(n, str) and n]
    if notes:
        lines += ["", "## Parameter-count notes", ""] + [f"- {n}" for n in notes]
    lines += [
        "",
        "## Cells",
        "",
        "| id | table acc (%) | re-trained acc (%) | params | seconds | images/s |",
        "|---|---|---|---|---|---|",
    ]
    for row in records.itertuples(index=False):
        lines.append(f"| {row.id} | {row.table_acc:.2f} | {row.retrained_acc:.2f} | {row.params:,} | "
                     f"{row.seconds:.1f} | {row.images_per_s:.0f} |")
    lines += ["", "Figure: `scatter.png` / `scatter.pdf` (re-trained vs table accuracy, identity dashed).", ""]
    return "\n".join(lines)


def write_report(directory: Path, records: pd.DataFrame, meta: dict[str, Any], *, seed: int = 0) -> list[Path]:
    """Write ``stats.json``, ``scatter.png``/``.pdf`` and ``summary.md`` into ``directory``."""
    from ..experiment.files import write_atomic
    from ..report.figures import offscreen, save
    from ..report.style import paper_style

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    stats = verification_stats(records, seed=seed)
    write_atomic(directory / "stats.json", json.dumps(stats, indent=2, allow_nan=True) + "\n")
    rho = stats["spearman"]["estimate"]
    with paper_style(), offscreen():  # bare Figure: the caller's matplotlib backend is left alone
        ax = scatter(records, title=f"{meta['benchmark']} {meta['dataset']}, {meta['schedule']}-epoch table "
                                    f"(Spearman ρ {'= ' + format(rho, '.2f') if np.isfinite(rho) else 'undefined'})")
        figures = [Path(p) for p in save(ax, directory / "scatter", ("png", "pdf"))]
    write_atomic(directory / "summary.md", summary_markdown(stats, meta, records))
    return [directory / "stats.json", *figures, directory / "summary.md"]
