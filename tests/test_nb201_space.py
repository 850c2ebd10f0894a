"""NB201Space: spellings, round trips, validation and isomorphism classes against the NATS table."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, strategies as st

from suite.data.spaces import nb201
from suite.data.spaces.nb201 import NB201Space
from suite.errors import InvalidArchitecture

# NATS index 1 (nats_test_acc_200ep.csv row 1 / simplehpo key "334131")
CELL_1 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"
codes6 = st.lists(st.integers(0, 4), min_size=6, max_size=6)


@pytest.fixture(scope="module")
def nats(shared_data) -> pd.DataFrame:
    return pd.read_csv(shared_data / "nb201" / "nats_test_acc_200ep.csv", keep_default_na=False)


def test_spellings_of_one_cell_share_a_key():
    space = NB201Space()
    assert space.key(CELL_1) == CELL_1
    assert space.key("334131") == CELL_1
    assert space.key((3, 3, 4, 1, 3, 1)) == CELL_1
    assert space.key(np.array([3, 3, 4, 1, 3, 1])) == CELL_1
    assert space.key(["nor_conv_3x3", "nor_conv_3x3", "avg_pool_3x3", "skip_connect", "nor_conv_3x3", "skip_connect"]) == CELL_1
    assert space.key({"code": "334131"}) == CELL_1
    # edges of a node listed in another input order are canonicalised
    swapped = "|nor_conv_3x3~0|+|avg_pool_3x3~1|nor_conv_3x3~0|+|skip_connect~2|nor_conv_3x3~1|skip_connect~0|"
    assert space.key(swapped) == CELL_1


def test_naslib_tuple_convention():
    # NASLib: ops (skip, none, conv3, conv1, avgpool); edges 0->1, 0->2, 0->3, 1->2, 1->3, 2->3
    space = NB201Space()
    expected = "|skip_connect~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_1x1~0|nor_conv_1x1~1|none~2|"
    assert space.key({"naslib": (0, 2, 3, 2, 3, 1)}) == expected
    assert space.key({"naslib": "(0, 2, 3, 2, 3, 1)"}) == expected
    with pytest.raises(InvalidArchitecture, match="naslib"):
        space.key("(0, 2, 3, 2, 3, 1)")


@given(codes6)
def test_naslib_round_trip(codes):
    back = nb201.naslib_to_codes(nb201.codes_to_naslib(np.array(codes)))
    assert back.tolist() == codes


def test_naslib_mapping_matches_zero_cost_params(shared_data):
    """The NASLib `params` proxy must equal the model's parameter count under our mapping.

    Checked on the cells of zc_nasbench201_partial.json against the ctpe `size_in_mb` column
    (first seed row of each cell). On cifar10, 714 of 725 entries agree exactly; the other 11
    differ by exactly one conv edge's parameters (0.24304 M for 3x3, 0.028 M for 1x1), a
    disagreement between NASLib's and NATS's counts, not a mapping error (the identity mapping
    matches only 183 entries).
    """
    zc = json.loads((shared_data / "nb201" / "zc_nasbench201_partial.json").read_text())
    keys = [k for k in zc["cifar10"]]
    tuples = np.array([[int(x) for x in k.strip("()").split(",")] for k in keys])
    strings = nb201.strings_from_codes(nb201.naslib_to_codes(tuples))
    nats = pd.read_csv(shared_data / "nb201" / "nats_test_acc_200ep.csv", usecols=["ArchitectureString"])
    simple = json.loads((shared_data / "nb201" / "simplehpo_val_acc_200ep_per_seed_cifar10.json").read_text())
    order = nb201.code_strings(nb201.ops_matrix(nats["ArchitectureString"]))
    counts = np.array([len(simple[c]) for c in order])
    first_row = np.concatenate([[0], np.cumsum(counts)[:-1]])
    ctpe = pd.read_csv(shared_data / "nb201" / "ctpe_metric_vals_flat_per_seed.csv")
    size = ctpe.loc[ctpe["dataset"] == "cifar10", "size_in_mb"].to_numpy()[first_row]
    pos = pd.Series(np.arange(len(nats)), index=nats["ArchitectureString"].to_numpy())
    ids = pos.loc[list(strings)].to_numpy()
    params = np.array([zc["cifar10"][k]["params"]["score"] for k in keys])
    agree = np.isclose(params, size[ids], atol=1e-6)
    assert agree.sum() == 714
    # the identity mapping (treating NASLib tuples as benchmark codes) agrees far less often
    naive = pos.loc[list(nb201.strings_from_codes(tuples))].to_numpy()
    assert np.isclose(params, size[naive], atol=1e-6).sum() == 183


@given(codes6)
def test_round_trips_code_string_ordinal(codes):
    arr = np.array([codes])
    strings = nb201.strings_from_codes(arr)
    assert nb201.ops_matrix(strings).tolist() == [codes]
    code = nb201.code_strings(arr)
    assert code[0] == "".join(map(str, codes))
    assert nb201.strings_from_codes(code)[0] == strings[0]
    ordinal = nb201.ordinals_from_codes(arr)
    assert 0 <= ordinal[0] < nb201.N_CELLS
    assert nb201.codes_from_ordinals(ordinal).tolist() == [codes]
    assert nb201.strings_from_ordinals(ordinal)[0] == strings[0]
    assert NB201Space().key(strings[0]) == strings[0]


def test_all_cells_round_trip():
    strings = nb201.strings_from_ordinals(np.arange(nb201.N_CELLS))
    assert len(set(strings)) == 15625
    assert np.array_equal(nb201.ordinals_from_strings(strings), np.arange(nb201.N_CELLS))


@pytest.mark.parametrize(
    "spec, rule",
    [
        ("|none~0|+|none~0|none~1|", "2 node groups"),
        ("|none~0|+|none~0|none~1|+|none~0|none~1|", "2 input edge"),
        ("|none~0|+|none~0|none~2|+|none~0|none~1|none~2|", "may only read nodes 0..1"),
        ("|none~0|+|none~0|none~0|+|none~0|none~1|none~2|", "two edges from node 0"),
        ("|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|", "unknown NB-201 op 'conv'"),
        ("none~0|+|none~0|none~1|+|none~0|none~1|none~2|", "must start and end"),
        ("|none0|+|none~0|none~1|+|none~0|none~1|none~2|", "op~input"),
        ("334135", "6 digits in 0..4"),
        ("3341", "6 digits"),
        ((3, 3, 4, 1, 3), "6 entries"),
        ((3, 3, 4, 1, 3, 7), "0..4"),
        ({"naslib": (0, 1, 2, 3, 4, 5)}, "0..4"),
        ({"bogus": 1}, "unknown"),
        (3.5, "cannot read"),
    ],
)
def test_invalid_specs_name_the_rule(spec, rule):
    with pytest.raises(InvalidArchitecture, match=rule.replace("(", r"\(").replace(".", r"\.")):
        NB201Space().key(spec)


def test_invalid_string_in_vectorised_lookup():
    with pytest.raises(InvalidArchitecture, match="unknown NB-201 op"):
        nb201.ops_matrix([CELL_1, "|x~0|+|none~0|none~1|+|none~0|none~1|none~2|"])


def test_is_single():
    space = NB201Space()
    assert space.is_single(CELL_1) and space.is_single((3, 3, 4, 1, 3, 1)) and space.is_single({"code": "334131"})
    assert not space.is_single([CELL_1, CELL_1])
    assert not space.is_single(["334131"] * 6)


def test_keys_vectorised_matches_key(nats):
    space = NB201Space()
    sample = list(nats["ArchitectureString"][:50]) + ["334131"]
    assert list(space.keys(sample)) == [space.key(s) for s in sample]


def test_unique_string_reproduced_exactly(nats):
    """iso_strings reproduces NATS's UniqueString column for every one of the 15,625 cells."""
    codes = nb201.ops_matrix(nats["ArchitectureString"])
    assert np.array_equal(nb201.iso_strings(codes), nats["UniqueString"].to_numpy(dtype=object))


def test_iso_classes_equal_unique_string_classes(nats):
    frame = nb201.archs_frame(nats["ArchitectureString"])
    expected = nats.groupby("UniqueString", sort=False)["UniqueString"].transform(lambda g: g.index.min()).to_numpy()
    assert np.array_equal(frame["iso"].to_numpy(), expected)
    assert frame["iso"].nunique() == 6466  # NAS-Bench-201 paper: 6,466 unique topologies
    # representatives point to themselves; every member points to a smaller-or-equal id
    assert (frame["iso"] <= frame["id"]).all()
    reps = frame["iso"].unique()
    assert (frame.loc[reps, "iso"].to_numpy() == reps).all()


def test_archs_frame_columns(nats):
    frame = nb201.archs_frame(nats["ArchitectureString"][:3])
    assert list(frame.columns) == list(nb201.ARCHS_COLUMNS)
    assert frame.loc[1, "code"] == "334131" and frame.loc[1, "key"] == CELL_1
    assert frame[[f"op_{k}" for k in range(6)]].dtypes.eq(np.int8).all()
    # cell 0 of NATS: |avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|
    assert frame.loc[0, "code"] == "421211"
