"""The restricted unpickler: plain data loads, anything that could run code is refused unrun."""

from __future__ import annotations

import bz2
import io
import os
import pickle
import subprocess
from collections import OrderedDict

import numpy as np
import pytest

from suite.data.safe_pickle import load_pickle, load_pickle_bz2, loads_pickle_bz2
from suite.errors import CorruptRecord, NasSuiteError, SourceFormatError, UnsafePickle

PLAIN = {
    "meta_archs": ["|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"],
    "evaluated_indexes": set(),
    "frozen": frozenset({1, 2}),
    "arch2infos": None,
    ("cifar10", 777): OrderedDict([(0, 12.5), (1, 13.25)]),
    "params": np.float64(0.129306),
    "count": np.int64(7),
    "flag": np.bool_(True),
    "raw": b"\x00\xffab",
    "big": 2**70,
    "nested": [1.5, (2, "x"), {"k": [None, True]}],
}


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_plain_data_round_trips_for_every_protocol(protocol):
    out = load_pickle(io.BytesIO(pickle.dumps(PLAIN, protocol=protocol)))
    assert out == PLAIN
    assert type(out[("cifar10", 777)]) is OrderedDict
    assert type(out["params"]) is np.float64 and out["params"] == 0.129306
    assert type(out["count"]) is np.int64


def test_numpy1_scalar_name_used_by_the_official_files_is_accepted():
    # The official NATS pickles were written by NumPy 1.x, which names the scalar
    # constructor numpy.core.multiarray.scalar (NumPy 2 writes numpy._core...).
    blob = pickle.dumps(np.float64(0.129306), protocol=2)
    assert b"cnumpy._core.multiarray\nscalar\n" in blob
    old = blob.replace(b"cnumpy._core.multiarray\nscalar\n", b"cnumpy.core.multiarray\nscalar\n")
    assert load_pickle(io.BytesIO(old)) == np.float64(0.129306)


class _Shell:
    """Unpickling this calls os.system(command) with the stock pickle module."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


def test_os_system_payload_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / "pwned"
    payload = pickle.dumps({"ok": [1, 2], "evil": _Shell(f"touch {marker}")}, protocol=4)
    # sanity: the stock unpickler really would run it (so the test can fail)
    pickle.loads(payload)
    assert marker.exists()
    marker.unlink()

    with pytest.raises(UnsafePickle) as err:
        load_pickle(io.BytesIO(payload), source="evil.pickle")
    assert not marker.exists()
    msg = str(err.value)
    assert "posix.system" in msg or "os.system" in msg  # names the refused global
    assert "evil.pickle" in msg and "explicit request" in msg and "\n" not in msg
    assert isinstance(err.value, NasSuiteError)


@pytest.mark.parametrize(
    "payload_global",
    [
        (eval, ("1+1",)),
        (exec, ("x=1",)),
        (getattr, ("x", "upper")),
        (__import__, ("os",)),
        (subprocess.Popen, (["true"],)),
    ],
    ids=["eval", "exec", "getattr", "__import__", "Popen"],
)
def test_dangerous_builtins_and_modules_are_refused(payload_global):
    func, args = payload_global

    class Payload:
        def __reduce__(self):
            return (func, args)

    with pytest.raises(UnsafePickle, match="refused to unpickle"):
        load_pickle(io.BytesIO(pickle.dumps(Payload(), protocol=2)))


def test_numpy_arrays_and_object_dtypes_are_refused():
    with pytest.raises(UnsafePickle, match="_reconstruct"):
        load_pickle(io.BytesIO(pickle.dumps(np.arange(3))))
    with pytest.raises(UnsafePickle, match="dtype"):
        load_pickle(io.BytesIO(pickle.dumps(np.dtype(object))))


def test_codecs_encode_is_limited_to_latin1():
    good = pickle.dumps(b"\x00\xff", protocol=2)  # protocol 2 spells bytes via _codecs.encode
    assert b"_codecs" in good and load_pickle(io.BytesIO(good)) == b"\x00\xff"
    bad = good.replace(b"latin1", b"rot_13")  # same length: still a well-formed pickle
    with pytest.raises(UnsafePickle, match="rot_13"):
        load_pickle(io.BytesIO(bad))


def test_persistent_references_are_a_format_error():
    class P(pickle.Pickler):
        def persistent_id(self, obj):
            return "storage0" if obj == "tensor" else None

    buf = io.BytesIO()
    P(buf, protocol=2).dump({"w": "tensor"})
    with pytest.raises(SourceFormatError, match="persistent"):
        load_pickle(io.BytesIO(buf.getvalue()))


def test_bz2_file_round_trip_and_damage(tmp_path):
    path = tmp_path / "meta.pickle.pbz2"
    path.write_bytes(bz2.compress(pickle.dumps(PLAIN, protocol=4)))
    assert load_pickle_bz2(path) == PLAIN

    with pytest.raises(CorruptRecord, match="not a valid bz2 stream"):
        loads_pickle_bz2(b"this is not bz2 data", source="x.pbz2")
    truncated = bz2.compress(pickle.dumps(PLAIN, protocol=4))[:-20]
    with pytest.raises(CorruptRecord):
        loads_pickle_bz2(truncated, source="x.pbz2")
    cut_pickle = bz2.compress(pickle.dumps(PLAIN, protocol=4)[:-10])
    with pytest.raises(CorruptRecord, match="not a complete pickle"):
        loads_pickle_bz2(cut_pickle, source="x.pbz2")
    with pytest.raises(SourceFormatError, match="cannot read"):
        load_pickle_bz2(tmp_path / "missing.pickle.pbz2")
