"""The committed reproduction results: provenance, exact re-runs, and the numbers quoted from them."""

from __future__ import annotations

import json
import runpy
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from suite.cli import main, shipped_config
from suite.experiment.files import command_line
from suite.report.quotes import check
from suite.testing.reproducibility import assert_reproduces, reproduction_differences


def test_command_line_is_what_a_user_would_retype(monkeypatch):
    monkeypatch.setattr(sys, "argv", ["/venv/bin/nas-suite", "reproduce", "naslib-nb201", "--set", "predictors=[ols, rf]"])
    assert command_line() == "nas-suite reproduce naslib-nb201 --set 'predictors=[ols, rf]'"
    monkeypatch.setattr(sys, "argv", ["/src/suite/__main__.py", "run", "configs/x.toml"])
    assert command_line() == "python -m suite run configs/x.toml"


def test_run_meta_records_the_command_versions_and_data_checksums(tmp_path, monkeypatch):
    argv = ["nas-suite", "reproduce", "budget-correlation", "--results", str(tmp_path)]
    monkeypatch.setattr(sys, "argv", argv)
    assert main(argv[1:]) == 0
    meta = json.loads((tmp_path / "budget-correlation" / "meta.json").read_text())
    assert meta["command"] == f"nas-suite reproduce budget-correlation --results {tmp_path}"
    assert meta["packages"]["numpy"] and meta["python"].count(".") == 2
    assert meta["git_dirty"] in (True, False, None)
    sources = {s["file"]: s["sha256"] for s in meta["data"]["sources"]}
    assert sources["nats_test_acc_200ep.csv"] == "cb5d777ec3368be83c8f9b3aa4d520696051cb0eb8d94b8f85b519f9ea4afa3e"


# -- the committed results under results/ -----------------------------------------------------

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "results"
#: what the issue allows under results/ (plus the run's own meta/config files)
SMALL_FILE_SUFFIXES = {".parquet", ".csv", ".md", ".tex", ".png", ".pdf", ".json", ".toml"}


def _tracked_results() -> list[Path]:
    try:
        out = subprocess.run(["git", "ls-files", "results"], cwd=REPO, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [REPO / line for line in out.stdout.splitlines() if line]


def _committed_runs() -> list[str]:
    return sorted({p.relative_to(RESULTS).parts[0] for p in _tracked_results() if p.name == "meta.json"})


def _provenance_blocks(meta: object) -> list[dict]:
    """Every dict of a meta.json that records a command (proxy runs nest one per dataset)."""
    if isinstance(meta, dict):
        own = [meta] if "command" in meta else []
        return own + [b for v in meta.values() for b in _provenance_blocks(v)]
    if isinstance(meta, list):
        return [b for v in meta for b in _provenance_blocks(v)]
    return []


def test_committed_results_are_small_files_of_the_allowed_kinds():
    for path in _tracked_results():
        if path.name == "README.md" and path.parent == RESULTS:
            continue
        assert path.suffix in SMALL_FILE_SUFFIXES, f"{path.relative_to(REPO)}: not a result file kind we commit"
        limit = 1_000_000 if path.suffix in {".png", ".pdf"} else 5_000_000
        assert path.stat().st_size < limit, f"{path.relative_to(REPO)} is {path.stat().st_size} bytes"


@pytest.mark.parametrize("name", _committed_runs() if (REPO / ".git").exists() else [])
def test_each_committed_run_records_a_clean_command_versions_and_checksums(name):
    shipped_config(name)  # a committed run belongs to a shipped config
    meta = json.loads((RESULTS / name / "meta.json").read_text())
    blocks = _provenance_blocks(meta)
    assert blocks, f"results/{name}/meta.json records no command"
    for block in blocks:
        assert block["command"].split()[:3] == ["nas-suite", "reproduce", name]
        assert "--set" not in block["command"] and "seeds=" not in block["command"], "a committed run is the full config"
        assert block["git_dirty"] is False
        assert len(block["git_commit"]) == 40
        assert block["packages"]["numpy"]
        sources = block["data"]["sources"]
        assert sources and all(len(s["sha256"]) == 64 for s in sources)
    assert (RESULTS / name / "config.toml").is_file()
    assert any((RESULTS / name / "report").iterdir())


def test_quickstart_rerun_reproduces_the_committed_records_within_the_cross_machine_tolerance(tmp_path):
    """On any machine: exact keys, floats to relative 1e-9 (see suite.testing.reproducibility)."""
    if "quickstart" not in _committed_runs():
        pytest.skip("quickstart results are not committed in this checkout")
    assert main(["reproduce", "quickstart", "--no-report", "--jobs", "2", "--results", str(tmp_path)]) == 0
    for table in ("records", "predictions"):
        committed = pd.read_parquet(RESULTS / "quickstart" / f"{table}.parquet")
        rerun = pd.read_parquet(tmp_path / "quickstart" / f"{table}.parquet")
        assert_reproduces(rerun, committed)


def test_reproduction_tolerance_accepts_last_digit_noise_and_nothing_more():
    reference = pd.DataFrame({"predictor": ["ols", "ols", "rf"], "seed": [0, 0, 1],
                              "metric": ["r2", "kendall", "mae"], "value": [-25.33111913097491, 0.25, 0.0]})
    noisy = reference.copy()
    noisy["value"] = [-25.331119130974866, 0.25, 1e-13]  # the cross-machine difference seen on R^2
    assert reproduction_differences(noisy, reference) == []
    shifted = reference.copy()
    shifted.loc[0, "value"] = -25.3311191  # relative 5e-9: beyond 1e-9
    assert [p.split(":")[0] for p in reproduction_differences(shifted, reference)] == ["row 0, value"]
    rank = reference.copy()
    rank.loc[1, "value"] = 0.25 + 1e-10  # a rank metric moves only on ties: held to 1e-12 absolute
    assert reproduction_differences(rank, reference) == ["row 1, value: 0.2500000001 vs reference 0.25"]
    keys = reference.copy()
    keys.loc[2, "seed"] = 2
    assert reproduction_differences(keys, reference) == ["row 2, seed: 2 vs reference 1"]
    with pytest.raises(AssertionError, match="beyond tolerance"):
        assert_reproduces(shifted, reference)


def test_every_number_quoted_in_readme_and_docs_matches_the_committed_results():
    """The documents the checker script defaults to: README.md and every docs/**/*.md (guides too)."""
    default_documents = runpy.run_path(str(REPO / "scripts" / "check_quoted_numbers.py"))["default_documents"]
    docs = default_documents(REPO)
    assert REPO / "docs" / "guides" / "reproduce-a-table.md" in docs
    result = check(docs, REPO)
    assert not result.problems, "\n".join(str(p) for p in result.problems)
    assert result.numbers >= 400  # the README's and the report's result tables are all marked


def test_the_report_accounts_for_every_shipped_config():
    """Each full config is either committed under results/ or named in docs/reproduction.md."""
    report = (REPO / "docs" / "reproduction.md").read_text()
    committed = set(_committed_runs())
    for config in sorted((REPO / "configs").glob("*.toml")):
        name = config.stem
        if name.endswith("-quick"):
            continue
        assert name in committed or f"`{name}`" in report, f"config {name}: no committed results and not in the report"
