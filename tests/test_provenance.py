"""meta.json files are portable: no machine's absolute paths, committed or freshly written."""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

from suite.cli import main
from suite.data.paths import EMBEDDED_DIR, ENV_VAR, user_dir
from suite.experiment.files import REPO_ROOT, portable_cache_location, portable_path

REPO = Path(__file__).resolve().parents[1]
_WINDOWS_ABSOLUTE = re.compile(r"^(?:[A-Za-z]:[\\/]|\\\\)")


def _strings(value: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """``(key path, string)`` of every string in a JSON value, keys included (``a.b[2].c``)."""
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{where}.{key}" if where else str(key)
            yield path + " (key)", str(key)
            yield from _strings(item, path)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, f"{where}[{i}]")
    elif isinstance(value, str):
        yield where, value


def _absolute_paths(meta: Any) -> list[str]:
    """Problems: strings that look like an absolute path or name the user's home directory."""
    home = str(Path.home())
    home = home if len(Path(home).parts) > 1 else None  # a home of "/" would match every path
    problems = []
    for where, text in _strings(meta):
        if text.startswith("/") or _WINDOWS_ABSOLUTE.match(text) or (home and home in text):
            problems.append(f"{where} = {text!r}")
    return problems


def _committed_meta_files() -> list[Path]:
    return sorted((REPO / "results").rglob("meta.json"))


def test_there_are_committed_meta_files_to_check():
    assert _committed_meta_files(), "no results/**/meta.json found; the check below would pass vacuously"


@pytest.mark.parametrize("path", _committed_meta_files(), ids=lambda p: str(p.relative_to(REPO)))
def test_committed_meta_holds_no_absolute_path(path):
    problems = _absolute_paths(json.loads(path.read_text(encoding="utf-8")))
    assert not problems, (f"{path.relative_to(REPO)} records machine-specific absolute paths "
                          f"(use suite.experiment.files.portable_cache_location / portable_path):\n  "
                          + "\n  ".join(problems))


def test_the_checker_catches_nested_posix_windows_and_home_paths():
    meta = {"data": {"cache": "/tmp/x/nb201/cifar10"}, "jobs": [{"images": "C:\\data\\cifar"}],
            "note": f"read from {Path.home() / 'cifar'}", "fine": "embedded:nb201/cifar10"}
    found = _absolute_paths(meta)
    assert found[:2] == ["data.cache = '/tmp/x/nb201/cifar10'", "jobs[0].images = 'C:\\\\data\\\\cifar'"]
    assert not any(p.startswith("fine") for p in found)


# -- the helpers ----------------------------------------------------------------------------------


def test_cache_in_the_embedded_data_is_recorded_as_embedded():
    assert portable_cache_location(EMBEDDED_DIR / "nb201" / "cifar10") == "embedded:nb201/cifar10"
    assert portable_cache_location(str(EMBEDDED_DIR / "nb201" / "ImageNet16-120")) == "embedded:nb201/ImageNet16-120"


def test_cache_under_nas_suite_data_is_recorded_relative_to_it(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "store"))
    assert portable_cache_location(tmp_path / "store" / "nb201" / "cifar100") == "NAS_SUITE_DATA:nb201/cifar100"


def test_cache_under_the_user_dir_is_recorded_as_user():
    assert portable_cache_location(user_dir() / "nb101" / "cifar10") == "user:nb101/cifar10"  # conftest isolates it


def test_cache_under_any_other_root_is_explicit_benchmark_and_dataset(tmp_path):
    location = portable_cache_location(tmp_path / "elsewhere" / "nb201" / "cifar10")
    assert location == "explicit:nb201/cifar10"
    assert str(tmp_path) not in location


def test_other_paths_are_repo_relative_or_a_file_name():
    assert portable_path(REPO_ROOT / "data" / "images" / "x.npz") == "data/images/x.npz"
    assert portable_path("/somewhere/else/cifar-10-batches-bin") == "cifar-10-batches-bin"
    assert portable_path("C:\\data\\cifar10_train.npz") == "cifar10_train.npz"
    for unchanged in ("shipped", "cifar10_train.npz (JPEG)", "results/quickstart"):
        assert portable_path(unchanged) == unchanged


# -- a real run -----------------------------------------------------------------------------------


def test_a_fresh_run_writes_a_meta_without_absolute_paths(tmp_path, monkeypatch):
    shutil.copy(REPO / "configs" / "quickstart.toml", tmp_path / "quickstart.toml")
    monkeypatch.chdir(tmp_path)  # relative arguments, so the recorded command holds no path either
    argv = ["nas-suite", "run", "quickstart.toml", "--set", "predictors=[ols]", "--set", "train_sizes=[20]",
            "--set", "test_size=30", "--set", "seeds=1", "--results", "out"]
    monkeypatch.setattr(sys, "argv", argv)
    assert main(argv[1:]) == 0
    meta = json.loads((tmp_path / "out" / "quickstart" / "meta.json").read_text(encoding="utf-8"))
    assert meta["data"]["cache"] == "embedded:nb201/cifar10"  # conftest unsets $NAS_SUITE_DATA and the user dir
    assert not _absolute_paths(meta), _absolute_paths(meta)
