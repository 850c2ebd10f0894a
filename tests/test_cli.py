"""The CLI as a user meets it: every bad input is one actionable line on stderr, exit status 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from suite.cli import main
from suite.data import registry
from suite.testing.toy import TOY, write_toy_cache


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str, *fragments: str) -> None:
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("nas-suite: error: ")
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def test_unknown_importer_and_missing_source(capsys, tmp_path):
    assert_one_line_error(*run_cli(capsys, "data", "import", "nope", str(tmp_path))[::2], "unknown importer 'nope'", "nb101-tfrecord")
    code, _, err = run_cli(capsys, "data", "import", "nb101-tfrecord", str(tmp_path / "missing.tfrecord"), "--out", str(tmp_path))
    assert_one_line_error(code, err, "source not found", "missing.tfrecord")


def test_unknown_benchmark_and_dataset(capsys):
    assert_one_line_error(*run_cli(capsys, "data", "info", "nb999")[::2], "unknown benchmark 'nb999'")
    assert_one_line_error(*run_cli(capsys, "data", "info", "nb201/svhn")[::2], "no dataset 'svhn'", "cifar100")


def test_missing_cache_says_how_to_import(capsys, tmp_path):
    code, _, err = run_cli(capsys, "--root", str(tmp_path), "data", "info", "nb101")
    assert_one_line_error(code, err, "no nb101/cifar10 cache found", "nas-suite data import")


def test_stale_cache_is_refused_with_rebuild_command(capsys, tmp_path, monkeypatch):
    monkeypatch.setitem(registry.BENCHMARKS, "toy", TOY)
    path = write_toy_cache(tmp_path)
    meta = json.loads((path / "metadata.json").read_text())
    meta["schema_version"] = 99
    (path / "metadata.json").write_text(json.dumps(meta))
    code, _, err = run_cli(capsys, "--root", str(tmp_path), "data", "info", "toy/d1")
    assert_one_line_error(code, err, "stale", "schema version 99", "write_toy_cache()")


def test_info_and_verify_on_a_good_cache(capsys, tmp_path, monkeypatch):
    monkeypatch.setitem(registry.BENCHMARKS, "toy", TOY)
    write_toy_cache(tmp_path)
    code, out, _ = run_cli(capsys, "--root", str(tmp_path), "data", "info", "toy", "d1")
    assert code == 0
    assert "6 architectures" in out and "schedule=4 epochs=1..4 (4) seeds=[0, 1, 2] rows=all" in out
    assert "rows=2 archs" in out  # the partial 'curve' block
    code, out, _ = run_cli(capsys, "--root", str(tmp_path), "data", "verify", "toy/d1")
    assert code == 0 and "match their sha256" in out


def test_console_script_is_installed():
    out = subprocess.run([sys.executable, "-m", "suite.cli", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("nas-suite ")


@pytest.mark.parametrize("argv", [["data"], ["data", "import"]])
def test_usage_errors_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2


def test_wrong_format_archive_is_one_line(capsys, tmp_path):
    bogus = tmp_path / "NATS-tss-v1_0-3ffb9-simple"
    bogus.mkdir()
    (bogus / "meta.pickle.pbz2").write_bytes(b"this is not bz2 data")
    code, _, err = run_cli(capsys, "data", "import", "nb201-nats", str(bogus), "--allow-pickle", "--out", str(tmp_path / "c"))
    assert_one_line_error(code, err, "meta.pickle.pbz2")
    assert not (tmp_path / "c" / "nb201").exists() or not any((tmp_path / "c" / "nb201").iterdir())


def test_pickle_importer_requires_explicit_consent(capsys, tmp_path):
    from suite.testing.nb201 import write_nats_tss_dir

    archive = write_nats_tss_dir(tmp_path / "NATS-tss-v1_0-3ffb9-simple")
    code, _, err = run_cli(capsys, "data", "import", "nb201-nats", str(archive), "--out", str(tmp_path / "c"))
    assert_one_line_error(code, err, "--allow-pickle")


def test_read_only_output_is_one_line(capsys, tmp_path, shared_data):
    import os

    if os.geteuid() == 0:  # root ignores permission bits; sysfs is read-only even for root
        out = "/sys/nas-suite-readonly-test"
    else:
        out = tmp_path / "ro"
        out.mkdir()
        out.chmod(0o500)
    src = shared_data / "nb101" / "ecnas_energy_4V9E.tfrecord"
    code, _, err = run_cli(capsys, "data", "import", "nb101-tfrecord", str(src), "--out", str(out))
    assert_one_line_error(code, err, "cannot write a cache", "--out")


def test_jobs_must_be_positive_and_is_capped_at_the_cores(tmp_path, capsys, monkeypatch):
    """``--jobs 0`` is a one-line error before any work; ``--jobs 1000`` runs on the cores there are."""
    import os

    from suite.cli import main

    monkeypatch.chdir(tmp_path)
    config = str(Path(__file__).resolve().parents[1] / "configs" / "quickstart.toml")
    small = ["--set", "predictors=[ols]", "--set", "seeds=1", "--set", "train_sizes=[20]", "--results", "r"]
    assert main(["run", config, "--jobs", "0", *small]) == 2
    assert capsys.readouterr().err.strip() == "nas-suite: error: --jobs must be at least 1, got 0"
    assert not (tmp_path / "r").exists()
    assert main(["run", config, "--jobs", "1000", *small]) == 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert f"--jobs 1000 exceeds the {cores} available cores" in capsys.readouterr().err
