"""The committed reproduction results: provenance, exact re-runs, and the numbers quoted from them."""

from __future__ import annotations

import json
import sys

from suite.cli import main
from suite.experiment.files import command_line


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
