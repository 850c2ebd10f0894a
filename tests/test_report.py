"""Report: summary statistics, paired tests, files written by `nas-suite report`."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from suite.cli import main
from suite.report import mean_ranks, pairwise_wilcoxon, summarise, to_latex, to_markdown, write_report
from suite.report.compare import TooFewPairs, holm, wilcoxon_floor


def _records(values: dict[str, list[float]], train_size: int = 10) -> pd.DataFrame:
    rows = [("nb201", "cifar10", "valid_acc", p, 0, train_size, s, train_size, 50, "kendall", v)
            for p, vs in values.items() for s, v in enumerate(vs)]
    return pd.DataFrame(rows, columns=["benchmark", "dataset", "target", "predictor", "fidelity", "train_size", "seed",
                                       "n_train", "n_test", "metric", "value"])


def test_summary_is_mean_with_t_interval_and_tables_mark_the_best():
    rec = _records({"a": [0.5, 0.7, 0.6, 0.8], "b": [0.1, 0.2, np.nan, 0.3]})
    s = summarise(rec)
    a = s[s.predictor == "a"].iloc[0]
    lo, hi = stats.t.interval(0.95, 3, loc=0.65, scale=stats.sem([0.5, 0.7, 0.6, 0.8]))
    assert (a["mean"], a["low"], a["high"], a["n_seeds"]) == pytest.approx((0.65, lo, hi, 4))
    assert s[s.predictor == "b"].iloc[0]["n_seeds"] == 3
    with pytest.warns(TooFewPairs):  # 3 paired seeds cannot make a best entry significant: none is bold
        md, tex = to_markdown(s, "kendall"), to_latex(s, "kendall")
    assert "| a | 0.650 ± " in md and "| b | 0.200 ± 0.248 |" in md and "**Warning:**" in md
    assert "\\toprule" in tex and "0.650 $\\pm$" in tex and "\\textbf" not in tex  # bold rule: tests/test_significance.py
    with pytest.raises(ValueError, match="no metric 'r2'"):
        summarise(rec, "r2")


def test_holm_matches_hand_computation():
    np.testing.assert_allclose(holm(np.array([0.01, 0.04, 0.03, np.nan])), [0.03, 0.06, 0.06, np.nan])


def test_wilcoxon_is_paired_by_seed_and_agrees_with_scipy():
    rng = np.random.default_rng(0)
    base = rng.normal(0.5, 0.1, 12)
    rec = _records({"a": list(base + 0.05 + rng.normal(0, 0.01, 12)), "b": list(base)})
    out = pairwise_wilcoxon(rec)
    assert len(out) == 1 and out.iloc[0]["n_pairs"] == 12 and out.iloc[0]["median_diff"] > 0
    assert out.iloc[0]["p"] == pytest.approx(stats.wilcoxon(rec.value[:12], rec.value[12:]).pvalue)
    assert out.iloc[0]["p"] < 0.01  # paired: the shared per-seed noise cancels


def test_mean_ranks_and_critical_difference():
    rec = pd.concat([_records({"a": [0.9] * 6, "b": [0.5] * 6, "c": [0.1] * 6}, n) for n in (10, 20)])
    ranks = mean_ranks(rec)
    assert list(ranks.index) == ["a", "b", "c"] and list(ranks["mean_rank"]) == [1.0, 2.0, 3.0]
    # one block per seed, not per (train size, seed): N = 6 blocks of 2 cells each
    assert ranks["blocks"].iloc[0] == 6 and ranks.attrs["cells_per_block"] == 2 and ranks.attrs["block"] == "seed"
    # Demsar (2006): q_0.05 for k=3 is 2.343, CD = q * sqrt(k(k+1)/(6N)) with N = 6 blocks
    assert ranks.attrs["critical_difference"] == pytest.approx(2.343 * np.sqrt(12 / 36), abs=2e-3)


def test_mean_ranks_average_each_seeds_train_sizes_before_ranking():
    # seed 0: a wins at size 10 by a hair and loses at size 20 by a lot -> b is better on that seed's average
    rec = pd.concat([_records({"a": [0.51, 0.9, 0.9], "b": [0.50, 0.1, 0.1]}, 10),
                     _records({"a": [0.10, 0.9, 0.9], "b": [0.80, 0.1, 0.1]}, 20)])
    ranks = mean_ranks(rec)
    assert ranks["blocks"].iloc[0] == 3
    assert ranks.loc["a", "mean_rank"] == pytest.approx((2 + 1 + 1) / 3)
    # a cell with a missing value is dropped for every predictor of that seed
    rec.loc[(rec.predictor == "a") & (rec.train_size == 20) & (rec.seed == 0), "value"] = np.nan
    assert mean_ranks(rec).loc["a", "mean_rank"] == pytest.approx(1.0)


def test_wilcoxon_tests_each_fidelity_separately_one_pair_per_seed():
    rng = np.random.default_rng(1)
    parts = []
    for f in (10, 50):
        part = _records({"a": list(rng.normal(0.6, 0.1, 8)), "b": list(rng.normal(0.5, 0.1, 8))})
        parts.append(part.assign(fidelity=f))
    out = pairwise_wilcoxon(pd.concat(parts))
    assert len(out) == 2 and list(out["fidelity"]) == [10, 50] and (out["n_pairs"] == 8).all()


def test_wilcoxon_floor_is_the_exact_tests_smallest_p_and_too_few_seeds_warn():
    for n in (3, 5, 8):  # every difference positive: the most extreme outcome
        assert stats.wilcoxon(np.arange(1, n + 1) + 0.5, np.zeros(n)).pvalue == pytest.approx(wilcoxon_floor(n))
    five = _records({"a": [0.9, 0.8, 0.85, 0.95, 0.7], "b": [0.1, 0.2, 0.15, 0.05, 0.3], "c": [0.5] * 5})
    with pytest.warns(TooFewPairs, match=r"2/2\^5 = 0.0625"):
        out = pairwise_wilcoxon(five)
    assert out.attrs["holm_floor"] == pytest.approx(min(1.0, 3 * 2 / 32)) and (out["p_holm"] >= 0.05).all()
    assert "no pair can be declared different" in out.attrs["warning"]
    rng = np.random.default_rng(0)
    twelve = _records({"a": list(rng.normal(0.6, 0.1, 12)), "b": list(rng.normal(0.5, 0.1, 12))})
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", TooFewPairs)
        assert pairwise_wilcoxon(twelve).attrs["warning"] is None  # 2/2^12 = 0.0005 < 0.05


def test_cli_run_and_report_write_tables_and_figures(tmp_path, capsys):
    cfg = tmp_path / "tiny.toml"
    cfg.write_text('name = "tiny"\nbenchmark = "nb201"\npredictors = ["ols", "ridge", "rf"]\n'
                   'train_sizes = [10, 40]\ntest_size = 60\nseeds = 3\n')
    assert main(["run", str(cfg), "--results", str(tmp_path / "r")]) == 0
    with pytest.warns(TooFewPairs):  # 3 seeds; said in mean_ranks_kendall.md as well
        assert main(["report", str(tmp_path / "r" / "tiny")]) == 0
    report = tmp_path / "r" / "tiny" / "report"
    for name in ("summary_kendall.md", "summary_kendall.tex", "summary_kendall.csv", "kendall_vs_train_size.png",
                 "kendall_vs_train_size.pdf", "wilcoxon_kendall.csv", "mean_ranks_kendall.md",
                 "predicted_vs_true_rf.png", "predicted_vs_true_rf.pdf"):
        assert (report / name).stat().st_size > 0, name
    assert (report / "kendall_vs_train_size.pdf").read_bytes().startswith(b"%PDF")
    significance = (report / "mean_ranks_kendall.md").read_text()
    assert "One block per seed" in significance and "over 3 blocks (seeds)" in significance
    assert "**Warning:** with at most 3 paired seeds" in significance  # 3 seeds: 2/2^3 = 0.25 already
    # predictions.parquet holds every test prediction; metrics recomputed from it match the records
    from suite.metrics import kendall

    pred = pd.read_parquet(tmp_path / "r" / "tiny" / "predictions.parquet")
    rec = pd.read_parquet(tmp_path / "r" / "tiny" / "records.parquet")
    assert len(pred) == 3 * 2 * 3 * 60
    one = pred.query("predictor == 'rf' and train_size == 40 and seed == 1")
    got = rec.query("predictor == 'rf' and train_size == 40 and seed == 1 and metric == 'kendall'").value.iloc[0]
    assert kendall(one.y_true, one.y_pred) == pytest.approx(got)


def test_cli_errors_are_one_line(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    assert main(["run", str(tmp_path / "missing.toml")]) == 2
    assert main(["reproduce", "no-such-config"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3 and all(line.startswith("nas-suite: error: ") for line in err)
    assert "has no meta.json" in err[0] and "no experiment spec" in err[1] and "quickstart" in err[2]


def test_fidelity_figure_plots_the_share_of_the_whole_curve_and_draws_untrained_baselines_once():
    from suite.report.figures import metric_vs_fidelity

    rows = []
    for n in (20, 100):
        for f in (10, 50, 150):
            rows.append(("srm", f, n, 0.5 + n / 1000 + f / 1000, 0.4, 0.6, 10))
            rows.append(("last_seen", f, n, f / 200 - 1, -1.5, 0.0, 10))  # the same at every train size
    summary = pd.DataFrame(rows, columns=["predictor", "fidelity", "train_size", "mean", "low", "high", "n_seeds"])
    ax = metric_vs_fidelity(summary, "r2", total_epochs=200)
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["srm, 20 train", "srm, 100 train", "last_seen (any train size)"]
    np.testing.assert_allclose(ax.get_lines()[0].get_xdata(), [0.05, 0.25, 0.75])
    assert "200-epoch" in ax.get_xlabel()
    ax = metric_vs_fidelity(summary, "r2")  # curve length unknown: epochs, not a share of the longest prefix
    np.testing.assert_allclose(ax.get_lines()[0].get_xdata(), [10, 50, 150])


def test_anytime_curves_start_where_every_run_has_an_incumbent():
    from suite.report.search_figures import anytime_curves

    curves = pd.DataFrame({"label": ["a"] * 4, "t": [1, 2, 3, 4], "incumbent_test": [50.0, 80.0, 90.0, 93.0],
                           "incumbent_test_ci": [np.nan, 60.0, 1.0, 0.5], "n_runs": [1, 2, 3, 3]})
    ax = anytime_curves(curves, "incumbent_test", "t")
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), [3, 4])
    assert ax.get_ylim()[1] < 100  # the two-run interval (80 ± 60) is not drawn


def test_seg_figure_draws_the_whole_space_method_as_a_reference_and_censored_points_hollow():
    from suite.report.search_figures import seg_vs_subset_size

    seg = pd.DataFrame({
        "label": ["random", "full", "x/u/10", "x/u/100"], "method": ["random", "predictor", "predictor", "predictor"],
        "selector": [np.nan, np.nan, "uniform", "uniform"], "subset_size": [np.nan, np.nan, 10.0, 100.0],
        "target": ["top 1%"] * 4, "seg": [1.0, 2.5, 1.1, 3.0], "seg_low": [0.9, 2.2, 0.9, 2.0],
        "seg_high": [1.2, 3.0, 1.3, 4.0], "censored": [0.0, 0.0, 0.2, 0.0]})
    ax = seg_vs_subset_size(seg, "top 1%")
    by_label = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_allclose(by_label["full (whole space)"].get_ydata(), [2.5, 2.5])
    np.testing.assert_allclose(by_label["random search"].get_ydata(), [1.0, 1.0])
    (uniform,) = [c for c in ax.containers if c.get_label() == "uniform"]
    np.testing.assert_allclose(np.asarray(uniform.lines[0].get_xdata(), dtype=float), [10, 100])  # random and full are not on the x axis
    hollow = [line for line in ax.get_lines() if line.get_markerfacecolor() == "white"]
    assert len(hollow) == 1 and list(hollow[0].get_xdata()) == [10.0]  # only the censored point


def test_naswot_search_table_says_its_repeats_reuse_one_score_per_cell(tmp_path):
    """Issue 20 item 9: our repeats reuse each cell's one score; BayesWatch's search.py re-draws the
    minibatch and the initialisations in every repeat. The search table must say which it used."""
    import shutil
    from pathlib import Path

    run = tmp_path / "naswot-nb201"
    shutil.copytree(Path(__file__).resolve().parents[1] / "results" / "naswot-nb201", run,
                    ignore=shutil.ignore_patterns("report"))
    write_report(run)
    summary = (run / "report" / "summary.md").read_text()
    search = summary[summary.index("## Search"):]
    assert "one fixed minibatch and initialisation per cell" in search
    assert "BayesWatch's search.py re-draws both per repeat" in search
