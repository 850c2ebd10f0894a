"""Quoted-number checker: markers in Markdown must equal the result files they cite.

Every source here is a tiny file written into ``tmp_path``; the expected values are computed by
hand from those files, so each test fails if a lookup, the rounding or the coverage rule breaks.
"""

from __future__ import annotations

import json
import runpy
import sys
from pathlib import Path

import pandas as pd
import pytest

from suite.report.quotes import Problem, check, check_document, markers

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "check_quoted_numbers.py"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository root holding one result file of each supported kind."""
    run = tmp_path / "results" / "run"
    run.mkdir(parents=True)
    pd.DataFrame({"method": ["random", "random", "bo", "bo"], "seed": [0, 1, 0, 1],
                  "test_mean": [93.7349, 93.20, 94.10, 94.30], "frac": [0.9373, 0.9320, 0.941, 0.943],
                  "delta": [-0.25, 0.0004, -0.0004, 1.5], "n": [15625, 15625, 6561, 6561]}
                 ).to_csv(run / "final.csv", index=False)
    pd.DataFrame({"proxy": ["naswot", "synflow"], "tau": [0.741, 0.562]}).to_parquet(run / "corr.parquet")
    (run / "meta.json").write_text(json.dumps({
        "datasets": {"cifar10": {"seconds": {"naswot": {"median": 12.3456}}}},
        "comparison": [{"spearman": 0.81}, {"spearman": -0.4219}], "p": 3e-301, "label": "x"}))
    (run / "table.md").write_text(
        "Intro text.\n\n| predictor | 100 | 1000 |\n|---|---:|---:|\n| **xgb** | 0.401 ± 0.012 | 0.515 ± 0.009 |\n"
        "| gp | 0.3 | 0.42 ± 0.02 |\n\nSecond:\n\n| size | wall time |\n|---|---|\n| big | 7.5 s |\n")
    return tmp_path


def _problems(repo: Path, text: str) -> list[Problem]:
    doc = repo / "doc.md"
    doc.write_text(text, encoding="utf-8")
    return check_document(doc, repo)


CSV = "results/run/final.csv"


@pytest.mark.parametrize("text", [
    f"| random | 93.73<!-- q: {CSV}?method=random&seed=0#test_mean --> |",
    f"rounded to one decimal: 93.7<!-- q: {CSV}?method=random&seed=0#test_mean -->",
    f"as percent **93.7%**<!-- q: {CSV}?method=random&seed=0#frac scale=100 -->",
    f"mean over seeds 94.20<!-- q: {CSV}?method=bo#test_mean agg=mean -->",
    f"std over seeds 0.1414<!-- q: {CSV}?method=bo#test_mean agg=std -->",
    f"rows 4<!-- q: {CSV}#seed agg=count -->",
    f"seeds given as text: 93.73<!-- q: {CSV}?method=random&seed=0.0#test_mean -->",
    f"all 15,625<!-- q: {CSV}?method=random&seed=1#n --> cells",
    f"drop of −0.25<!-- q: {CSV}?method=random&seed=0#delta --> points",
    f"size 0.25<!-- q: {CSV}?method=random&seed=0#delta abs -->",
    f"negative zero -0.000<!-- q: {CSV}?method=bo&seed=0#delta --> equals 0.000<!-- q: {CSV}?method=bo&seed=0#delta -->",
    f"6.0x<!-- q: {CSV}?method=bo&seed=1#delta scale=4 --> faster",
    "**0.741**<!-- q: results/run/corr.parquet?proxy=naswot#tau -->",
    "took 12.35 s<!-- q: results/run/meta.json#datasets.cifar10.seconds.naswot.median -->",
    "rho −0.42<!-- q: results/run/meta.json#comparison.1.spearman -->",
    "p < 1e-300<!-- q: results/run/meta.json#p -->",
    "p = 3.0e-301<!-- q: results/run/meta.json#p -->",
    "0.515<!-- q: results/run/table.md?row=xgb#1000 --> ± 0.009<!-- q: results/run/table.md?row=xgb#1000[1] -->",
    "7.5<!-- q: results/run/table.md?row=big#wall%20time table=1 --> s",
    "```\nexamples are not claims: 1.0<!-- q: nowhere.csv#x -->\n```\n`2<!-- q: nowhere.csv#x -->` neither",
])
def test_correct_quotes_pass(repo: Path, text: str) -> None:
    assert _problems(repo, text + "\n") == []


@pytest.mark.parametrize("text, expected", [
    (f"93.74<!-- q: {CSV}?method=random&seed=0#test_mean -->", "gives 93.73"),
    (f"93.8<!-- q: {CSV}?method=random&seed=0#test_mean -->", "gives 93.7"),
    (f"93.7%<!-- q: {CSV}?method=random&seed=0#frac -->", "gives 0.9"),
    (f"94.30<!-- q: {CSV}?method=bo#test_mean agg=mean -->", "gives 94.20"),
    (f"15,624<!-- q: {CSV}?method=random&seed=1#n -->", "gives 15625"),
    (f"0.25<!-- q: {CSV}?method=random&seed=0#delta -->", "gives -0.25"),
    ("**0.742**<!-- q: results/run/corr.parquet?proxy=naswot#tau -->", "gives 0.741"),
    ("-0.43<!-- q: results/run/meta.json#comparison.1.spearman -->", "gives -0.42"),
    ("p = 3.1e-301<!-- q: results/run/meta.json#p -->", "gives 3.0e-301"),  # off by one unit of the last digit
    ("p < 1e-302<!-- q: results/run/meta.json#p -->", "above the bound"),
    ("0.008<!-- q: results/run/table.md?row=xgb#1000[1] -->", "gives 0.009"),
])
def test_stale_quote_names_the_expected_value_and_source(repo: Path, text: str, expected: str) -> None:
    [problem] = _problems(repo, "intro\n" + text + "\n")
    assert problem.line == 2 and problem.path == "doc.md"
    assert "stale number" in problem.message and expected in problem.message
    assert text.split("q: ")[1].split()[0] in problem.message  # names the source
    assert str(problem).startswith("doc.md:2: ")


@pytest.mark.parametrize("text, fragment", [
    (f"93.2<!-- q: {CSV}?method=random#test_mean -->", "2 rows match method=random"),
    (f"93.2<!-- q: {CSV}?method=nope#test_mean -->", "0 rows match"),
    (f"93.2<!-- q: {CSV}?method=nope#test_mean agg=mean -->", "no row matches"),
    (f"93.2<!-- q: {CSV}?method=random&seed=0#missing -->", "no column 'missing'"),
    (f"93.2<!-- q: {CSV}?algo=random#test_mean -->", "no column 'algo' to filter on"),
    ("1.0<!-- q: results/run/absent.csv#x -->", "absent.csv does not exist"),
    ("1.0<!-- q: results/run/meta.json#datasets.cifar100 -->", "no key 'cifar100' under datasets"),
    ("1.0<!-- q: results/run/meta.json#comparison.2.spearman -->", "list of 2; '2' is not an index"),
    ("1.0<!-- q: results/run/meta.json#label -->", "not a number"),
    ("1.0<!-- q: results/run/table.md?row=xgb#10000 -->", "no column '10000'"),
    ("1.0<!-- q: results/run/table.md?row=gp#100[1] -->", "holds 1 number(s); there is no [1]"),
    ("1.0<!-- q: results/run/table.md?row=xgb#100 table=5 -->", "no table=5"),
    ("1.0<!-- q: results/run/out.txt#x -->", "unsupported source type"),
    ("1.0<!-- q: ../secret.csv#x -->", "inside the repository"),
    ("1.0<!-- q: results/run/meta.json#p agg=mean -->", "agg= applies to .csv/.parquet"),
    ("no number here<!-- q: results/run/meta.json#p -->", "no number right before the marker"),
    ("1.0 ms<!-- q: results/run/meta.json#p -->", "no number right before the marker"),
    ("1.0<!-- q: results/run/meta.json#p scale=ten -->", "bad option 'scale=ten'"),
    ("1.0<!-- q: -->", "empty marker"),
    ("1.0<!-- q: results/run/meta.json#p", "unclosed marker"),
])
def test_unverifiable_quotes_are_problems_not_exceptions(repo: Path, text: str, fragment: str) -> None:
    [problem] = _problems(repo, text + "\n")
    assert fragment in problem.message


def test_unreadable_source_and_missing_document_are_problems(repo: Path) -> None:
    (repo / "bad.parquet").write_text("not parquet")
    [problem] = _problems(repo, "1.0<!-- q: bad.parquet#x -->\n")
    assert "cannot read bad.parquet" in problem.message
    [missing] = check_document(repo / "nope.md", repo)
    assert missing.line == 0 and "cannot read the document" in missing.message


def test_markers_lists_each_quote_with_its_number_and_options(repo: Path) -> None:
    doc = repo / "doc.md"
    doc.write_text(f"a\n| x | 93.73<!-- q: {CSV}?method=random#test_mean agg=max --> ± 0.36<!-- q: {CSV}#frac abs --> |\n")
    first, second = markers(doc)
    assert (first.line, first.text, first.source, first.options) == (2, "93.73", f"{CSV}?method=random#test_mean",
                                                                     {"agg": "max"})
    assert (second.text, second.options) == ("0.36", {"abs": ""})


COVERAGE = """\
| method | ours | published |
|---|---|---|
| random | 93.73<!-- q: results/run/final.csv?method=random&seed=0#test_mean --> | 93.70 |
| bo | **94.10** | 94.00 |
"""


def test_checked_region_requires_markers_in_our_columns_only(repo: Path) -> None:
    [problem] = _problems(repo, "<!-- numbers: checked -->\n" + COVERAGE + "<!-- /numbers -->\n")
    assert problem.line == 5 and "unmarked number 94.10 in column 'ours'" in problem.message
    assert _problems(repo, COVERAGE) == []  # outside a region only present markers are checked
    text = "<!-- numbers: checked -->\n| x | **Measured** time |\n|---|---|\n| a | 1.5 s ± 2 |\n<!-- /numbers -->\n"
    assert [p.message.split(" in ")[0] for p in _problems(repo, text)] == ["unmarked number 1.5", "unmarked number 2"]


def test_unclosed_region_is_reported(repo: Path) -> None:
    [problem] = _problems(repo, "<!-- numbers: checked -->\ntext\n")
    assert problem.line == 1 and "never closed" in problem.message


def test_check_counts_numbers_and_documents(repo: Path) -> None:
    (repo / "a.md").write_text(f"93.73<!-- q: {CSV}?method=random&seed=0#test_mean --> and 9<!-- q: {CSV}#n agg=max -->\n")
    (repo / "b.md").write_text("no quotes\n")
    result = check([repo / "a.md", repo / "b.md"], repo)
    assert (result.numbers, result.documents) == (2, 2)
    assert [p.message.split(" but ")[1].split(" gives ")[1][:5] for p in result.problems] == ["15625"]


def _run_script(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", [str(SCRIPT), *args])
    with pytest.raises(SystemExit) as exit_:
        runpy.run_path(str(SCRIPT), run_name="__main__")
    return exit_.value.code, capsys.readouterr().out


def test_script_exit_code(repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "docs").mkdir()
    (repo / "README.md").write_text(f"93.73<!-- q: {CSV}?method=random&seed=0#test_mean -->\n")
    (repo / "docs" / "guide.md").write_text("0.741<!-- q: results/run/corr.parquet?proxy=naswot#tau -->\n")
    code, out = _run_script(monkeypatch, capsys, "--root", str(repo))
    assert (code, out) == (0, "checked 2 numbers in 2 documents\n")
    (repo / "docs" / "guide.md").write_text("0.740<!-- q: results/run/corr.parquet?proxy=naswot#tau -->\n")
    code, out = _run_script(monkeypatch, capsys, "--root", str(repo))
    assert code == 1 and out.startswith("docs/guide.md:1: stale number") and out.endswith("checked 2 numbers in 2 documents\n")
    code, out = _run_script(monkeypatch, capsys, "--root", str(repo), str(repo / "README.md"))
    assert (code, out) == (0, "checked 1 numbers in 1 documents\n")


def test_script_checks_pages_in_subfolders_of_docs(repo: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """The documentation site publishes docs/guides/ and the like: their numbers are checked too."""
    (repo / "docs" / "guides").mkdir(parents=True)
    (repo / "docs" / "guides" / "deep.md").write_text("0.742<!-- q: results/run/corr.parquet?proxy=naswot#tau -->\n")
    code, out = _run_script(monkeypatch, capsys, "--root", str(repo))
    assert code == 1 and out.startswith("docs/guides/deep.md:1: stale number") and out.endswith("checked 1 numbers in 1 documents\n")
