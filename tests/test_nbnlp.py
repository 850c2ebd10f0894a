"""NAS-Bench-NLP: cell identity, the logs.zip importer (real file and a tiny fixture), encodings."""

from __future__ import annotations

import hashlib
import json
import random
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

import suite
from suite.data.importers import nbnlp as importer
from suite.data.paths import EMBEDDED_DIR
from suite.data.spaces import nbnlp
from suite.data.spaces.nbnlp import NBNLPSpace
from suite.encodings import encode, encode_frame
from suite.encodings.nbnlp import NBNLP_ARCH_FEATURES, WIDTH, nbnlp_arch_features
from suite.errors import CorruptRecord, InvalidArchitecture, NotInBenchmark, SourceFormatError

#: the LSTM of NAS-Bench-NLP's hand-made cells, node names as in its logs
LSTM = {
    "i": {"op": "linear", "input": ["x", "h_prev_0"]}, "i_act": {"op": "activation_tanh", "input": ["i"]},
    "j": {"op": "linear", "input": ["x", "h_prev_0"]}, "j_act": {"op": "activation_sigm", "input": ["j"]},
    "f": {"op": "linear", "input": ["x", "h_prev_0"]}, "f_act": {"op": "activation_sigm", "input": ["f"]},
    "o": {"op": "linear", "input": ["x", "h_prev_0"]}, "o_act": {"op": "activation_tanh", "input": ["o"]},
    "h_new_1_part1": {"op": "elementwise_prod", "input": ["f_act", "h_prev_1"]},
    "h_new_1_part2": {"op": "elementwise_prod", "input": ["i_act", "j_act"]},
    "h_new_1": {"op": "elementwise_sum", "input": ["h_new_1_part1", "h_new_1_part2"]},
    "h_new_1_act": {"op": "activation_tanh", "input": ["h_new_1"]},
    "h_new_0": {"op": "elementwise_prod", "input": ["h_new_1_act", "o_act"]},
}
RNN = {"node_0": {"op": "linear", "input": ["x", "h_prev_0"]}, "h_new_0": {"op": "activation_tanh", "input": ["node_0"]}}
GATED = {
    "node_0": {"op": "linear", "input": ["x", "h_prev_0"]}, "node_1": {"op": "activation_sigm", "input": ["node_0"]},
    "node_2": {"op": "linear", "input": ["x", "h_prev_0"]}, "node_3": {"op": "activation_tanh", "input": ["node_2"]},
    "h_new_0": {"op": "blend", "input": ["node_1", "node_3", "h_prev_0"]},
}


def _scramble(cell: dict, rng: random.Random) -> dict:
    """The same cell with internal nodes renamed, keys shuffled and commutative inputs reordered."""
    rename = {n: n if nbnlp._OUT_RE.match(n) else f"q{rng.randrange(10**9)}_{k}" for k, n in enumerate(cell)}
    items = list(cell.items())
    rng.shuffle(items)
    out = {}
    for name, node in items:
        inputs = [rename.get(s, s) for s in node["input"]]
        if node["op"] in nbnlp.COMMUTATIVE:
            rng.shuffle(inputs)
        out[rename[name]] = {"op": node["op"], "input": inputs}
    return out


# -- the space ---------------------------------------------------------------------------------------------
def test_key_format_and_spellings():
    space = NBNLPSpace()
    assert space.key(RNN) == "linear(x,h_prev_0);activation_tanh(0)|1"
    assert space.key(json.dumps(RNN)) == space.key(RNN)
    assert space.is_single(RNN) and space.is_single(json.dumps(RNN)) and not space.is_single([RNN, LSTM])
    for cell in (RNN, LSTM, GATED):
        key = space.key(cell)
        assert space.key(nbnlp.to_recepie(key)) == key


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from([RNN, LSTM, GATED]))
def test_key_is_invariant_to_names_order_and_commutative_inputs(seed, cell):
    assert NBNLPSpace().key(_scramble(cell, random.Random(seed))) == NBNLPSpace().key(cell)


def test_key_keeps_what_changes_the_network():
    space = NBNLPSpace()
    swapped = json.loads(json.dumps(GATED))
    swapped["h_new_0"]["input"] = ["node_1", "h_prev_0", "node_3"]  # blend(z, a, b) != blend(z, b, a)
    assert space.key(swapped) != space.key(GATED)
    # one linear layer read twice is not two linear layers (separate weights)
    shared = {"a": {"op": "linear", "input": ["x"]}, "t": {"op": "activation_tanh", "input": ["a"]},
              "s": {"op": "activation_sigm", "input": ["a"]}, "h_new_0": {"op": "elementwise_sum", "input": ["t", "s"]}}
    split = {"a": {"op": "linear", "input": ["x"]}, "b": {"op": "linear", "input": ["x"]},
             "t": {"op": "activation_tanh", "input": ["a"]}, "s": {"op": "activation_sigm", "input": ["b"]},
             "h_new_0": {"op": "elementwise_sum", "input": ["t", "s"]}}
    assert space.key(shared) != space.key(split)
    # which hidden state a node becomes matters
    two = {"a": {"op": "linear", "input": ["x", "h_prev_1"]}, "h_new_0": {"op": "activation_tanh", "input": ["a"]},
           "h_new_1": {"op": "activation_sigm", "input": ["a"]}}
    other = {"a": {"op": "linear", "input": ["x", "h_prev_1"]}, "h_new_1": {"op": "activation_tanh", "input": ["a"]},
             "h_new_0": {"op": "activation_sigm", "input": ["a"]}}
    assert space.key(two) != space.key(other)


def test_symmetric_cells_are_keyed_quickly():
    """Ten interchangeable linear nodes: twins are individualised once, not 10! times."""
    cell = {f"l{k}": {"op": "linear", "input": ["x", "h_prev_0"]} for k in range(10)}
    cell.update({f"t{k}": {"op": "activation_tanh", "input": [f"l{k}"]} for k in range(10)})
    cell["h_new_0"] = {"op": "linear", "input": [f"t{k}" for k in range(10)]}
    assert NBNLPSpace().key(_scramble(cell, random.Random(1))) == NBNLPSpace().key(cell)


@pytest.mark.parametrize("spec, rule", [
    ({}, "at least one node"),
    ("{not json", "not JSON"),
    (7, "cannot read"),
    ({"h_new_0": {"op": "conv", "input": ["x"]}}, "unknown op"),
    ({"h_new_0": {"op": "activation_tanh", "input": ["x", "h_prev_0"]}}, "exactly 1"),
    ({"h_new_0": {"op": "blend", "input": ["x", "h_prev_0"]}}, "exactly 3"),
    ({"h_new_0": {"op": "linear", "input": []}}, "at least 1"),
    ({"h_new_0": {"op": "linear", "input": ["y"]}}, "neither x, h_prev_k nor a node"),
    ({"h_new_0": {"op": "linear", "input": ["h_prev_1"]}}, "1 hidden state"),
    ({"h_new_1": {"op": "linear", "input": ["x"]}}, "without gaps"),
    ({"a": {"op": "linear", "input": ["x"]}}, "without gaps"),
    ({"x": {"op": "linear", "input": ["h_prev_0"]}, "h_new_0": {"op": "linear", "input": ["x"]}}, "cannot be nodes"),
    ({"h_new_0": {"op": "linear", "input": ["x"], "extra": 1}}, "nothing else"),
    ({"a": {"op": "linear", "input": ["h_new_0"]}, "h_new_0": {"op": "activation_tanh", "input": ["a"]}}, "cycle"),
])
def test_invalid_cells_name_the_broken_rule(spec, rule):
    with pytest.raises(InvalidArchitecture, match=rule) as err:
        NBNLPSpace().key(spec)
    assert "\n" not in str(err.value)


# -- the real file ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def logs_zip(shared_data) -> Path:
    return shared_data / "nasbench_nlp" / "logs.zip"


@pytest.fixture(scope="module")
def bench(tmp_path_factory, logs_zip):
    root = tmp_path_factory.mktemp("nlp")
    importer.convert(logs_zip, root)
    return suite.load("nbnlp", "wikitext2", root=root)


def test_real_logs_known_facts(logs_zip):
    """../shared/data/README.md: 345 logs, 341 complete 50-epoch curves, best final val loss 4.569."""
    logs = importer.read_logs(logs_zip)
    assert logs.n_logs == 345 and len(logs.runs) == 341
    assert {k: len(v) for k, v in logs.dropped.items()} == {"status 'loss is nan!'": 4}
    assert min(r.val[-1] for r in logs.runs) == pytest.approx(4.569, abs=5e-4)
    assert logs.settings["emsize"] == 400 and logs.settings["nhid"] == 600 and logs.settings["epochs"] == 50


def test_real_cache(bench, logs_zip):
    assert len(bench) == 263  # 341 runs of 263 distinct cells
    runs = bench.columns(["n_runs"])["n_runs"].to_numpy()
    assert runs.sum() == 341 and runs.max() == 14
    per_run = np.stack([bench.metric("val_loss", seed=k) for k in range(14)])
    assert np.isfinite(per_run).sum() == 341
    best = int(np.argmin(bench.metric("val_loss")))
    assert bench.metric("val_loss")[best] == pytest.approx(4.569, abs=5e-4)  # trained once: mean = the run
    assert np.exp(bench.metric("val_loss")[best]) == pytest.approx(96.5, abs=0.05)
    np.testing.assert_array_equal(bench.metric("neg_val_loss"), -bench.metric("val_loss"))
    assert bench.curves("neg_val_loss").shape == (263, 50) and bench.info("neg_val_loss")["higher_is_better"]
    # a log's own cell finds its row; the final loss of a single-run cell is that log's
    with zipfile.ZipFile(logs_zip) as archive:
        name = next(n for n in archive.namelist() if "_1000000_" in n)
        log = json.loads(archive.read(name))
    row = bench.index_of(log["recepie"])
    assert bench.index_of(json.loads(log["recepie"])) == row
    assert bench.metric("val_loss", seed=0)[row] == pytest.approx(log["val_losses"][-1], rel=1e-6)
    assert bench.metric("params")[row] == pytest.approx(log["num_params"] / 1e6, rel=1e-6)
    if bench.columns(["n_runs"])["n_runs"][row] == 1:
        assert bench.metric("train_time")[row] == pytest.approx(sum(log["wall_times"]), rel=1e-5)


def test_unknown_and_invalid_cells_are_named_errors(bench):
    with pytest.raises(NotInBenchmark, match="valid but not in the nbnlp/wikitext2 table"):
        bench.index_of({"h_new_0": {"op": "activation_tanh", "input": ["x"]}})
    with pytest.raises(InvalidArchitecture, match="unknown op"):
        bench.index_of({"h_new_0": {"op": "conv3x3", "input": ["x"]}})
    assert list(bench.find([{"h_new_0": {"op": "activation_tanh", "input": ["x"]}}, RNN])) == [-1, bench.index_of(RNN)]


def test_embedded_cache_is_the_conversion_of_the_shared_file(bench):
    """data/nbnlp/wikitext2 holds exactly what the importer writes (metadata differs only in its paths)."""
    embedded = EMBEDDED_DIR / "nbnlp" / "wikitext2"
    fresh = Path(bench.path)
    for path in sorted(fresh.iterdir()):
        if path.name != "metadata.json":
            assert hashlib.sha256(path.read_bytes()).digest() == hashlib.sha256((embedded / path.name).read_bytes()).digest(), path.name
    a, b = (json.loads((p / "metadata.json").read_text()) for p in (fresh, embedded))
    assert {k: v for k, v in a.items() if k != "rebuild"} == {k: v for k, v in b.items() if k != "rebuild"}
    assert suite.load("nbnlp", "wikitext2").path == embedded  # configs run out of the box


# -- encodings and architecture features ------------------------------------------------------------------
def test_adjacency_onehot_and_arch_features(bench):
    X = encode(bench, "adjacency_onehot")
    assert X.shape == (263, WIDTH) == (263, 612) and X.dtype == np.float32
    assert len(np.unique(X, axis=0)) == 263  # distinct cells encode distinctly here
    cells = [NBNLPSpace().key(c) for c in (LSTM, _scramble(LSTM, random.Random(0)), RNN)]
    frame = pd.DataFrame({"cell": cells})
    Y = encode_frame("nbnlp", frame, "adjacency_onehot")
    np.testing.assert_array_equal(Y[0], Y[1])
    assert Y[2].sum() == 2 + 2 + 1 + 1  # 2 ops, 2 source reads (x, h_prev_0), 1 node edge, 1 output (h_new_0)
    feats = nbnlp_arch_features(frame)
    lstm = dict(zip(NBNLP_ARCH_FEATURES, feats[0]))
    assert lstm == {"n_nodes": 13, "n_hidden": 2, "depth": 6, "n_linear": 4, "n_blend": 0, "n_prod": 3, "n_sum": 1,
                    "n_tanh": 3, "n_sigm": 2, "n_leaky_relu": 0}
    from suite.predictors.arch_features import arch_features

    ap = arch_features(bench, np.arange(5))
    assert ap.shape == (5, 1 + len(NBNLP_ARCH_FEATURES))
    np.testing.assert_allclose(ap[:, 0], bench.metric("params")[:5])


# -- a tiny fixture in the official layout ---------------------------------------------------------------
SETTINGS = {"data": "data/wikitext-2", "recepies_list_path": "data/models_recepies.json", "cuda": True,
            "batch_size": 20, "model": "CustomRNN", "emsize": 400, "nhid": 600, "nlayers": 3, "dropout": 0.1,
            "dropouth": 0.25, "dropouti": 0.4, "dropoute": 0.0, "wdrop": 0.1, "tied": True, "bptt": 70, "lr": 0.001,
            "wdecay": 1.2e-06, "epochs": 50, "alpha": 2, "beta": 1, "log_interval": 200, "clip": 0.25,
            "eval_batch_size": 50}


def _log(recepie_id: int, experiment_id: int, cell: dict, final: float, *, status: str = "OK", epochs: int = 50,
         **changes) -> tuple[str, dict]:
    val = list(np.linspace(final + 1.0, final, epochs))
    if status != "OK":
        val[-1] = float("nan")
    rec = {**SETTINGS, "recepie_id": recepie_id, "recepie": json.dumps(cell), "experiment_id": experiment_id,
           "init_time": "2020-04-28_17-16-54", "num_params": 1000 + len(cell), "wall_times": [10.0] * epochs,
           "train_losses": [v - 0.5 for v in val], "val_losses": val, "test_losses": [v - 0.1 for v in val],
           "status": status, **changes}
    return f"log_stats_model_{recepie_id}_2020-04-28_17-16-54_{experiment_id}.json", rec


def write_fixture(path: Path, logs: list[tuple[str, dict]] | None = None) -> Path:
    """A logs.zip as released: flat JSON members (NaN written as ``NaN``), deflate-compressed."""
    if logs is None:
        logs = [
            _log(1000000, 999900001, LSTM, 4.6),
            _log(1000001, 999900002, RNN, 5.5),
            _log(1002001, 999900003, _scramble(RNN, random.Random(3)), 5.4),  # the RNN again, renamed
            _log(1000002, 999900004, GATED, 7.0, status="loss is nan!", epochs=12),
        ]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, rec in logs:
            archive.writestr(name, json.dumps(rec))
        archive.writestr("README.txt", "not a log")
    return path


def test_fixture_conversion(tmp_path):
    source = write_fixture(tmp_path / "logs.zip")
    [out] = importer.convert(tmp_path, tmp_path / "cache")  # a directory holding logs.zip works too
    b = suite.load("nbnlp", "wikitext2", root=tmp_path / "cache")
    assert len(b) == 2 and list(b.columns(["n_runs"])["n_runs"]) == [1, 2]  # rows by first recepie_id: LSTM, RNN
    meta = json.loads((out / "metadata.json").read_text())
    assert "4 training logs: 3 complete 50-epoch runs kept, 1 dropped (status 'loss is nan!': 1)" in meta["notes"]
    assert "1 other archive member(s) ignored" in meta["notes"]
    rnn = b.index_of(RNN)
    assert b.columns(["recepie_ids"])["recepie_ids"][rnn] == "1000001,1002001"
    assert b.metric("val_loss")[rnn] == pytest.approx(5.45)  # mean of the two runs
    assert [b.metric("val_loss", seed=k)[rnn] for k in (0, 1)] == pytest.approx([5.5, 5.4])
    assert np.isnan(b.metric("val_loss", seed=1)[b.index_of(LSTM)])
    assert b.metric("train_time")[rnn] == pytest.approx(500.0)
    assert b.curves("train_time").to_numpy()[rnn, 9] == pytest.approx(100.0)
    assert b.metric("params")[rnn] == pytest.approx((1000 + 2) / 1e6)
    assert b.metric("neg_test_loss")[rnn] == pytest.approx(-5.35)
    assert source.exists()


@pytest.mark.parametrize("damage", ["truncate", "garbage", "member"])
def test_corrupt_archive_is_a_one_line_named_error(tmp_path, damage):
    path = write_fixture(tmp_path / "logs.zip")
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "garbage":
        data = bytearray(b"PK\x03\x04" + bytes(200))
    else:  # flip bytes inside the first member's compressed data; the directory stays intact
        with zipfile.ZipFile(path) as archive:
            info = archive.infolist()[0]
        start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
        for k in range(start + 5, start + 25):
            data[k] ^= 0x5A
    path.write_bytes(bytes(data))
    with pytest.raises(CorruptRecord, match="logs.zip") as err:
        importer.convert(path, tmp_path / "cache")
    assert "\n" not in str(err.value)
    assert not (tmp_path / "cache" / "nbnlp").exists()


def test_archive_limits_and_format_errors(tmp_path, monkeypatch):
    path = write_fixture(tmp_path / "logs.zip")
    monkeypatch.setattr(importer, "MAX_MEMBER_BYTES", 1000)
    with pytest.raises(SourceFormatError, match="more than the 1000"):
        importer.read_logs(path)
    monkeypatch.undo()
    varying = write_fixture(tmp_path / "vary.zip", [_log(1, 2, RNN, 5.0), _log(3, 4, LSTM, 4.6, lr=0.01)])
    with pytest.raises(SourceFormatError, match="setting lr is 0.01 here but 0.001"):
        importer.read_logs(varying)
    other = write_fixture(tmp_path / "ptb.zip", [_log(1, 2, RNN, 5.0, data="data/ptb")])
    with pytest.raises(SourceFormatError, match="WikiText-2"):
        importer.read_logs(other)
    with zipfile.ZipFile(tmp_path / "empty.zip", "w") as archive:
        archive.writestr("notes.txt", "x")
    with pytest.raises(SourceFormatError, match="no log_stats_model"):
        importer.read_logs(tmp_path / "empty.zip")
    bad_cell = write_fixture(tmp_path / "bad.zip", [_log(1, 2, {"h_new_0": {"op": "conv", "input": ["x"]}}, 5.0)])
    with pytest.raises(SourceFormatError, match="not a valid NAS-Bench-NLP cell"):
        importer.read_logs(bad_cell)
    with zipfile.ZipFile(tmp_path / "deep.zip", "w") as archive:  # 200k levels: json.loads would recurse
        archive.writestr("log_stats_model_1_x_2.json", "[" * 200_000 + "]" * 200_000)
    with pytest.raises(SourceFormatError, match="max_nesting = 100; .*NAS_SUITE_MAX_NESTING") as err:
        importer.read_logs(tmp_path / "deep.zip")
    assert "\n" not in str(err.value)
    with pytest.raises(InvalidArchitecture, match="nested too deeply"):
        NBNLPSpace().key("[" * 200_000 + "]" * 200_000)
    with pytest.raises(SourceFormatError, match="not a regular file"):
        importer.read_logs(tmp_path)


# -- the experiments read the loss through its negation --------------------------------------------------
def test_configs_read_the_negated_loss():
    from suite.experiment import runner
    from suite.experiment.kinds import load_spec

    repo = Path(__file__).resolve().parents[1]
    spec = load_spec(repo / "configs" / "baker-lc-nlp.toml")
    assert spec.target_metric == "neg_val_loss"
    assert runner._inputs(spec, "srm", 13).curve_metric == "neg_val_loss"  # curve predictors follow the target
    stop = load_spec(repo / "configs" / "early-stop-nlp.toml")
    assert (stop.metric, stop.test_metric) == ("neg_val_loss", "neg_test_loss")
    assert 'metric = "neg_val_loss"' in runner.to_toml(stop.as_toml_dict())
    nb201 = load_spec(repo / "configs" / "early-stop-nb201.toml")
    assert "metric" not in nb201.as_toml_dict()  # defaults are not written: pinned configs stay identical
