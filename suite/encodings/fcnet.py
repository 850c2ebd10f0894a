"""NAS-HPO-Bench (FCNet) encodings, genome and static ("AP"/"HP") features.

Everything reads the nine parameter columns of ``archs.parquet`` (:mod:`suite.data.spaces.fcnet`),
turned into choice indices ``(n, 9)`` once by :func:`suite.data.spaces.fcnet.choice_codes`, then
whole-array numpy. Parameters are in *digit order*: activation_fn_1, activation_fn_2, batch_size,
dropout_1, dropout_2, init_lr, lr_schedule, n_units_1, n_units_2.

* :func:`onehot` ``(n, 34)``: one indicator per choice, parameter-major in digit order (column
  ``OFFSETS[k] + choice`` for parameter ``k``; cardinalities 2, 2, 4, 3, 3, 6, 2, 6, 6).
* :func:`ordinal` ``(n, 12)``: per parameter in digit order, ordered ones (batch_size, dropouts,
  init_lr, n_units) as one column ``index / (cardinality - 1)`` in ``[0, 1]`` (the grids are
  geometric or evenly spaced, so the index is already the natural scale: log2 of batch size and
  units, the dropout rate itself), the categorical ones (activations, lr_schedule) one-hot (2 columns
  each).
* :class:`FCNetGenome`: the grid as a mixed-radix vector; every edit is a valid configuration
  and the grid is complete, so :meth:`~FCNetGenome.decode` is arithmetic, never a lookup.
* :func:`fcnet_arch_features` / :func:`fcnet_hp_features`: Baker et al.'s static features of the
  SRM (arXiv:1705.10823, "AP" architecture and "HP" hyper-parameter columns):
  :data:`FCNET_ARCH_FEATURES` and :data:`FCNET_HP_FEATURES`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..data.spaces.fcnet import CARDINALITIES, N_CONFIGS, ORDINAL, PARAMS, choice_codes, codes_of_rows, rows_of
from ..errors import NasSuiteError
from .genome import Genome

if TYPE_CHECKING:
    from ..data.benchmark import Benchmark

__all__ = ["OFFSETS", "ONEHOT_WIDTH", "ORDINAL_WIDTH", "FCNET_ARCH_FEATURES", "FCNET_HP_FEATURES", "FCNetGenome",
           "onehot", "ordinal", "fcnet_arch_features", "fcnet_hp_features", "arch_features_of", "hp_features_of"]

#: first :func:`onehot` column of each parameter, digit order
OFFSETS: np.ndarray = np.concatenate([[0], np.cumsum(CARDINALITIES)[:-1]]).astype(np.int64)
ONEHOT_WIDTH = int(CARDINALITIES.sum())  # 34
#: columns each parameter takes in :func:`ordinal`: 1 if ordered, its cardinality if categorical
_ORD_COLS = np.where(ORDINAL, 1, CARDINALITIES).astype(np.int64)
_ORD_OFFSETS = np.concatenate([[0], np.cumsum(_ORD_COLS)[:-1]]).astype(np.int64)
ORDINAL_WIDTH = int(_ORD_COLS.sum())  # 12

FCNET_ARCH_FEATURES: tuple[str, ...] = ("log2_n_units_1", "log2_n_units_2", "tanh_1", "tanh_2")
"""Columns of :func:`fcnet_arch_features`: log2 of the units of each hidden layer, and 1.0 where
that layer's activation is tanh (0.0 for relu)."""
FCNET_HP_FEATURES: tuple[str, ...] = ("log10_batch_size", "dropout_1", "dropout_2", "log10_init_lr", "cosine_schedule")
"""Columns of :func:`fcnet_hp_features`: log10 of the batch size, the two dropout rates, log10 of
Adam's initial learning rate, and 1.0 for the cosine learning-rate schedule (0.0 for const)."""

_INDEX = {p.name: k for k, p in enumerate(PARAMS)}


def onehot(archs: pd.DataFrame) -> np.ndarray:
    """float32 ``(n, 34)``: one-hot choice of each parameter, parameter-major (module docstring)."""
    codes = choice_codes(archs).astype(np.int64)
    out = np.zeros((len(codes), ONEHOT_WIDTH), dtype=np.float32)
    if len(codes):
        cols = codes + OFFSETS[None, :]
        out[np.arange(len(codes))[:, None], cols] = 1.0
    return out


def ordinal(archs: pd.DataFrame) -> np.ndarray:
    """float32 ``(n, 12)``: scaled index for ordered parameters, one-hot for categorical ones."""
    codes = choice_codes(archs).astype(np.int64)
    out = np.zeros((len(codes), ORDINAL_WIDTH), dtype=np.float32)
    rows = np.arange(len(codes))
    for k in range(len(PARAMS)):
        if ORDINAL[k]:
            out[:, _ORD_OFFSETS[k]] = codes[:, k] / (CARDINALITIES[k] - 1)
        else:
            out[rows, _ORD_OFFSETS[k] + codes[:, k]] = 1.0
    return out


def _values(codes: np.ndarray, name: str) -> np.ndarray:
    """float64 ``(n,)`` values of one numeric parameter from choice indices ``(n, 9)``."""
    k = _INDEX[name]
    return np.asarray(PARAMS[k].choices, dtype=np.float64)[codes[:, k]]


def _is(codes: np.ndarray, name: str, choice: str) -> np.ndarray:
    """float64 ``(n,)``: 1.0 where parameter ``name`` takes ``choice``."""
    k = _INDEX[name]
    return (codes[:, k] == PARAMS[k].choices.index(choice)).astype(np.float64)


def fcnet_arch_features(archs: pd.DataFrame) -> np.ndarray:
    """float64 ``(n, 4)``: :data:`FCNET_ARCH_FEATURES` of the rows of an ``archs`` frame.

    No parameter count: it depends on each dataset's input width, which these tables do not
    record.
    """
    codes = choice_codes(archs)
    return np.column_stack([
        np.log2(_values(codes, "n_units_1")), np.log2(_values(codes, "n_units_2")),
        _is(codes, "activation_fn_1", "tanh"), _is(codes, "activation_fn_2", "tanh"),
    ]).reshape(len(codes), len(FCNET_ARCH_FEATURES))


def fcnet_hp_features(archs: pd.DataFrame) -> np.ndarray:
    """float64 ``(n, 5)``: :data:`FCNET_HP_FEATURES` (the training hyper-parameters this grid varies)."""
    codes = choice_codes(archs)
    return np.column_stack([
        np.log10(_values(codes, "batch_size")), _values(codes, "dropout_1"), _values(codes, "dropout_2"),
        np.log10(_values(codes, "init_lr")), _is(codes, "lr_schedule", "cosine"),
    ]).reshape(len(codes), len(FCNET_HP_FEATURES))


_COLUMNS = [p.name for p in PARAMS]


def arch_features_of(bench: Benchmark, ids: np.ndarray) -> np.ndarray:
    """AP features of rows ``ids`` of a loaded ``fcnet`` benchmark: float64 ``(len(ids), 4)``."""
    return fcnet_arch_features(bench.columns(_COLUMNS).iloc[np.asarray(ids, dtype=np.int64)])


def hp_features_of(bench: Benchmark, ids: np.ndarray) -> np.ndarray:
    """HP features of rows ``ids`` of a loaded ``fcnet`` benchmark: float64 ``(len(ids), 5)``."""
    return fcnet_hp_features(bench.columns(_COLUMNS).iloc[np.asarray(ids, dtype=np.int64)])


class FCNetGenome(Genome):
    """The nine choice indices in digit order; row id = their mixed-radix value (the grid is complete).

    ``ordinal`` marks batch_size, dropout_1, dropout_2, init_lr, n_units_1 and n_units_2.
    """

    cardinalities = CARDINALITIES

    def __init__(self, bench: Benchmark) -> None:
        if len(bench) != N_CONFIGS:
            raise NasSuiteError(f"{bench.name}/{bench.dataset} has {len(bench)} rows, not the {N_CONFIGS:,} of the "
                                "complete FCNet grid; rebuild it with nas-suite data import fcnet-pickle")
        super().__init__(bench)

    @property
    def ordinal(self) -> np.ndarray:
        return ORDINAL.copy()

    def encode(self, ids: np.ndarray) -> np.ndarray:
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        if ids.size and (ids.min() < 0 or ids.max() >= N_CONFIGS):
            raise NasSuiteError(f"fcnet ids must lie in 0..{N_CONFIGS - 1}")
        return codes_of_rows(ids)

    def decode(self, genomes: np.ndarray) -> np.ndarray:
        g = np.asarray(genomes, dtype=np.int64).reshape(-1, self.length)
        valid = ((g >= 0) & (g < self.cardinalities[None, :])).all(axis=1)
        return np.where(valid, rows_of(g), -1)
