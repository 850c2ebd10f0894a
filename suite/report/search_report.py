"""Report of a search run: SEG and final-accuracy tables, queries-to-target, anytime curves."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from ..atomic import write_atomic
from .figures import save
from .options import require_output, select_names

__all__ = ["write_search_report"]


def write_search_report(run_dir: Path, meta: Mapping[str, Any]) -> list[str]:
    """Every table and figure of a finished search run; returns paths."""
    require_output(run_dir, "trajectories.parquet")  # before anything is written
    records = select_names(pd.read_parquet(run_dir / "records.parquet"), ["label", "method"], "method")
    out_dir = run_dir / "report"
    out_dir.mkdir(exist_ok=True)
    noise = meta.get("noise")
    return _search_report(run_dir, records, out_dir,
                          noise_label=noise.get("label") if isinstance(noise, Mapping) else None,
                          metrics=_objective_metrics(run_dir))


#: how tables and axes name the metrics searches are scored by most often
_METRIC_LABELS = {"test_acc": "test accuracy", "valid_acc": "validation accuracy"}


def _objective_metrics(run_dir: Path) -> tuple[str, str]:
    """(test metric, observed metric) of the run's objective, from its pinned ``config.toml``."""
    import tomllib

    try:
        objective = tomllib.loads((run_dir / "config.toml").read_text()).get("objective", {})
    except (OSError, tomllib.TOMLDecodeError):
        objective = {}
    return str(objective.get("test_metric", "test_acc")), str(objective.get("metric", "valid_acc"))


def _search_report(run_dir: Path, records: pd.DataFrame, out_dir: Path, *, noise_label: str | None = None,
                   metrics: tuple[str, str] = ("test_acc", "valid_acc")) -> list[str]:
    """SEG and final-accuracy tables, queries-to-target bars, anytime curves, SEG vs subset size.

    ``noise_label`` (from ``meta.json``): what each query observed, stated above the final table.
    ``records`` may be a subset of the run's methods (``--methods``): only their curves are drawn."""
    from ..search.efficiency import anytime
    from .search_figures import anytime_curves, queries_to_target_bars, seg_vs_subset_size
    from .search_tables import final_markdown, final_table, seg_markdown, seg_table

    written: list[str] = []
    seg = seg_table(records)
    final = final_table(records)
    observed = f"Each query observed: {noise_label}.\n\n" if noise_label else ""
    test_metric, true_metric = metrics
    accuracy = test_metric.endswith("_acc")
    final_text = final_markdown(final, _METRIC_LABELS.get(test_metric, test_metric),
                                "true objective" if accuracy else _METRIC_LABELS.get(true_metric, true_metric),
                                digits=2 if accuracy else None)
    labels = ({} if accuracy else {"incumbent_test": f"{test_metric} of incumbent", "incumbent_true": f"{true_metric} of incumbent",
                                   "regret": f"regret ({test_metric})"})
    for stem, frame, text in (("seg", seg, seg_markdown(seg)), ("final", final, observed + final_text)):
        for ext, body in ((".md", text), (".csv", frame.to_csv(index=False))):
            path = out_dir / f"{stem}{ext}"
            write_atomic(path, body)
            written.append(str(path))
    written += save(queries_to_target_bars(seg), out_dir / "queries_to_target")
    traj = pd.read_parquet(require_output(run_dir, "trajectories.parquet"))
    traj = traj[traj["label"].isin(set(records["label"]))]
    best_test = float(records["best_test"].iloc[0])
    for axis in ("t", "cost") if (traj["cost"] != traj["t"]).any() else ("t",):
        curves = anytime(traj, ["label"], axis=axis, best_test=best_test)
        write_atomic(out_dir / f"anytime_{axis}.csv", curves.to_csv(index=False))
        written.append(str(out_dir / f"anytime_{axis}.csv"))
        for value, stem in (("incumbent_test", "anytime_test"), ("incumbent_true", "anytime_valid"), ("regret", "regret")):
            written += save(anytime_curves(curves, value, axis, ylabel=labels.get(value)), out_dir / f"{stem}_vs_{axis}")
    if "subset_size" in seg.columns and (seg["subset_size"].astype(str) != "").any() and seg["subset_size"].nunique() > 1:
        for target in dict.fromkeys(seg["target"]):
            stem = "seg_vs_subset_size_" + target.replace(" ", "_").replace("%", "pct").replace(".", "p")
            written += save(seg_vs_subset_size(seg, target), out_dir / stem)
    return written
