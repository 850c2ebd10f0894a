"""NAS-HPO-Bench (FCNet): the grid space, the pickle importer (real files and tiny fixtures), the
embedded caches, encodings, genome and Baker's HP features."""

from __future__ import annotations

import hashlib
import json
import pickle
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, strategies as st

import suite
from suite.data import registry
from suite.data.importers import fcnet as importer
from suite.data.paths import EMBEDDED_DIR
from suite.data.spaces import fcnet
from suite.data.spaces.fcnet import FCNetSpace
from suite.encodings import encode, spec as encoding_spec
from suite.encodings.fcnet import FCNET_ARCH_FEATURES, FCNET_HP_FEATURES, FCNetGenome
from suite.encodings.genome import genome_for
from suite.errors import CorruptRecord, InvalidArchitecture, NasSuiteError, SourceFormatError, UnsafePickle

REPO = Path(__file__).resolve().parents[1]
#: ../shared/data/README.md, "hpolib_fcnet": minimum validation MSE over all configurations and seeds
KNOWN_MIN = {"naval_propulsion": 2.479256e-05, "parkinsons_telemonitoring": 3.821034e-03,
             "protein_structure": 2.201387e-01, "slice_localization": 1.585198e-04}
#: param_id 003013053 spelled out (digit k = index of the choice of parameter k)
CONFIG = {"activation_fn_1": "relu", "activation_fn_2": "relu", "batch_size": 64, "dropout_1": 0.0, "dropout_2": 0.3,
          "init_lr": 1e-2, "lr_schedule": "cosine", "n_units_1": 512, "n_units_2": 128}


# -- registry and space ------------------------------------------------------------------------------------
def test_registry_names_and_importer():
    spec = registry.BENCHMARKS["fcnet"]
    assert spec.title == "NAS-HPO-Bench (FCNet tabular benchmarks)" and "1905.04970" in spec.citation
    for name in ("fcnet", "FCNet", "nas-hpo-bench", "nashpobench", "hpolib", "fcnet-tabular"):
        assert registry.benchmark_spec(name) is spec
    assert [spec.canonical_dataset(d) for d in ("naval", "parkinsons", "protein", "slice")] == list(spec.datasets)
    imp = registry.importer_spec("fcnet-pickle")
    assert imp.benchmark == "fcnet" and imp.uses_pickle and imp.licence == "Apache-2.0" and "Klein" in imp.citation


def test_key_spellings():
    space = FCNetSpace()
    assert space.key(CONFIG) == "003013053" == space.key("003013053")
    same = {**CONFIG, "dropout_1": 0, "init_lr": 0.01, "batch_size": np.int64(64)}
    assert space.key(same) == "003013053"
    assert fcnet.config_of("003013053") == CONFIG
    assert space.is_single(CONFIG) and space.is_single("003013053") and not space.is_single([CONFIG])


@pytest.mark.parametrize("spec, rule", [
    ({**CONFIG, "momentum": 0.9}, "unknown FCNet parameter 'momentum'"),
    ({k: v for k, v in CONFIG.items() if k != "init_lr"}, "lacks parameter 'init_lr'"),
    ({**CONFIG, "batch_size": 128}, "batch_size = 128 is not one of its choices"),
    ({**CONFIG, "init_lr": 2e-3}, "init_lr = 0.002 is not one of its choices"),
    ({**CONFIG, "activation_fn_2": "sigmoid"}, "activation_fn_2 = 'sigmoid'"),
    ({**CONFIG, "n_units_1": "512"}, "n_units_1 = '512'"),
    ({**CONFIG, "dropout_2": True}, "dropout_2 = True"),
    ("00301305", "must be 9 digits"),
    ("0030130x3", "must be 9 digits"),
    ("203013053", "digit 2 for activation_fn_1, which has 2 choices"),
    ("003013063", "digit 6 for n_units_1"),
    (7, "cannot read an FCNet configuration"),
])
def test_invalid_specs_name_the_parameter(spec, rule):
    with pytest.raises(InvalidArchitecture, match=rule) as err:
        FCNetSpace().key(spec)
    assert "\n" not in str(err.value)


@given(st.integers(0, fcnet.N_CONFIGS - 1))
def test_rows_are_the_mixed_radix_value_of_the_param_id(row):
    codes = fcnet.codes_of_rows(np.array([row]))
    assert fcnet.rows_of(codes)[0] == row
    assert fcnet.param_id(codes[0]) == fcnet.all_keys()[row]


def test_grid_order_and_archs_frame():
    keys = fcnet.all_keys()
    assert len(keys) == 62_208 == fcnet.N_CONFIGS and list(keys) == sorted(keys) and len(set(keys)) == len(keys)
    frame = fcnet.archs_frame()
    assert list(frame.columns) == ["id", "arch", "key", *fcnet.NAMES]
    assert frame.loc[int(fcnet.rows_of(np.array([[0, 0, 3, 0, 1, 3, 0, 5, 3]]))[0]), list(CONFIG)].to_dict() == CONFIG


# -- the real files and the embedded caches ---------------------------------------------------------------
@pytest.fixture(scope="module")
def benches() -> dict[str, suite.Benchmark]:
    return {d: suite.load("fcnet", d) for d in KNOWN_MIN}


def test_embedded_caches_hold_the_known_facts(benches):
    for dataset, bench in benches.items():
        assert bench.path == EMBEDDED_DIR / "fcnet" / dataset
        assert len(bench) == 62_208 and bench.meta["default_schedule"] == 100 and bench.schedules("valid_mse") == [100]
        [block] = bench.info("valid_mse")["blocks"]
        assert block["seeds"] == [0, 1, 2, 3] and block["epochs"] == [100]
        per_seed = np.stack([bench.metric("valid_mse", seed=k) for k in range(4)])
        assert np.isfinite(per_seed).all()
        assert per_seed.min() == pytest.approx(KNOWN_MIN[dataset], rel=5e-7), dataset  # min over configs and seeds
        np.testing.assert_allclose(bench.metric("neg_valid_mse"), -per_seed.mean(axis=0), rtol=1e-6)
        assert not bench.info("valid_mse")["higher_is_better"] and bench.info("neg_valid_mse")["higher_is_better"]
        assert bench.info("valid_mse")["split"] == "valid" and bench.info("valid_mse")["source_file"] == f"{dataset}.pkl"
        assert "no per-epoch curves, test MSE, runtime" in bench.meta["notes"]
    assert suite.load("hpolib", "protein").path == benches["protein_structure"].path


def test_lookup_by_config_and_param_id(benches):
    bench = benches["protein_structure"]
    row = bench.index_of(CONFIG)
    assert row == bench.index_of("003013053") == int(fcnet.rows_of(np.array([fcnet.codes_of(CONFIG)]))[0])
    assert bench.arch(row) == "003013053"
    assert list(bench.find([CONFIG, {**CONFIG, "batch_size": 7}])) == [row, -1]
    with pytest.raises(InvalidArchitecture, match="lr_schedule = 'linear'"):
        bench.index_of({**CONFIG, "lr_schedule": "linear"})


def test_embedded_cache_is_the_conversion_of_the_shared_file(tmp_path, shared_data):
    """data/fcnet/protein_structure holds exactly what the importer writes (metadata differs only in its paths)."""
    [fresh] = importer.convert(shared_data / "hpolib_fcnet", tmp_path, allow_pickle=True, datasets="protein")
    embedded = EMBEDDED_DIR / "fcnet" / "protein_structure"
    for path in sorted(fresh.iterdir()):
        if path.name != "metadata.json":
            assert hashlib.sha256(path.read_bytes()).digest() == hashlib.sha256((embedded / path.name).read_bytes()).digest()
    a, b = (json.loads((p / "metadata.json").read_text()) for p in (fresh, embedded))
    assert {k: v for k, v in a.items() if k != "rebuild"} == {k: v for k, v in b.items() if k != "rebuild"}
    assert a["sources"][0]["file"] == "protein_structure.pkl" and a["licence"].startswith("Apache-2.0")


# -- tiny fixtures in the official format -----------------------------------------------------------------
def _write(path: Path, obj) -> Path:
    path.write_bytes(pickle.dumps(obj, protocol=4))  # the protocol of the shared files
    return path


def test_fixture_conversion(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    _write(src / "protein_structure.pkl", {"000000000": [0.5, 0.25, 0.75, 0.5], "003013053": [1.0, 2.0, 3.0, 4.0],
                                           "113225155": [0.125, 0.125, 0.125, 0.125]})
    with pytest.raises(NasSuiteError, match="--allow-pickle"):
        importer.convert(src, tmp_path / "cache")
    [out] = importer.convert(src, tmp_path / "cache", allow_pickle=True)
    b = suite.load("fcnet", "protein", root=tmp_path / "cache")
    assert len(b) == 62_208 and out == tmp_path / "cache" / "fcnet" / "protein_structure"
    row = b.index_of(CONFIG)
    assert [b.metric("valid_mse", seed=k)[row] for k in range(4)] == [1.0, 2.0, 3.0, 4.0]
    assert b.metric("valid_mse")[row] == 2.5 and b.metric("neg_valid_mse")[row] == -2.5
    assert b.metric("neg_valid_mse")[0] == -0.5 and b.metric("valid_mse")[62_207] == 0.125
    assert np.isnan(b.metric("valid_mse")).sum() == 62_208 - 3
    assert "3 of the 62,208 grid configurations measured" in b.meta["notes"]
    assert b.meta["rebuild"].startswith("nas-suite data import fcnet-pickle --allow-pickle")


@pytest.mark.parametrize("obj, error, rule", [
    ([1, 2, 3], SourceFormatError, "non-empty dict of param_id"),
    ({}, SourceFormatError, "non-empty dict of param_id"),
    ({"000000000": [0.1, 0.2, 0.3]}, SourceFormatError, "must be a list of 4 validation MSEs"),
    ({"000000000": {"valid_mse": [0.1] * 4}}, SourceFormatError, "must be a list of 4 validation MSEs"),
    ({"000000000": ["0.1"] * 4}, SourceFormatError, "must be a list of 4 validation MSEs"),
    ({"000000000": [0.1, -0.2, 0.3, 0.4]}, SourceFormatError, "negative mean squared error"),
    ({"00000000": [0.1] * 4}, SourceFormatError, "9-digit param_id"),
    ({0: [0.1] * 4}, SourceFormatError, "9-digit param_id"),
    ({"000000090": [0.1] * 4}, SourceFormatError, "digit 9 for n_units_1"),
])
def test_wrong_shaped_pickles_are_one_line_errors(tmp_path, obj, error, rule):
    path = _write(tmp_path / "naval_propulsion.pkl", obj)
    with pytest.raises(error, match=rule) as err:
        importer.convert(path, tmp_path / "cache", allow_pickle=True)
    assert "\n" not in str(err.value) and not (tmp_path / "cache" / "fcnet").exists()


@pytest.mark.parametrize("damage", ["truncate", "garbage", "unsafe"])
def test_corrupt_or_unsafe_pickles_are_refused(tmp_path, damage):
    good = pickle.dumps({"000000000": [0.1, 0.2, 0.3, 0.4], "000000001": [0.1, 0.2, 0.3, 0.4]}, protocol=4)
    data = {"truncate": good[: len(good) // 2], "garbage": b"\x80\x04not a pickle at all",
            "unsafe": pickle.dumps({"000000000": Path("x")}, protocol=4)}[damage]
    path = tmp_path / "slice_localization.pkl"
    path.write_bytes(data)
    with pytest.raises(UnsafePickle if damage == "unsafe" else CorruptRecord, match="slice_localization.pkl") as err:
        importer.convert(tmp_path, tmp_path / "cache", allow_pickle=True)
    assert "\n" not in str(err.value) and not (tmp_path / "cache" / "fcnet").exists()


def test_unknown_file_names_and_missing_datasets(tmp_path):
    _write(tmp_path / "boston.pkl", {"000000000": [0.1] * 4})
    with pytest.raises(SourceFormatError, match="unknown NAS-HPO-Bench dataset 'boston'"):
        importer.convert(tmp_path / "boston.pkl", tmp_path / "cache", allow_pickle=True)
    (tmp_path / "boston.pkl").unlink()
    _write(tmp_path / "slice.pkl", {"000000000": [0.1] * 4})
    with pytest.raises(SourceFormatError, match="no .pkl file for naval_propulsion"):
        importer.convert(tmp_path, tmp_path / "cache", allow_pickle=True, datasets=["naval"])
    assert importer.convert(tmp_path, tmp_path / "cache", allow_pickle=True)[0].name == "slice_localization"


# -- encodings, genome, features --------------------------------------------------------------------------
def test_encodings(benches):
    bench = benches["protein_structure"]
    X = encode(bench, "onehot")
    assert X.shape == (62_208, 34) and X.dtype == np.float32 and (X.sum(axis=1) == 9).all()
    assert len(np.unique(X, axis=0)) == 62_208
    assert encoding_spec("fcnet", "adjacency_onehot") is encoding_spec("fcnet", "onehot")  # predictors' default
    O = encode(bench, "ordinal", ids=[0, bench.index_of(CONFIG), 62_207])
    assert O.shape == (3, 12) and O.min() >= 0 and O.max() <= 1
    # digit order: act1 (2) act2 (2) batch dropout1 dropout2 init_lr sched (2) units1 units2
    np.testing.assert_allclose(O[1], [1, 0, 1, 0, 3 / 3, 0 / 2, 1 / 2, 3 / 5, 1, 0, 5 / 5, 3 / 5], rtol=1e-6)
    np.testing.assert_array_equal(O[2], [0, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1])


def test_genome(benches):
    bench = benches["protein_structure"]
    g = genome_for(bench)
    assert isinstance(g, FCNetGenome) and list(g.cardinalities) == [2, 2, 4, 3, 3, 6, 2, 6, 6]
    assert [name for name, o in zip(fcnet.NAMES, g.ordinal) if o] == [
        "batch_size", "dropout_1", "dropout_2", "init_lr", "n_units_1", "n_units_2"]
    ids = np.arange(len(bench))
    G = g.encode(ids)
    assert G.dtype == np.int8 and G.shape == (62_208, 9)
    np.testing.assert_array_equal(g.decode(G), ids)
    assert fcnet.param_id(G[bench.index_of(CONFIG)]) == "003013053"
    assert list(g.decode(np.array([[2, 0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0, -1]]))) == [-1, -1]
    parent, found = g.neighbours(np.array([0, 62_207]))
    assert np.bincount(parent).tolist() == [25, 25] and (g.distance(np.zeros(25, np.int64), found[:25]) == 1).all()
    mutated = g.mutate(ids[:100], np.random.default_rng(0))
    assert (g.distance(ids[:100], mutated) == 1).all()


def test_hp_features_are_the_training_hyperparameters(benches):
    from suite.predictors.arch_features import arch_features, hp_features

    bench = benches["naval_propulsion"]
    ids = np.array([0, bench.index_of(CONFIG), 62_207])
    hp = hp_features(bench, ids)
    assert hp.shape == (3, len(FCNET_HP_FEATURES)) == (3, 5)
    np.testing.assert_allclose(hp[1], [np.log10(64), 0.0, 0.3, -2.0, 1.0])
    np.testing.assert_allclose(hp[2], [np.log10(64), 0.6, 0.6, -1.0, 0.0])
    frame = bench.columns(list(fcnet.NAMES)).iloc[ids]
    np.testing.assert_allclose(hp[:, 0], np.log10(frame["batch_size"]))
    np.testing.assert_allclose(hp[:, 3], np.log10(frame["init_lr"]))
    static = arch_features(bench, ids)  # what the SRM reads: AP then HP
    assert static.shape == (3, len(FCNET_ARCH_FEATURES) + len(FCNET_HP_FEATURES))
    np.testing.assert_allclose(static[1, :4], [9.0, 7.0, 0.0, 0.0])  # log2 512, log2 128, relu, relu
    np.testing.assert_array_equal(static[:, 4:], hp)
    nb201 = suite.load("nb201", "cifar10", root=EMBEDDED_DIR)
    assert hp_features(nb201, np.arange(3)).shape == (3, 0)  # one training recipe: no HP columns
    assert arch_features(nb201, np.arange(3)).shape == (3, 5)


def test_quick_predictor_config_reads_the_embedded_cache(benches):
    from suite.experiment.kinds import load_spec
    from suite.predictors import spec as predictor_spec
    from suite.predictors.inputs import build_features

    spec = load_spec(REPO / "configs" / "fcnet-predictors-quick.toml")
    assert (spec.benchmark, spec.dataset, spec.target_metric) == ("fcnet", "protein_structure", "neg_valid_mse")
    assert set(spec.predictors) == {"ols", "ridge", "rf", "xgb", "lgb"}
    X = build_features(benches["protein_structure"], predictor_spec("ols").inputs, np.arange(10))
    assert X.shape == (10, 34)
