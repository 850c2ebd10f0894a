"""suite.atomic: a failed write leaves the old content and no temporary behind."""

from __future__ import annotations

import os

import numpy as np
import pytest

from suite.atomic import atomic_directory, atomic_output, durable_replace, write_atomic
from suite.experiment import files


def entries(directory):
    return sorted(p.name for p in directory.iterdir())


def test_write_atomic_text_is_utf8_without_newline_translation(tmp_path):
    path = tmp_path / "notes.md"
    write_atomic(path, "µ-accuracy\r\nline two\n")
    assert path.read_bytes() == "µ-accuracy\r\nline two\n".encode("utf-8")
    assert entries(tmp_path) == ["notes.md"]


def test_write_atomic_bytes_replace_old_content(tmp_path):
    path = tmp_path / "blob.bin"
    path.write_bytes(b"old")
    write_atomic(path, b"\x00\xffnew")
    assert path.read_bytes() == b"\x00\xffnew"
    assert entries(tmp_path) == ["blob.bin"]


def test_write_atomic_keeps_the_usual_file_mode(tmp_path):
    umask = os.umask(0o022)
    os.umask(umask)
    write_atomic(tmp_path / "a.txt", "x")
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o666 & ~umask


def test_failed_write_atomic_leaves_old_content_and_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "meta.json"
    path.write_text("old\n")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(path, "new\n")
    assert path.read_text() == "old\n"
    assert entries(tmp_path) == ["meta.json"]


def test_write_atomic_of_bad_data_writes_nothing(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("old")
    with pytest.raises(TypeError):
        write_atomic(path, 3.5)  # type: ignore[arg-type]
    assert path.read_text() == "old" and entries(tmp_path) == ["x.txt"]


def test_atomic_output_yields_hidden_temp_with_the_suffix(tmp_path):
    path = tmp_path / "records.npy"
    with atomic_output(path) as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(".") and tmp.suffix == ".npy"
        assert not tmp.exists() and not path.exists()
        np.save(tmp, np.arange(3))
    np.testing.assert_array_equal(np.load(path), np.arange(3))
    assert entries(tmp_path) == ["records.npy"]


def test_atomic_output_failure_in_the_block_keeps_old_file(tmp_path):
    path = tmp_path / "table.csv"
    path.write_text("a\n1\n")
    with pytest.raises(RuntimeError, match="writer died"):
        with atomic_output(path) as tmp:
            tmp.write_text("a\n2\n")  # half-written
            raise RuntimeError("writer died")
    assert path.read_text() == "a\n1\n"
    assert entries(tmp_path) == ["table.csv"]


def test_atomic_output_block_that_writes_nothing_fails_and_keeps_old_file(tmp_path):
    path = tmp_path / "fig.png"
    path.write_bytes(b"png")
    with pytest.raises(FileNotFoundError):
        with atomic_output(path):
            pass
    assert path.read_bytes() == b"png" and entries(tmp_path) == ["fig.png"]


def test_concurrent_temps_of_one_target_differ(tmp_path):
    path = tmp_path / "a.parquet"
    with atomic_output(path) as first, atomic_output(path) as second:
        first.write_bytes(b"1")
        second.write_bytes(b"2")
        assert first != second
    assert path.read_bytes() == b"1"  # the last rename wins
    assert entries(tmp_path) == ["a.parquet"]


def test_experiment_files_reexports_the_helpers():
    assert files.write_atomic is write_atomic and files.atomic_output is atomic_output


def test_durable_replace_moves_a_finished_file(tmp_path):
    (tmp_path / "data.bin.part").write_bytes(b"payload")
    durable_replace(tmp_path / "data.bin.part", tmp_path / "data.bin")
    assert entries(tmp_path) == ["data.bin"] and (tmp_path / "data.bin").read_bytes() == b"payload"


def test_atomic_directory_replaces_a_whole_directory(tmp_path):
    target = tmp_path / "cifar10"
    target.mkdir()
    (target / "old.npy").write_bytes(b"old")
    with atomic_directory(target) as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(".cifar10.tmp-")
        assert tmp.stat().st_mode & 0o777 == 0o755 and not any(tmp.iterdir())
        (tmp / "new.npy").write_bytes(b"new")
        assert entries(target) == ["old.npy"]  # readers still see the old one
    assert entries(target) == ["new.npy"]
    assert entries(tmp_path) == ["cifar10"]


def test_atomic_directory_failure_keeps_old_directory(tmp_path):
    target = tmp_path / "cifar10"
    target.mkdir()
    (target / "old.npy").write_bytes(b"old")
    with pytest.raises(KeyboardInterrupt):
        with atomic_directory(target) as tmp:
            (tmp / "half.npy").write_bytes(b"ha")
            raise KeyboardInterrupt
    assert entries(target) == ["old.npy"] and entries(tmp_path) == ["cifar10"]


def test_atomic_directory_failed_swap_puts_the_old_directory_back(tmp_path, monkeypatch):
    target = tmp_path / "cifar10"
    target.mkdir()
    (target / "old.npy").write_bytes(b"old")
    real_replace = os.replace

    def refuse_the_new_one(src, dst):
        if ".tmp-" in os.fspath(src):
            raise OSError("rename failed")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", refuse_the_new_one)
    with pytest.raises(OSError, match="rename failed"):
        with atomic_directory(target) as tmp:
            (tmp / "new.npy").write_bytes(b"new")
    assert entries(target) == ["old.npy"] and entries(tmp_path) == ["cifar10"]


def test_atomic_directory_removes_leftovers_of_killed_writers(tmp_path):
    for name in (".cifar10.tmp-abc", ".cifar10.old-123", ".cifar100.tmp-keep"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "x").write_bytes(b"x")
    with atomic_directory(tmp_path / "cifar10") as tmp:
        (tmp / "a").write_bytes(b"a")
    assert entries(tmp_path) == [".cifar100.tmp-keep", "cifar10"]
