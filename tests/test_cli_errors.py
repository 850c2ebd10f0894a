"""Hostile and clumsy input through ``main()``: one line ``nas-suite: error: ...`` and exit status 2.

Issue 24: each case here used to end in a traceback or a hang. A bug (an exception nobody
expected) is one line too, with exit status 1 and a pointer to ``--debug``; ``--debug``
anywhere on the command line shows the traceback instead.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

import suite.cli as cli
from suite.cli import main
from suite.errors import NasSuiteError
from suite.experiment import backends
from suite.experiment.spec import MAX_SPEC_BYTES, MAX_TASKS

from extras import needs_extra

REPO = Path(__file__).resolve().parents[1]
CONFIG = str(REPO / "configs" / "quickstart.toml")
#: the smallest grid of the quickstart config: one ols cell on the embedded NB-201 data
SMALL = ["--set", "predictors=[ols]", "--set", "seeds=1", "--set", "train_sizes=[20]", "--set", "test_size=50"]


def one_line_error(capsys, code: int, *fragments: str, status: int = 2) -> str:
    """The single stderr line of a failed command, checked for its prefix, status and fragments."""
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == status, err
    assert len(lines) == 1, err
    assert lines[0].startswith("nas-suite: error: "), lines[0]
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def usage_error(capsys, argv: list[str], *fragments: str) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    one_line_error(capsys, info.value.code, *fragments)


# -- the results directory -----------------------------------------------------------------------


def test_results_that_is_a_file_is_one_line(tmp_path, capsys):
    afile = tmp_path / "results.txt"
    afile.write_text("not a directory")
    code = main(["run", CONFIG, *SMALL, "--results", str(afile)])
    one_line_error(capsys, code, "Not a directory", str(afile))


def test_read_only_results_is_one_line(tmp_path, capsys, monkeypatch):
    ro = tmp_path / "ro"
    ro.mkdir()
    if os.geteuid() != 0:
        ro.chmod(0o500)
    else:  # root ignores permission bits: refuse the directory the way a read-only mount would
        real_mkdir = Path.mkdir

        def mkdir(self: Path, *args, **kwargs):
            if self.is_relative_to(ro):
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))
            return real_mkdir(self, *args, **kwargs)

        monkeypatch.setattr(Path, "mkdir", mkdir)
    try:
        code = main(["run", CONFIG, *SMALL, "--results", str(ro)])
    finally:
        ro.chmod(0o700)
    one_line_error(capsys, code, "Permission denied", "choose a writable location")


def test_full_disk_during_a_run_is_one_line(tmp_path, capsys, monkeypatch):
    from suite.experiment import execution

    def append(self, entry):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self.path))

    monkeypatch.setattr(execution.Journal, "append", append)
    code = main(["run", CONFIG, *SMALL, "--results", str(tmp_path)])
    one_line_error(capsys, code, "No space left on device", "cells.jsonl", "run the same command again")


# -- the spec and the size of the grid -----------------------------------------------------------


def test_spec_that_is_a_fifo_directory_or_huge_is_refused_without_reading_it(tmp_path, capsys):
    fifo = tmp_path / "spec.toml"
    os.mkfifo(fifo)  # reading it would block forever
    one_line_error(capsys, main(["run", str(fifo)]), "not a regular file")
    one_line_error(capsys, main(["run", str(tmp_path)]), "is a directory")
    huge = tmp_path / "huge.toml"
    huge.write_bytes(b"#" * (MAX_SPEC_BYTES + 1))
    one_line_error(capsys, main(["run", str(huge)]), "a spec is a small TOML file")


def test_ten_million_seeds_is_refused_at_once(tmp_path, capsys):
    t0 = time.perf_counter()
    code = main(["run", CONFIG, "--set", "seeds=10000000", "--results", str(tmp_path)])
    one_line_error(capsys, code, "seeds = 10000000", "lists of seed values")
    assert time.perf_counter() - t0 < 30  # no grid was planned
    assert not any(tmp_path.iterdir())


def test_grid_over_the_cap_needs_force_and_its_size_is_printed_first(tmp_path, capsys):
    big = ["--set", "predictors=[ols]", "--set", "train_sizes=[20]", "--set", f"seeds={MAX_TASKS + 1}",
           "--set", "test_size=50", "--results", str(tmp_path), "--limit", "0"]
    one_line_error(capsys, main(["run", CONFIG, *big]), f"{MAX_TASKS + 1:,} tasks", "--force")
    assert not any(tmp_path.iterdir())
    assert main(["run", CONFIG, *big, "--force"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"quickstart: at most {MAX_TASKS + 1:,} tasks (1 predictors x 1 train_sizes x {MAX_TASKS + 1} seeds) on 1 local job"
    assert "not finished" in out[1]


def test_fidelity_longer_than_the_curve_is_one_line(tmp_path, capsys):
    code = main(["run", CONFIG, "--set", "predictors=[last_seen]", "--set", "fidelity=[500]", "--set", "seeds=1",
                 "--set", "train_sizes=[20]", "--set", "test_size=50", "--results", str(tmp_path)])
    one_line_error(capsys, code, "500")


# -- connections ---------------------------------------------------------------------------------


@pytest.mark.needs_dask
def test_unreachable_dask_scheduler_times_out_with_one_line(tmp_path, capsys, monkeypatch):
    needs_extra("dask")
    monkeypatch.setattr(backends, "CONNECT_TIMEOUT", 1.0)
    t0 = time.perf_counter()
    code = main(["run", CONFIG, *SMALL, "--results", str(tmp_path), "--backend", "dask", "--scheduler", "tcp://127.0.0.1:1"])
    one_line_error(capsys, code, "cannot connect to the Dask scheduler at tcp://127.0.0.1:1 within 1 s")
    assert time.perf_counter() - t0 < 60


@pytest.mark.needs_ray
def test_unreachable_ray_cluster_is_one_line_without_waiting_for_ray(tmp_path, capsys):
    needs_extra("ray")
    t0 = time.perf_counter()
    code = main(["run", CONFIG, *SMALL, "--results", str(tmp_path), "--backend", "ray", "--address", "127.0.0.1:1"])
    one_line_error(capsys, code, "cannot reach the Ray cluster at 127.0.0.1:1", "--address")
    assert time.perf_counter() - t0 < 60
    code = main(["run", CONFIG, *SMALL, "--results", str(tmp_path), "--backend", "ray", "--address", "nonsense"])
    one_line_error(capsys, code, "'nonsense' is not HOST:PORT")


# -- report on a damaged run directory -------------------------------------------------------------


def _run_dir(tmp_path: Path) -> Path:
    """A run directory as the report sees it: meta.json naming the kind, and the records."""
    run = tmp_path / "run"
    run.mkdir()
    (run / "meta.json").write_text(json.dumps({"name": "run", "kind": "predictors", "cells": 1}))
    pd.DataFrame({"metric": ["kendall"], "value": [0.5]}).to_parquet(run / "records.parquet")
    return run


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "directory"])
def test_report_on_a_damaged_records_parquet_is_one_line(tmp_path, capsys, damage):
    run = _run_dir(tmp_path)
    records = run / "records.parquet"
    if damage == "garbage":
        records.write_bytes(b"this is not parquet\n" * 10)
    elif damage == "truncated":
        records.write_bytes(records.read_bytes()[:-20])
    elif damage == "empty":
        records.write_bytes(b"")
    else:
        records.unlink()
        records.mkdir()
    one_line_error(capsys, main(["report", str(run)]), "records.parquet", "re-run the config")


@pytest.mark.parametrize("damage", ["fifo", "directory", "not json", "a list"])
def test_report_on_a_damaged_meta_json_is_one_line(tmp_path, capsys, damage):
    run = _run_dir(tmp_path)
    meta = run / "meta.json"
    meta.unlink()
    if damage == "fifo":
        os.mkfifo(meta)  # reading it would block forever
    elif damage == "directory":
        meta.mkdir()
    elif damage == "not json":
        meta.write_bytes(b"\xff{not json")
    else:
        meta.write_text("[1, 2]")
    one_line_error(capsys, main(["report", str(run)]), "meta.json")


# -- how main() turns exceptions into lines ------------------------------------------------------


@pytest.mark.parametrize("exc, fragment", [
    (FileNotFoundError(errno.ENOENT, "No such file or directory", "/nowhere/x"), "/nowhere/x: No such file or directory"),
    (IsADirectoryError(errno.EISDIR, "Is a directory", "/tmp"), "/tmp: Is a directory"),
    (NotADirectoryError(errno.ENOTDIR, "Not a directory", "/etc/hostname/x"), "Not a directory"),
    (PermissionError(errno.EACCES, "Permission denied", "/root/x"), "choose a writable location"),
    (OSError(errno.ENOSPC, "No space left on device", "/full/x"), "free some space"),
    (OSError(errno.EROFS, "Read-only file system", "/ro/x"), "Read-only file system"),
    (NasSuiteError("bad\ninput\n"), "bad input"),
])
def test_bad_input_exceptions_are_one_line_exit_2(monkeypatch, capsys, exc, fragment):
    def command(args):
        raise exc

    monkeypatch.setattr(cli, "_cmd_predictors", command)
    one_line_error(capsys, main(["predictors"]), fragment)


def test_damaged_parquet_anywhere_is_one_line(monkeypatch, capsys, tmp_path):
    bad = tmp_path / "x.parquet"
    bad.write_bytes(b"PAR1 not really")
    monkeypatch.setattr(cli, "_cmd_predictors", lambda args: pd.read_parquet(bad))
    one_line_error(capsys, main(["predictors"]), "damaged parquet", "x.parquet")


def test_a_bug_is_one_line_exit_1_pointing_at_debug(monkeypatch, capsys):
    def command(args):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(cli, "_cmd_predictors", command)
    line = one_line_error(capsys, main(["predictors"]), "unexpected ZeroDivisionError", status=1)
    assert "re-run with --debug for the traceback" in line
    with pytest.raises(ZeroDivisionError):
        main(["predictors", "--debug"])


@pytest.mark.parametrize("argv", [
    ["--debug", "data", "info", "nb999"],
    ["data", "--debug", "info", "nb999"],
    ["data", "info", "nb999", "--debug"],
    ["run", CONFIG, "--jobs", "0", "--debug"],
])
def test_debug_works_anywhere_on_the_command_line(argv):
    with pytest.raises(NasSuiteError):
        main(argv)


@pytest.mark.parametrize("argv, fragments", [
    ([], ("required: command", "nas-suite --help")),
    (["bogus"], ("invalid choice: 'bogus'",)),
    (["run"], ("run: the following arguments are required: config",)),
    (["run", CONFIG, "--jobs", "many"], ("run: argument --jobs: invalid int value: 'many'", "nas-suite run --help")),
    (["data", "import"], ("data import:",)),
    (["run", CONFIG, "--backend", "mpi"], ("invalid choice: 'mpi'",)),
])
def test_usage_errors_are_one_line_exit_2(capsys, argv, fragments):
    usage_error(capsys, argv, *fragments)


@pytest.mark.parametrize("argv, fragment", [
    (["proxies", "compute", "--benchmark", "nb201", "--proxy", "params", "--chunk", "0"], "--chunk: must be at least 1"),
    (["proxies", "compute", "--benchmark", "nb201", "--proxy", "params", "--seed", "-1"], "--seed: must be 0 or more"),
    (["run", CONFIG, "--limit", "-1"], "--limit: must be 0 or more, got -1"),
    (["verify", "--benchmark", "nb201", "--schedule", "12", "--n-archs", "zero"], "not a whole number: 'zero'"),
])
def test_counts_are_checked_by_the_parser(capsys, argv, fragment):
    usage_error(capsys, argv, fragment)


@pytest.mark.needs_torch
@pytest.mark.parametrize("device, fragment", [("nope", "is not a torch device"), ("cuda:99", "usable CUDA device")])
def test_a_bad_torch_device_is_one_line_before_any_work(tmp_path, capsys, device, fragment):
    needs_extra("torch")
    code = main(["proxies", "compute", "--benchmark", "nb201", "--proxy", "params", "--archs", "3", "--device", device,
                 "--results", str(tmp_path / "r"), "--out", str(tmp_path / "c")])
    one_line_error(capsys, code, f"--device {device}" if device.startswith("cuda") else f"--device {device!r}", fragment)
    assert not (tmp_path / "r").exists()


def test_jobs_zero_is_one_line(capsys):
    one_line_error(capsys, main(["run", CONFIG, "--jobs", "0"]), "--jobs must be at least 1")


def test_sigterm_unwinds_like_ctrl_c(monkeypatch, capsys):
    def command(args):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the handler interrupts this
        return 0

    before = signal.getsignal(signal.SIGTERM)
    monkeypatch.setattr(cli, "_cmd_predictors", command)
    assert main(["predictors"]) == 130
    assert "interrupted" in capsys.readouterr().err
    assert signal.getsignal(signal.SIGTERM) is before  # restored for whoever called main()


# -- local workers do not outlive a killed run ---------------------------------------------------


def test_a_worker_exits_when_its_parent_is_killed(tmp_path):
    """The initializer of the local backend's workers: an orphan ends within seconds, not never."""
    pidfile = tmp_path / "worker.pid"
    worker_py = tmp_path / "worker.py"
    worker_py.write_text(textwrap.dedent(f"""
        import os, sys, time
        sys.path.insert(0, {str(REPO)!r})
        from suite.experiment.backends import exit_with_parent
        exit_with_parent(os.getppid())
        open({str(pidfile)!r}, "w").write(str(os.getpid()))
        time.sleep(120)
    """))
    parent = f"import subprocess, sys, time; subprocess.Popen([sys.executable, {str(worker_py)!r}]); time.sleep(120)"
    proc = subprocess.Popen([sys.executable, "-c", parent])
    try:
        deadline = time.monotonic() + 60
        while not (pidfile.exists() and pidfile.read_text()):
            assert time.monotonic() < deadline, "worker never started"
            time.sleep(0.1)
        worker = int(pidfile.read_text())
        proc.kill()
        proc.wait()
        deadline = time.monotonic() + 3 * backends.PARENT_POLL + 10
        while _alive(worker):
            assert time.monotonic() < deadline, "the orphaned worker is still running"
            time.sleep(0.2)
    finally:
        proc.kill()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "zombie" in status.read_text())
