"""Report of a search run: SEG and final-accuracy tables, queries-to-target, anytime curves."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from ..atomic import write_atomic
from .figures import save

__all__ = ["write_search_report"]


def write_search_report(run_dir: Path, meta: Mapping[str, Any]) -> list[str]:
    """Every table and figure of a finished search run; returns paths."""
    out_dir = run_dir / "report"
    out_dir.mkdir(exist_ok=True)
    noise = meta.get("noise")
    return _search_report(run_dir, pd.read_parquet(run_dir / "records.parquet"), out_dir,
                          noise_label=noise.get("label") if isinstance(noise, Mapping) else None)


def _search_report(run_dir: Path, records: pd.DataFrame, out_dir: Path, *, noise_label: str | None = None) -> list[str]:
    """SEG and final-accuracy tables, queries-to-target bars, anytime curves, SEG vs subset size.

    ``noise_label`` (from ``meta.json``): what each query observed, stated above the final table."""
    from ..search.efficiency import anytime
    from .search_figures import anytime_curves, queries_to_target_bars, seg_vs_subset_size
    from .search_tables import final_markdown, final_table, seg_markdown, seg_table

    written: list[str] = []
    seg = seg_table(records)
    final = final_table(records)
    observed = f"Each query observed: {noise_label}.\n\n" if noise_label else ""
    for stem, frame, text in (("seg", seg, seg_markdown(seg)), ("final", final, observed + final_markdown(final))):
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
