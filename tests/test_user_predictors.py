"""A user's own predictor in a predictor experiment, as a new user runs it from a fresh clone.

Import paths, inline tables and entry-point plugins; worker processes that resolve the module
themselves (``--jobs 2``, Dask, Ray); provenance in ``meta.json``; every spec error refused before
the run directory exists; and the recipe of ``docs/guides/your-predictor.md`` run as written.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from suite.errors import InvalidSpec
from suite.experiment import load_spec, run
from suite.experiment.runner import RECORDS

from extras import needs_extra

REPO = Path(__file__).resolve().parents[1]

KNN = '''
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.neighbors import KNeighborsRegressor


class KNNPredictor(RegressorMixin, BaseEstimator):
    """k nearest neighbours, distance-weighted: a predictor nas-suite does not ship."""

    def __init__(self, k=5):
        self.k = k

    def fit(self, X, y):
        self.model_ = KNeighborsRegressor(self.k, weights="distance").fit(X, y)
        return self

    def predict(self, X):
        return self.model_.predict(X)


class PathKNN(KNNPredictor):
    """Declares its own default input, as a plugin package would."""

    nas_suite_inputs = {"encoding": "path"}
'''

GRID = """
benchmark = "nb201"
train_sizes = [20, 60]
test_size = 100
seeds = 2
metrics = ["kendall", "spearman"]
"""

KNN_TABLE = '{ name = "knn", factory = "knn_pred:KNNPredictor", params = { k = 7 }, inputs = { encoding = "path" } }'


def _module(tmp_path: Path, plugin: bool = False) -> Path:
    """``knn_pred.py`` in a fresh directory (not on sys.path); with ``plugin``, an installed-looking
    distribution ``knn-plugin 0.1`` declaring ``knnplug`` in the ``nas_suite.predictors`` group."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "knn_pred.py").write_text(KNN)
    if plugin:
        info = src / "knn_plugin-0.1.dist-info"
        info.mkdir()
        (info / "METADATA").write_text("Metadata-Version: 2.1\nName: knn-plugin\nVersion: 0.1\n")
        (info / "entry_points.txt").write_text("[nas_suite.predictors]\nknnplug = knn_pred:PathKNN\n")
        (info / "top_level.txt").write_text("knn_pred\n")
    return src


def _spec_file(tmp_path: Path, name: str, predictors: str, extra: str = "") -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(f'name = "{name}"\npredictors = {predictors}\n{GRID}{extra}')
    return path


def _cli(args: list[str], cwd: Path, pythonpath: Path | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO)] + ([str(pythonpath)] if pythonpath else []))
    return subprocess.run([sys.executable, "-m", "suite.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


# -- running ------------------------------------------------------------------------------------------------
def test_cli_jobs_2_runs_an_import_path_and_a_plugin_next_to_ridge(tmp_path, monkeypatch):
    src = _module(tmp_path, plugin=True)
    spec = _spec_file(tmp_path, "mine", f'["ridge", {KNN_TABLE}, "knnplug"]')
    out = _cli(["run", str(spec), "--jobs", "2", "--results", "r"], tmp_path, pythonpath=src)
    assert out.returncode == 0, out.stderr
    directory = tmp_path / "r" / "mine"
    records = pd.read_parquet(directory / RECORDS)
    kendall = records[records.metric == "kendall"].groupby("predictor", sort=False)["value"]
    assert list(kendall.groups) == ["ridge", "knn", "knnplug"] and kendall.count().tolist() == [4, 4, 4]
    assert records["value"].notna().all()
    meta = json.loads((directory / "meta.json").read_text())["predictors"]
    digest = hashlib.sha256((src / "knn_pred.py").read_bytes()).hexdigest()
    assert meta["knn"] == {"origin": "import", "factory": "knn_pred:KNNPredictor", "inputs": "path",  # its module
                           "module_file": "knn_pred.py", "sha256": digest,  # belongs to the plugin's package
                           "distribution": "knn-plugin", "version": "0.1"}
    assert meta["knnplug"]["origin"] == "plugin" and meta["knnplug"]["inputs"] == "path"  # its declared input
    assert (meta["knnplug"]["distribution"], meta["knnplug"]["version"]) == ("knn-plugin", "0.1")
    assert meta["ridge"]["factory"] == "suite.predictors.linear:RidgeRegressor"
    assert str(tmp_path) not in json.dumps(meta)  # no machine paths in a file that gets committed
    # the same grid in this process gives the same records: workers built the same estimators
    monkeypatch.syspath_prepend(str(src))
    alone = run(load_spec(spec), tmp_path / "inproc")
    assert (alone.directory / RECORDS).read_bytes() == (directory / RECORDS).read_bytes()


def test_a_bare_import_path_is_its_own_label_and_params_key(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(_module(tmp_path)))
    extra = '\n[params."knn_pred:KNNPredictor"]\nk = 3\n'
    spec = load_spec(_spec_file(tmp_path, "bare", '["knn_pred:KNNPredictor"]', extra), ["train_sizes=[20]", "seeds=1"])
    result = run(spec, tmp_path / "r")
    assert set(result.records.predictor) == {"knn_pred:KNNPredictor"}
    assert load_spec(result.directory / "config.toml") == spec  # the resolved spec round-trips
    assert spec.params == {"knn_pred:KNNPredictor": {"k": 3}}
    meta = json.loads((result.directory / "meta.json").read_text())["predictors"]["knn_pred:KNNPredictor"]
    assert meta["module_file"] == "knn_pred.py" and "distribution" not in meta and meta["inputs"] == "adjacency_onehot"


def test_a_worker_without_the_module_on_its_path_imports_it_from_where_the_parent_did(tmp_path, monkeypatch):
    """What a loky, Dask or Ray worker that did not inherit the parent's sys.path does."""
    from suite.experiment.grid_predictors import resolve_all

    src = _module(tmp_path)
    monkeypatch.syspath_prepend(str(src))
    spec = load_spec(_spec_file(tmp_path, "w", f"[{KNN_TABLE}]"))
    blob = pickle.dumps(resolve_all(spec)["knn"])
    code = ("import pickle, sys; p = pickle.loads(sys.stdin.buffer.read()); "
            "assert 'knn_pred' not in sys.modules; print(type(p.make(k=2)).__name__, p.search_path in sys.path)")
    out = subprocess.run([sys.executable, "-c", code], input=blob, capture_output=True, cwd=REPO, timeout=60,
                         env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    assert out.returncode == 0, out.stderr.decode()
    assert out.stdout.decode().split() == ["KNNPredictor", "True"]


@pytest.mark.needs_dask
def test_dask_workers_resolve_a_user_predictor(tmp_path, monkeypatch):
    distributed = needs_extra("dask")
    monkeypatch.syspath_prepend(str(_module(tmp_path)))
    spec = load_spec(_spec_file(tmp_path, "d", f'["ridge", {KNN_TABLE}]'), ["seeds=1"])
    local = run(spec, tmp_path / "local")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        remote = run(spec, tmp_path / "dask", backend="dask", address=cluster.scheduler_address)
    assert (local.directory / RECORDS).read_bytes() == (remote.directory / RECORDS).read_bytes()


@pytest.mark.needs_ray
def test_ray_workers_resolve_a_user_predictor(tmp_path, monkeypatch):
    needs_extra("ray")
    monkeypatch.syspath_prepend(str(_module(tmp_path)))
    spec = load_spec(_spec_file(tmp_path, "y", f'["ridge", {KNN_TABLE}]'), ["seeds=1"])
    local = run(spec, tmp_path / "local")
    remote = run(spec, tmp_path / "ray", backend="ray")
    assert (local.directory / RECORDS).read_bytes() == (remote.directory / RECORDS).read_bytes()


# -- validation before any cell --------------------------------------------------------------------------
@pytest.mark.parametrize("predictors, overrides, message", [
    (f"[{KNN_TABLE}]", ["params.knn.kk=3"], r"params\.knn\.kk: KNNPredictor has no parameter 'kk'; its parameters: k$"),
    ('["rf"]', ["params.rf.n_trees=5"], r"params\.rf\.n_trees: RandomForest has no parameter 'n_trees'"),
    ('["ridge"]', ["params.ridge.alpha=-1"], r"params\.ridge: The 'alpha' parameter of Ridge must be"),
    ('[{ name = "knn", factory = "knn_pred:KNNPredictor", inputs = { encoding = "pathx" } }]', [],
     r"predictors: 'knn' reads the encoding 'pathx'"),
    ('[{ name = "knn", factory = "knn_pred:KNNPredictor", inputs = { encoding = "none", proxies = ["zap"] } }]', [],
     r"predictors: 'knn' reads the proxy 'zap'"),
    ('[{ name = "lc", factory = "knn_pred:KNNPredictor", inputs = { encoding = "none", curve_epochs = 10 } }]',
     ["benchmark=nb101"], r"reads 10 epochs of the valid_acc learning curve, but nb101/cifar10 records 1 epoch"),
    ('["last_seen"]', ["benchmark=nb101"], r"predictors: 'last_seen' reads 50 epochs of the valid_acc learning curve"),
    ('[{ name = "x", factory = "no_such_module:X" }]', [],
     r"cannot import 'no_such_module:X': no module named 'no_such_module'; put the directory holding it on PYTHONPATH"),
    ('[{ name = "x", factory = "knn_pred:Nope" }]', [], r"knn_pred has no attribute 'Nope'"),
    ('[{ name = "x", factory = "collections:OrderedDict" }]', [], r"builds a OrderedDict, which has no fit/predict"),
])
def test_spec_errors_are_refused_before_the_run_directory_exists(tmp_path, monkeypatch, predictors, overrides,
                                                                  message):
    monkeypatch.syspath_prepend(str(_module(tmp_path)))
    spec = load_spec(_spec_file(tmp_path, "bad", predictors), overrides)
    with pytest.raises(InvalidSpec, match=message) as err:
        run(spec, tmp_path / "r")
    assert "\n" not in str(err.value) and not (tmp_path / "r").exists()


def test_unknown_names_and_bad_tables_are_refused_when_the_spec_is_read(tmp_path):
    with pytest.raises(InvalidSpec, match=r"predictors: unknown \['knnn'\]; registered: ols.*nas_suite\.predictors"):
        load_spec(_spec_file(tmp_path, "a", '["knnn"]'))
    with pytest.raises(InvalidSpec, match=r"predictors\.knn\.inputs: unknown key 'encodings'"):
        load_spec(_spec_file(tmp_path, "b", '[{ name = "knn", factory = "m:K", inputs = { encodings = "path" } }]'))
    with pytest.raises(InvalidSpec, match=r"unknown key predictors\.'param'"):
        load_spec(_spec_file(tmp_path, "c", '[{ name = "knn", factory = "m:K", param = {} }]'))
    with pytest.raises(InvalidSpec, match=r"predictors has duplicates: \['ridge'\]"):
        load_spec(_spec_file(tmp_path, "d", '["ridge", { name = "ridge", factory = "m:K" }]'))


def test_a_missing_extra_is_one_line_before_the_run_directory_exists(tmp_path, monkeypatch):
    from suite.cli import main
    from suite.extras import EXTRA_MODULES

    monkeypatch.setitem(EXTRA_MODULES, "torch", ("no_such_torch_for_this_test",))  # torch "not installed"
    monkeypatch.chdir(tmp_path)
    spec = _spec_file(tmp_path, "g", '["ridge", "gnn"]')
    assert main(["run", str(spec), "--results", "r"]) == 2
    assert not (tmp_path / "r").exists()


def test_cli_prints_a_spec_error_as_one_line(tmp_path, capsys):
    from suite.cli import main

    spec = _spec_file(tmp_path, "q", '["rf"]')
    assert main(["run", str(spec), "--results", str(tmp_path / "r"), "--set", "params.rf.n_trees=5"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "params.rf.n_trees" in err and not (tmp_path / "r").exists()


# -- the guide -------------------------------------------------------------------------------------------
def test_the_guides_recipe_runs_as_written(tmp_path):
    """docs/guides/your-predictor.md "Evaluate your own predictor": its files and its command."""
    text = (REPO / "docs" / "guides" / "your-predictor.md").read_text()
    section = text.split("## Evaluate your own predictor", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```(\w+)\n(.*?)```", section, flags=re.S)
    assert [lang for lang, _ in blocks] == ["python", "toml", "bash"]
    assert sum(len(body.strip().splitlines()) for _, body in blocks) < 20  # the whole recipe
    for _, body in blocks[:2]:
        name = body.splitlines()[0].removeprefix("# ").strip()
        (tmp_path / name).write_text(body)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    out = subprocess.run(["bash", "-c", blocks[2][1]], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    records = pd.read_parquet(tmp_path / "results" / "knn-vs-ridge" / RECORDS)
    assert set(records.predictor) == {"ridge", "knn"} and set(records.seed) == {0, 1, 2}
    assert re.search(r"\| knn \| -?0\.\d+", out.stdout)  # the headline table compares it with ridge
