"""Significance in tables (issue item 5): bold only when the best entry is significantly better than
every other entry of its column; a warning when too few paired seeds can reach alpha at all."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from suite.report import best_entries, summarise, to_latex, to_markdown
from suite.report.compare import TooFewPairs, holm


def _records(values: dict[str, list[float]], train_size: int = 10, fidelity: int = 0) -> pd.DataFrame:
    rows = [("nb201", "cifar10", "valid_acc", p, fidelity, train_size, s, train_size, 50, "kendall", v)
            for p, vs in values.items() for s, v in enumerate(vs)]
    return pd.DataFrame(rows, columns=["benchmark", "dataset", "target", "predictor", "fidelity", "train_size", "seed",
                                       "n_train", "n_test", "metric", "value"])


RNG = np.random.default_rng(0)
BASE = RNG.normal(0.5, 0.1, 12)  # per-seed difficulty shared by every predictor (what pairing removes)


def _row(md: str, label: str) -> str:
    return next(line for line in md.splitlines() if line.startswith(f"| {label} |"))


def test_five_seeds_warn_in_the_table_and_in_python_and_nothing_is_bold():
    five = _records({"a": [0.9, 0.8, 0.85, 0.95, 0.7], "b": [0.1, 0.2, 0.15, 0.05, 0.3]})
    with pytest.warns(TooFewPairs, match=r"2/2\^5 = 0.0625"):
        best = best_entries(five)
    assert best.attrs["max_pairs"] == 5 and best.attrs["holm_floor"] == pytest.approx(0.0625)
    assert (best["mark"] == "").all()  # a beats b on all 5 seeds, still p = 0.0625 >= 0.05
    summary = summarise(five)  # no warning while summarising: only when a table is rendered
    with pytest.warns(TooFewPairs, match="no pair can be declared different"):
        md = to_markdown(summary, "kendall")
    assert "**Warning:** with at most 5 paired seeds" in md and "no entry is marked" in md
    assert "**" not in _row(md, "a") and "*" not in _row(md, "a")
    with pytest.warns(TooFewPairs):
        tex = to_latex(summary, "kendall")
    assert "\\textbf" not in tex.split("\\midrule")[1] and "Warning: with at most 5 paired seeds" in tex
    assert "2/2\\textasciicircum{}5" in tex  # the caption compiles: no bare ^ in text mode


def test_bold_only_when_significantly_better_than_every_other_entry():
    rec = _records({"a": list(BASE + 0.2 + RNG.normal(0, 0.01, 12)), "b": list(BASE + 0.1 + RNG.normal(0, 0.01, 12)),
                    "c": list(BASE + RNG.normal(0, 0.01, 12))})
    with warnings.catch_warnings():
        warnings.simplefilter("error", TooFewPairs)  # 12 pairs: 2/2^12 x 2 tests < 0.05, no warning
        best = best_entries(rec)
        md = to_markdown(summarise(rec), "kendall")
    assert dict(zip(best["label"], best["mark"])) == {"a": "best", "b": "", "c": ""}
    # p: scipy's two-sided Wilcoxon of the best against each other entry, paired by seed; Holm over the table
    p_b = stats.wilcoxon(rec.value[:12], rec.value[12:24]).pvalue
    p_c = stats.wilcoxon(rec.value[:12], rec.value[24:]).pvalue
    np.testing.assert_allclose(best.set_index("label").loc[["b", "c"], "p_holm"], holm(np.array([p_b, p_c])))
    assert _row(md, "a").startswith("| a | **0.") and "*" not in _row(md, "b")
    caption = md.split("\n| ")[0]
    assert "Wilcoxon signed-rank" in caption and "Holm" in caption and "one pair per seed" in caption
    assert "\\textbf{" in to_latex(summarise(rec), "kendall") and "\\caption{" in to_latex(summarise(rec), "kendall")


def test_tied_best_group_in_italics_and_nothing_when_no_entry_is_worse():
    tied = _records({"a": list(BASE + 0.2 + RNG.normal(0, 0.02, 12)), "b": list(BASE + 0.2 + RNG.normal(0, 0.02, 12)),
                     "c": list(BASE + RNG.normal(0, 0.01, 12))})
    best = best_entries(tied)
    assert sorted(best.loc[best["mark"] == "tied", "label"]) == ["a", "b"] and not (best["mark"] == "best").any()
    md = to_markdown(summarise(tied), "kendall")
    assert "| a | *0." in md and "| b | *0." in md and "**" not in _row(md, "a") and "*" not in _row(md, "c")
    all_tied = _records({k: list(BASE + RNG.normal(0, 0.02, 12)) for k in "abc"})
    assert (best_entries(all_tied)["mark"] == "").all()  # the data single out no group: no mark at all


def test_pairs_are_matched_by_seed_not_by_row_order():
    rec = _records({"a": list(BASE + 0.05 + RNG.normal(0, 0.005, 12)), "b": list(BASE)})
    shuffled = rec.sample(frac=1.0, random_state=1)
    def ordered(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.sort_values("label").reset_index(drop=True)

    pd.testing.assert_frame_equal(ordered(best_entries(rec)), ordered(best_entries(shuffled)))
    assert best_entries(rec).set_index("label").loc["b", "n_pairs"] == 12


def test_each_train_size_is_its_own_column_and_fidelities_compete_within_it():
    parts = [_records({"srm": list(BASE + 0.3 + f / 1000 + RNG.normal(0, 0.01, 12)), "last_seen": list(BASE + f / 1000)}, n, f)
             for n in (20, 100) for f in (10, 50)]
    best = best_entries(pd.concat(parts))
    assert set(best["train_size"]) == {20, 100} and (best.groupby("train_size").size() == 4).all()
    assert set(best["label"]) == {"srm (10 ep)", "srm (50 ep)", "last_seen (10 ep)", "last_seen (50 ep)"}
    assert best.attrs["n_tests"] == 6  # 3 comparisons with each column's best x 2 columns


def test_hand_made_summary_and_counts_are_not_marked():
    rec = _records({"a": list(BASE + 0.2), "b": list(BASE)})
    bare = summarise(rec).copy()
    bare.attrs = {}
    md = to_markdown(bare, "kendall")
    assert "No entry is marked" in md and "**" not in md
    assert to_markdown(summarise(rec), "n_diverged", mark=False).startswith("| n_diverged")
