"""NAS-Bench-Macro search space: 8 searchable layers, 3 candidate blocks each (3^8 = 6,561).

An architecture is an 8-character code, character ``k`` = block of layer ``k``:
``0`` Identity, ``1`` MB3_K3 (MobileNetV2 block, kernel 3, expansion 3), ``2`` MB6_K5 (kernel 5,
expansion 6). The layers form three stages of 2, 3 and 3 layers (:data:`STAGES`).

Accepted spellings (:meth:`NBMacroSpace.key`): the code string (``"02012100"``), a sequence of
8 ints in 0..2, or a sequence of 8 block names from :data:`OPS`. The key is the code string.

Equivalence (:func:`real_codes`): the benchmark trained one network per *real* architecture
and copied its results to every code with the same real form. Within a stage, identity layers
after the stage's first layer are moved to the end of the stage (the first layer of a stage is
kept in place); this mirrors ``get_real_arch`` of the benchmark's ``train_benchmark.py``.
"""

from __future__ import annotations

import functools
import re
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ...errors import InvalidArchitecture
from . import SearchSpace

OPS: tuple[str, ...] = ("Identity", "MB3_K3", "MB6_K5")
N_LAYERS = 8
N_ARCHS = len(OPS) ** N_LAYERS  # 6,561
STAGES: tuple[int, ...] = (2, 3, 3)
_CODE_RE = re.compile(r"^[0-2]{8}$")
_POW3 = 3 ** np.arange(N_LAYERS - 1, -1, -1, dtype=np.int64)

ARCHS_COLUMNS: dict[str, str] = {
    "id": "row number = base-3 value of the code (itertools.product order of the benchmark's own enumeration)",
    "arch": "8-character code, character k = block of layer k (0 Identity, 1 MB3_K3, 2 MB6_K5)",
    "key": "canonical lookup key = NBMacroSpace().key(arch) = the code",
    **{f"layer_{k}": f"int8 block of layer {k} (0 Identity, 1 MB3_K3, 2 MB6_K5)" for k in range(N_LAYERS)},
    "real": "the code of the network actually trained (identity layers after a stage's first layer moved to the stage's end)",
    "iso": "id of the lowest-id code with the same real code (codes sharing it share every published value)",
}


def codes_of(spec: Any) -> tuple[int, ...]:
    """Layer choices of one spec; raises :class:`InvalidArchitecture` naming the broken rule."""
    if isinstance(spec, str):
        s = spec.strip()
        if _CODE_RE.match(s):
            return tuple(int(c) for c in s)
        if len(s) != N_LAYERS:
            raise InvalidArchitecture(f"NAS-Bench-Macro code {spec!r} must have 8 characters (one per layer), got {len(s)}")
        raise InvalidArchitecture(f"NAS-Bench-Macro code {spec!r} may only contain 0, 1, 2 (Identity, MB3_K3, MB6_K5)")
    if isinstance(spec, (list, tuple, np.ndarray)):
        items = list(spec)
        if len(items) != N_LAYERS:
            raise InvalidArchitecture(f"NAS-Bench-Macro spec must have 8 layer choices, got {len(items)}")
        out = []
        for x in items:
            if isinstance(x, str) and x in OPS:
                out.append(OPS.index(x))
            elif isinstance(x, (int, np.integer)) and not isinstance(x, bool) and 0 <= int(x) < len(OPS):
                out.append(int(x))
            else:
                raise InvalidArchitecture(f"NAS-Bench-Macro layer choice {x!r} must be 0, 1, 2 or one of {', '.join(OPS)}")
        return tuple(out)
    raise InvalidArchitecture(
        f"cannot read a NAS-Bench-Macro architecture from {type(spec).__name__}; give an 8-character code like '02012100'"
    )


def code_string(codes: Sequence[int]) -> str:
    return "".join(str(int(c)) for c in codes)


def real_code(code: str) -> str:
    """The code of the network trained for ``code`` (see module docstring)."""
    out, pos = [], 0
    for size in STAGES:
        stage = code[pos : pos + size]
        rest = [c for c in stage[1:] if c != "0"]
        out.append(stage[0] + "".join(rest) + "0" * (size - 1 - len(rest)))
        pos += size
    return "".join(out)


@functools.lru_cache(maxsize=1)
def all_codes() -> np.ndarray:
    """Object array of all 6,561 codes, position = base-3 value."""
    r = np.arange(N_ARCHS, dtype=np.int64)
    digits = (r[:, None] // _POW3[None, :]) % 3
    return np.array(["".join(map(str, row)) for row in digits], dtype=object)


def real_codes(codes: Sequence[str]) -> np.ndarray:
    return np.array([real_code(c) for c in codes], dtype=object)


def archs_frame() -> pd.DataFrame:
    """The ``archs.parquet`` table of the whole space in id order; columns :data:`ARCHS_COLUMNS`."""
    codes = all_codes()
    frame = pd.DataFrame({"id": np.arange(N_ARCHS, dtype=np.int64), "arch": codes, "key": codes})
    digits = np.frombuffer("".join(codes).encode("ascii"), dtype=np.uint8).reshape(N_ARCHS, N_LAYERS) - ord("0")
    for k in range(N_LAYERS):
        frame[f"layer_{k}"] = digits[:, k].astype(np.int8)
    real = real_codes(codes)
    frame["real"] = real
    frame["iso"] = pd.Series(frame["id"].to_numpy()).groupby(real).transform("min").to_numpy(dtype=np.int64)
    for col in ("arch", "key", "real"):
        frame[col] = frame[col].astype(object)
    return frame


class NBMacroSpace(SearchSpace):
    """NAS-Bench-Macro architectures; key = 8-character code."""

    name = "nbmacro"

    def key(self, spec: Any) -> str:
        return code_string(codes_of(spec))

    def is_single(self, spec: Any) -> bool:
        if isinstance(spec, (str, dict)):
            return True
        if isinstance(spec, np.ndarray):
            return spec.ndim == 1 and spec.dtype.kind in "iu"
        if isinstance(spec, (list, tuple)) and len(spec) == N_LAYERS:
            return all(
                (isinstance(x, (int, np.integer)) and not isinstance(x, bool)) or (isinstance(x, str) and x in OPS)
                for x in spec
            )
        return False
