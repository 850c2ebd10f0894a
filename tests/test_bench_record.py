"""Benchmark result files say what machine their numbers come from (``benchmarks/bench_record.py``).

The performance page quotes timings from ``benchmarks/results/bench_*.json``; a timing without
its machine is not a claim anyone can check, so every such file must carry the machine block.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BENCHMARKS = REPO / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import bench_record  # noqa: E402

MACHINE_KEYS = {"cpu", "cores", "usable_cores", "memory_gib", "python", "load_average_start", "load_average_end"}


def test_recorder_writes_measurements_with_the_machine_and_the_command(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(sys, "argv", ["bench_x.py", "--repeats", "2"])
    rec = bench_record.Recorder(BENCHMARKS / "bench_x.py", {"repeats": 2, "out": tmp_path / "x.json"})
    out = rec.write(tmp_path / "sub" / "x.json", {"load_ms": 1.5, "nan": math.nan, "nested": {"inf": math.inf}})
    data = json.loads(out.read_text())
    assert data["script"] == "benchmarks/bench_x.py"
    assert data["command"] == "python benchmarks/bench_x.py --repeats 2"
    assert data["params"] == {"repeats": 2}  # the output path is not a parameter of the measurement
    assert MACHINE_KEYS <= set(data["machine"])
    assert data["machine"]["cores"] >= 1
    assert data["measurements"] == {"load_ms": 1.5, "nan": None, "nested": {"inf": None}}
    assert not list(out.parent.glob("*.tmp"))


def test_numpy_scalars_become_plain_numbers(tmp_path: Path) -> None:
    np = pytest.importorskip("numpy")
    rec = bench_record.Recorder(BENCHMARKS / "bench_x.py", {})
    out = rec.write(tmp_path / "x.json", {"a": np.float32(0.5), "b": [np.int64(3)]})
    assert json.loads(out.read_text())["measurements"] == {"a": 0.5, "b": [3]}


@pytest.mark.parametrize("path", sorted((BENCHMARKS / "results").glob("bench_*.json")), ids=lambda p: p.name)
def test_committed_benchmark_results_name_their_machine_and_date(path: Path) -> None:
    data = json.loads(path.read_text())
    assert MACHINE_KEYS <= set(data["machine"]), f"{path.name}: write it with bench_record.Recorder"
    assert data["date"] and data["command"].startswith("python benchmarks/")
