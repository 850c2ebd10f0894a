"""Figure API contract (issue item 4): backend untouched, Axes returned, rcParams respected,
stable colours by name, no silently hidden points, no colliding tick labels, report CLI options."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes

from suite.cli import main
from suite.report import paper_style, write_report
from suite.report.colours import FIXED, colour_of, style_of
from suite.report.compare import TooFewPairs
from suite.report.figures import budget_heatmap, correlation_vs_train_size, metric_vs_fidelity, predicted_vs_true
from suite.report.proxy_figures import score_scatter
from suite.report.search_figures import anytime_curves, queries_to_target_bars, seg_vs_subset_size
from suite.verify.report import scatter as verify_scatter

#: a notebook's backend when matplotlib-inline is installed (ipykernel brings it), else a non-Agg one
INLINE = ("module://matplotlib_inline.backend_inline" if importlib.util.find_spec("matplotlib_inline") else "pdf")


@pytest.fixture
def foreign_backend():
    """Switch to a backend the figure code must not touch; restore the previous one afterwards."""
    import matplotlib.pyplot as plt

    before = matplotlib.get_backend()
    plt.close("all")
    plt.switch_backend(INLINE)
    yield INLINE
    plt.close("all")
    plt.switch_backend(before)


def _summary(predictors=("rf", "xgb"), sizes=(5, 8, 14, 24, 42, 71, 121, 205, 347, 589, 1000)) -> pd.DataFrame:
    rows = [(p, 0, n, 0.1 * i + np.log(n) / 10, 0.1 * i + np.log(n) / 10 - 0.02, 0.1 * i + np.log(n) / 10 + 0.02, 5)
            for i, p in enumerate(predictors) for n in sizes]
    return pd.DataFrame(rows, columns=["predictor", "fidelity", "train_size", "mean", "low", "high", "n_seeds"])


def _fidelity_summary() -> pd.DataFrame:
    rows = []
    for n in (20, 100):
        for f in (10, 20, 50, 100, 150):
            rows.append(("srm", f, n, 0.55 + n / 400 + f / 2000, 0.5, 0.99, 10))
            rows.append(("last_seen", f, n, {10: -2.84, 20: -1.5, 50: -0.63, 100: 0.10, 150: 0.75}[f], -4.1, 0.83, 10))
    return pd.DataFrame(rows, columns=["predictor", "fidelity", "train_size", "mean", "low", "high", "n_seeds"])


def _scores(n: int = 400, n_low: int = 20) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    acc = np.concatenate([rng.normal(85, 3, n - n_low), rng.uniform(9.5, 10.5, n_low)])
    return pd.DataFrame({"dataset": "cifar10", "valid_acc": acc, "naswot": acc * 10 + rng.normal(0, 20, n)})


def _seg() -> pd.DataFrame:
    return pd.DataFrame({
        "label": ["random", "full", "x/u/10", "x/u/100"], "method": ["random", "predictor", "predictor", "predictor"],
        "selector": [np.nan, np.nan, "uniform", "uniform"], "subset_size": [np.nan, np.nan, 10.0, 100.0],
        "target": ["top 1%"] * 4, "seg": [1.0, 2.5, 1.1, 3.0], "seg_low": [0.9, 2.2, 0.9, 2.0],
        "seg_high": [1.2, 3.0, 1.3, 4.0], "censored": [0.0, 0.0, 0.2, 0.0], "mean_queries": [100.0, 40, 90, 33],
        "ci_low": [80.0, 30, 70, 25], "ci_high": [120.0, 50, 110, 40], "expected_random": [100.0] * 4})


def _curves() -> pd.DataFrame:
    t = np.arange(1, 11)
    return pd.concat([pd.DataFrame({"label": lab, "t": t, "incumbent_test": 90 + k + np.log(t), "incumbent_test_ci": 0.5,
                                    "n_runs": 5}) for k, lab in enumerate(["REA", "xgb/uniform", "random"])])


#: every public figure function of the package, called on small valid data (ax=None or an Axes)
FIGURES = {
    "correlation_vs_train_size": lambda ax: correlation_vs_train_size(_summary(), "kendall", ax=ax),
    "metric_vs_fidelity": lambda ax: metric_vs_fidelity(_fidelity_summary(), "r2", total_epochs=200, ax=ax),
    "predicted_vs_true": lambda ax: predicted_vs_true(pd.DataFrame({"predictor": "xgb", "y_true": [1.0, 2, 3],
                                                                    "y_pred": [1.1, 1.9, 3.2]}), ax=ax, title="t"),
    "budget_heatmap": lambda ax: budget_heatmap(pd.DataFrame([[1.0, 0.5], [0.5, 1.0]], index=[12, 200], columns=[12, 200]),
                                                ax=ax),
    "queries_to_target_bars": lambda ax: queries_to_target_bars(_seg(), ax=ax),
    "anytime_curves": lambda ax: anytime_curves(_curves(), "incumbent_test", "t", ax=ax),
    "seg_vs_subset_size": lambda ax: seg_vs_subset_size(_seg(), "top 1%", ax=ax),
    "score_scatter": lambda ax: score_scatter(_scores(), "naswot", "valid_acc", {"cifar10": 0.6}, ax=ax),
    "verify_scatter": lambda ax: verify_scatter(pd.DataFrame({"table_acc": [90.0, 91, 92], "retrained_acc": [89.0, 91.5, 92]}),
                                                ax=ax, title="t"),
}


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_figure_keeps_the_backend_returns_axes_and_respects_rcparams(name, foreign_backend):
    import matplotlib.pyplot as plt

    ax = FIGURES[name](None)
    assert isinstance(ax, Axes), f"{name} returned {type(ax).__name__}"
    assert matplotlib.get_backend() == foreign_backend  # a notebook keeps its inline backend
    assert ax.figure in [plt.figure(n) for n in plt.get_fignums()]  # ax=None: a pyplot figure, shown inline

    with matplotlib.rc_context({"font.size": 13.0}):  # the user's fonts, on an Axes the user made
        fig, mine = plt.subplots()
        assert FIGURES[name](mine) is mine
        fig.draw_without_rendering()
    assert mine.xaxis.label.get_size() == 13.0 and mine.yaxis.label.get_size() == 13.0
    sizes = {t.get_size() for t in mine.get_xticklabels() + mine.get_yticklabels() if t.get_text()}
    assert sizes == {13.0}, sizes
    legend = mine.get_legend()
    if legend is not None:
        assert {t.get_size() for t in legend.get_texts()} == {13.0}
    assert matplotlib.get_backend() == foreign_backend


def test_paper_style_is_opt_in():
    with paper_style():
        ax = correlation_vs_train_size(_summary(), "kendall")
        ax.figure.draw_without_rendering()
        assert ax.xaxis.label.get_size() == 8.0 and tuple(ax.figure.get_size_inches()) == (3.5, 2.6)
    ax = correlation_vs_train_size(_summary(), "kendall")
    assert ax.xaxis.label.get_size() == matplotlib.rcParams["font.size"]


def _line_colours(ax: Axes) -> dict[str, str]:
    return {line.get_label(): matplotlib.colors.to_hex(line.get_color()) for line in ax.get_lines()}


def test_colour_and_marker_follow_the_name_not_the_position():
    few = _line_colours(correlation_vs_train_size(_summary(("xgb", "rf")), "kendall"))
    many = _line_colours(correlation_vs_train_size(_summary(("ols", "ridge", "lgb", "my_own", "xgb")), "kendall"))
    assert few["xgb"] == many["xgb"] == colour_of("xgb").lower()
    assert style_of("XGB") == style_of("xgb") and style_of("my_own") == style_of("my_own")
    # the registered predictors, searchers, selectors and methods: distinct (colour, marker) pairs
    assert len(set(FIXED.values())) == len(FIXED) >= 45
    curves = _line_colours(anytime_curves(_curves(), "incumbent_test", "t"))
    assert curves["REA"] == colour_of("rea").lower() and curves["random"] == colour_of("random").lower()


def test_repeated_names_differ_by_line_style():
    ax = metric_vs_fidelity(_fidelity_summary(), "r2", total_epochs=200)
    srm = [line for line in ax.get_lines() if line.get_label().startswith("srm")]
    assert len(srm) == 2 and srm[0].get_color() == srm[1].get_color()
    assert srm[0].get_linestyle() != srm[1].get_linestyle()


def test_naswot_scatter_shows_every_point_and_says_which_are_at_the_edge():
    scores = _scores(400, 20)
    ax = score_scatter(scores, "naswot", "valid_acc", {"cifar10": 0.6})
    points = np.concatenate([c.get_offsets() for c in ax.collections])
    assert len(points) == 400
    lo, hi = ax.get_xlim()
    assert ((points[:, 0] >= lo) & (points[:, 0] <= hi)).all()  # none outside the view
    note = " ".join(t.get_text() for t in ax.texts)
    assert "20 cells" in note and "left edge" in note
    with pytest.raises(ValueError, match="pass dataset="):
        score_scatter(pd.concat([scores, scores.assign(dataset="cifar100")]), "naswot", "valid_acc")


def test_fidelity_figure_keeps_a_sensible_range_and_marks_what_is_below():
    ax = metric_vs_fidelity(_fidelity_summary(), "r2", total_epochs=200)
    bottom, top = ax.get_ylim()
    assert bottom == -1.0 and top < 1.2  # last_seen's -2.84 no longer sets the range
    marks = [c for c in ax.collections if len(c.get_offsets()) and c.get_paths()]
    below = [o for c in marks for o in np.asarray(c.get_offsets()) if np.isclose(o[1], -1.0)]
    assert len(below) == 2  # 10 and 20 epochs of last_seen, drawn on the bottom edge
    texts = {t.get_text() for t in ax.texts}
    assert {"-2.84", "-1.50"} <= texts
    assert any("below -1" in t.get_text() for t in ax.get_legend().get_texts())
    assert [line.get_label() for line in ax.get_lines()] == ["srm, 20 train", "srm, 100 train", "last_seen (any train size)"]
    # nothing below the floor: the axis is the data's own
    plain = metric_vs_fidelity(_fidelity_summary().query("predictor == 'srm'"), "r2", total_epochs=200)
    assert plain.get_ylim()[0] > 0


def _overlaps(labels) -> list[tuple[str, str]]:
    boxes = sorted(((t.get_window_extent(), t.get_text()) for t in labels if t.get_visible() and t.get_text()),
                   key=lambda b: b[0].x0)
    return [(a[1], b[1]) for a, b in zip(boxes, boxes[1:]) if a[0].x1 > b[0].x0]


@pytest.mark.parametrize("styled", [False, True])
def test_two_panel_figure_has_no_colliding_tick_labels(styled):
    from matplotlib.figure import Figure

    with (paper_style() if styled else matplotlib.rc_context({})):
        fig = Figure(figsize=(7, 2.8), layout="constrained")
        left, right = fig.subplots(1, 2)
        correlation_vs_train_size(_summary(("ols", "ridge", "rf", "nusvr", "xgb", "lgb")), "kendall", ax=left)
        metric_vs_fidelity(_fidelity_summary(), "r2", total_epochs=200, ax=right)
        fig.draw_without_rendering()
        for ax in (left, right):
            assert not _overlaps(ax.get_xticklabels()), _overlaps(ax.get_xticklabels())
        assert len([t for t in left.get_xticklabels() if t.get_text()]) >= 3  # thinned, not emptied


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    cfg = root / "tiny.toml"
    cfg.write_text('name = "tiny"\nbenchmark = "nb201"\npredictors = ["ols", "ridge", "rf"]\n'
                   'train_sizes = [10, 40]\ntest_size = 60\nseeds = 3\nmetrics = ["kendall", "spearman"]\n')
    assert main(["run", str(cfg), "--results", str(root / "r")]) == 0
    return root / "r" / "tiny"


def test_report_cli_options_select_predictors_metrics_formats_and_style(tiny_run, capsys, foreign_backend):
    import matplotlib.pyplot as plt

    with pytest.warns(TooFewPairs):  # 3 seeds: too few for any test
        assert main(["report", str(tiny_run), "--predictors", "ols,rf", "--metrics", "kendall", "--formats", "svg",
                     "--style", "default"]) == 0
    written = {Path(p).name for p in capsys.readouterr().out.split()}
    assert {"summary_kendall.md", "kendall_vs_train_size.svg", "predicted_vs_true_rf.svg"} <= written
    assert not any(n.endswith((".png", ".pdf")) for n in written)
    assert not any("spearman" in n or "ridge" in n for n in written)
    assert "ridge" not in (tiny_run / "report" / "summary_kendall.md").read_text()
    assert matplotlib.get_backend() == foreign_backend and plt.get_fignums() == []  # nothing left in pyplot
    for argv, message in ((["--predictors", "nope"], "no predictor named 'nope'"),
                          (["--metrics", "r2"], "no metric 'r2'"),
                          (["--formats", "png,gif"], "figure formats must be some of png, pdf, svg")):
        assert main(["report", str(tiny_run), *argv]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and message in err[0], err


def test_write_report_paper_style_writes_each_format(tiny_run):
    with pytest.warns(TooFewPairs):
        written = write_report(tiny_run, names=["rf", "ridge"], formats=["png"], style="paper")
    figures = [p for p in written if p.endswith((".png", ".pdf", ".svg"))]
    assert figures and all(p.endswith(".png") for p in figures)


def test_methods_option_selects_search_labels_and_metrics_is_refused_for_searches(tmp_path):
    import shutil

    from suite.errors import InvalidArgument

    run = tmp_path / "anytime-nb201"
    shutil.copytree(Path(__file__).resolve().parents[1] / "results" / "anytime-nb201", run,
                    ignore=shutil.ignore_patterns("report"))
    written = write_report(run, names=["REA", "random"], formats=["svg"], style="default")
    final = (run / "report" / "final.md").read_text()
    assert "| REA |" in final and "| random |" in final and "xgb/" not in final
    assert all(not p.endswith((".png", ".pdf")) for p in written)
    with pytest.raises(InvalidArgument, match="--metrics does not apply to a search run"):
        write_report(run, metrics=["kendall"])
