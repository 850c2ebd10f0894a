"""The resumable-execution module and the run-kind table every kind goes through."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from suite.errors import InvalidSpec, NasSuiteError
from suite.experiment import KINDS, RunResult, kind, load_spec, report_run
from suite.experiment.execution import CONFIG, Journal, execute_resumable, pin_config

REPO = Path(__file__).resolve().parents[1]


def _square(key: str, x: float) -> dict:
    return {"key": key, "x": x, "y": x * x}


def test_journal_round_trip_drops_a_cut_last_line(tmp_path):
    path = tmp_path / "j.jsonl"
    with Journal(path) as journal:
        stored = journal.append({"key": "a", "v": 0.1, "nan": float("nan")})
        journal.append({"key": "b", "v": [1, 2]})
    assert stored["v"] == 0.1 and stored["nan"] != stored["nan"]  # what a resume reads back
    with open(path, "a") as fh:
        fh.write('{"key": "c", "v"')  # a kill mid-line
    done = Journal(path).read()
    assert list(done) == ["a", "b"]
    assert path.read_bytes().endswith(b"\n")  # the cut line is truncated away


def test_a_damaged_journal_line_is_a_one_line_error(tmp_path):
    path = tmp_path / "j.jsonl"
    path.write_text('{"key": "a"}\nnot json\n')
    with pytest.raises(NasSuiteError, match="line 2 is damaged") as err:
        Journal(path).read()
    assert "\n" not in str(err.value)


def test_config_pinning_refuses_another_config(tmp_path):
    pin_config(tmp_path, "a = 1\n")
    pin_config(tmp_path, "a = 1\n")
    with pytest.raises(InvalidSpec, match="different spec"):
        pin_config(tmp_path, "a = 2\n")
    assert (tmp_path / CONFIG).read_text() == "a = 1\n"


def test_execute_resumable_runs_only_missing_tasks_in_any_order(tmp_path):
    tasks = [(f"t{i}", (f"t{i}", float(i))) for i in range(6)]
    first = execute_resumable(tmp_path / "run", "c = 1\n", "j.jsonl", tasks, _square, limit=2)
    assert (first.n_run, first.complete) == (2, False)
    rest = execute_resumable(tmp_path / "run", "c = 1\n", "j.jsonl", tasks, _square, jobs=2)
    assert (rest.n_run, rest.complete, rest.n_tasks) == (4, True, 6)
    assert [e["y"] for e in rest.entries()] == [float(i * i) for i in range(6)]  # task order, not finishing order
    again = execute_resumable(tmp_path / "run", "c = 1\n", "j.jsonl", tasks, _square)
    assert again.n_run == 0 and again.entries() == rest.entries()
    with pytest.raises(InvalidSpec):
        execute_resumable(tmp_path / "run", "c = 2\n", "j.jsonl", tasks, _square)


def test_every_shipped_config_parses_through_its_registered_kind():
    seen = set()
    from suite.extras import MissingExtra

    for config in sorted((REPO / "configs").glob("*.toml")):
        try:
            spec = load_spec(config)
        except InvalidSpec as err:  # a config whose searcher needs an extra this environment lacks
            if "extra" in str(err) and "pip install" in str(err):
                continue
            raise
        except MissingExtra:
            continue
        assert spec.kind in KINDS, config.name
        assert isinstance(spec, kind(spec.kind).spec_type)
        seen.add(spec.kind)
    assert seen == set(KINDS)  # every kind has a shipped config


def test_unknown_kind_is_a_one_line_error(tmp_path):
    path = tmp_path / "x.toml"
    path.write_text('kind = "bohb"\nbenchmark = "nb201"\n')
    with pytest.raises(InvalidSpec, match=r"x.toml: kind must be one of 'predictors'") as err:
        load_spec(path)
    assert "\n" not in str(err.value)


def test_every_kind_returns_a_run_result_and_records_its_kind(tmp_path):
    from suite.experiment import run_spec

    result = run_spec(load_spec(REPO / "configs" / "budget-correlation.toml"), tmp_path)
    assert isinstance(result, RunResult) and result.kind == "budget_correlation" and result.complete
    meta = json.loads((result.directory / "meta.json").read_text())
    assert meta["kind"] == "budget_correlation"
    written = report_run(result.directory)
    assert any(p.endswith(".md") for p in written)


def test_report_dispatches_on_the_recorded_kind_only(tmp_path):
    run_dir = tmp_path / "r"
    run_dir.mkdir()
    with pytest.raises(NasSuiteError, match="has no meta.json"):
        report_run(run_dir)
    (run_dir / "meta.json").write_text(json.dumps({"name": "r"}))
    with pytest.raises(NasSuiteError, match="records no run kind"):
        report_run(run_dir)
    (run_dir / "meta.json").write_text(json.dumps({"name": "r", "kind": "nope"}))
    with pytest.raises(InvalidSpec, match="kind must be one of"):
        report_run(run_dir)


def test_committed_runs_record_their_kind():
    for meta_path in sorted((REPO / "results").glob("*/meta.json")):
        meta = json.loads(meta_path.read_text())
        assert meta.get("kind") in KINDS, meta_path


def test_a_fifo_in_place_of_a_journal_or_config_is_refused_not_a_hang(tmp_path):
    import os

    run = tmp_path / "run"
    run.mkdir()
    os.mkfifo(run / "j.jsonl")
    with pytest.raises(NasSuiteError, match="not a regular file"):
        Journal(run / "j.jsonl").read()
    os.mkfifo(run / CONFIG)
    with pytest.raises(NasSuiteError, match="not a regular file"):
        pin_config(run, "a = 1\n")
    os.mkfifo(tmp_path / "spec.toml")
    with pytest.raises(InvalidSpec):
        load_spec(tmp_path / "spec.toml")


def test_report_on_a_records_table_of_another_shape_is_one_line(tmp_path):
    import pandas as pd

    (tmp_path / "meta.json").write_text(json.dumps({"name": "r", "kind": "predictors"}))
    pd.DataFrame({"x": [1.0]}).to_parquet(tmp_path / "records.parquet")
    with pytest.raises(NasSuiteError, match="lacks the column") as err:
        report_run(tmp_path)
    assert "\n" not in str(err.value)


def test_a_journal_entry_missing_a_field_is_a_damaged_line(tmp_path):
    path = tmp_path / "j.jsonl"
    path.write_text('{"key": "a", "y": 1}\n{"key": "b"}\n')
    assert list(Journal(path).read()) == ["a", "b"]
    with pytest.raises(NasSuiteError, match="line 2 is damaged"):
        Journal(path, required=("y",)).read()
