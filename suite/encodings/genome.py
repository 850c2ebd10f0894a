"""Genomes: architectures as fixed-width categorical vectors that can be edited and looked up again.

Search and subset selection need three moves in a search space — all single edits of a cell
(local search, BANANAS' mutation neighbourhood), a random mutation (regularized evolution) and
a crossover — and a way back from the edited vector to a table id. A genome is that vector:
``L`` positions, position ``p`` taking values ``0..cardinalities[p]-1``. Every move is written
once here, vectorised over many parents; each benchmark only says how ids become genomes and
genomes become ids (``-1`` where the edited vector is not a valid cell, or the table lacks it).

One file per benchmark holds its genome (``suite.encodings.nb201.NB201Genome``,
``suite.encodings.nb101.NB101Genome``); :data:`GENOMES` lists them.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

import numpy as np

from ..errors import NasSuiteError

if TYPE_CHECKING:
    from ..data.benchmark import Benchmark

__all__ = ["Genome", "GENOMES", "genome_for"]

#: benchmark -> "module:Class" of its genome (imported on use)
GENOMES: dict[str, str] = {
    "nb201": "suite.encodings.nb201:NB201Genome",
    "nb101": "suite.encodings.nb101:NB101Genome",
    "fcnet": "suite.encodings.fcnet:FCNetGenome",
    "nbmacro": "suite.encodings.nbmacro:NBMacroGenome",
    "nbgraph": "suite.encodings.nbgraph:NBGraphGenome",
}


def genome_for(bench: Benchmark) -> "Genome":
    """The genome of a loaded benchmark; raises :class:`NasSuiteError` for a space without one."""
    target = GENOMES.get(bench.name)
    if target is None:
        raise NasSuiteError(
            f"{bench.name} has no genome, so mutation-based search and selection cannot run on it; "
            f"benchmarks with one: {', '.join(sorted(GENOMES))}"
        )
    module, cls = target.split(":")
    return getattr(importlib.import_module(module), cls)(bench)


class Genome(ABC):
    """Edit moves over one benchmark's table. Subclasses set :attr:`cardinalities`."""

    #: int64 ``(L,)``: number of values each position takes
    cardinalities: np.ndarray

    @property
    def ordinal(self) -> np.ndarray:
        """bool ``(L,)``: positions whose values are ordered (e.g. a learning-rate grid); the
        value index then follows that order. Cell choices (operations, edges) are unordered,
        the default. Model-based searchers use it to pick a kernel per position."""
        return np.zeros(self.length, dtype=bool)

    def __init__(self, bench: Benchmark) -> None:
        self.bench = bench

    @property
    def length(self) -> int:
        return len(self.cardinalities)

    @abstractmethod
    def encode(self, ids: np.ndarray) -> np.ndarray:
        """int8 ``(n, L)`` genomes of table ids."""

    @abstractmethod
    def decode(self, genomes: np.ndarray) -> np.ndarray:
        """int64 ``(n,)`` table ids of genomes; -1 where invalid or not in the table."""

    # -- moves ------------------------------------------------------------------------------------
    def edits(self, genomes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every single-position edit of every genome: ``(parent_row, edited)`` with ``edited`` ``(m, L)``."""
        genomes = np.asarray(genomes, dtype=np.int8).reshape(-1, self.length)
        pos = np.repeat(np.arange(self.length), self.cardinalities - 1)
        # value offsets 1..card-1 added modulo card enumerate every other value once
        offset = np.concatenate([np.arange(1, c) for c in self.cardinalities]).astype(np.int64)
        n, m = len(genomes), len(pos)
        edited = np.repeat(genomes, m, axis=0).reshape(n, m, self.length).astype(np.int64)
        rows = np.arange(m)
        edited[:, rows, pos] = (edited[:, rows, pos] + offset) % self.cardinalities[pos]
        return np.repeat(np.arange(n), m), edited.reshape(n * m, self.length).astype(np.int8)

    def neighbours(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """All table cells one edit away: ``(parent_row, neighbour_id)``, deduplicated per parent, self excluded.

        On NB-101 several edits can give the same cell (an edit on a padded vertex changes
        nothing after pruning, isomorphic spellings coincide), so the pairs are deduplicated.
        """
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        parent, edited = self.edits(self.encode(ids))
        found = self.decode(edited)
        keep = (found >= 0) & (found != ids[parent])
        pairs = np.unique(np.stack([parent[keep], found[keep]], axis=1), axis=0)
        return pairs[:, 0], pairs[:, 1]

    def mutate(self, ids: np.ndarray, rng: np.random.Generator, *, max_tries: int = 20) -> np.ndarray:
        """One random single-edit neighbour per parent that is in the table (regularized evolution).

        The edit is drawn uniformly over positions and new values and redrawn while the result
        is invalid or missing (NB-201: never; NB-101: ~30% of edits break a cell). A parent with
        no valid edit after ``max_tries`` draws keeps its id.
        """
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        genomes = self.encode(ids).astype(np.int64)
        out = ids.copy()
        todo = np.arange(len(ids))
        for _ in range(max_tries):
            if not len(todo):
                break
            g = genomes[todo].copy()
            pos = rng.integers(0, self.length, len(todo))
            shift = 1 + (rng.random(len(todo)) * (self.cardinalities[pos] - 1)).astype(np.int64)
            g[np.arange(len(todo)), pos] = (g[np.arange(len(todo)), pos] + shift) % self.cardinalities[pos]
            found = self.decode(g.astype(np.int8))
            ok = (found >= 0) & (found != ids[todo])
            out[todo[ok]] = found[ok]
            todo = todo[~ok]
        return out

    def crossover(self, a: np.ndarray, b: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Uniform crossover of paired parents; -1 where the child is invalid or not in the table."""
        ga, gb = self.encode(np.asarray(a, dtype=np.int64)), self.encode(np.asarray(b, dtype=np.int64))
        take_a = rng.random(ga.shape) < 0.5
        return self.decode(np.where(take_a, ga, gb))

    def distance(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Number of differing genome positions between paired ids (an upper bound on edit distance)."""
        return (self.encode(np.asarray(a, dtype=np.int64)) != self.encode(np.asarray(b, dtype=np.int64))).sum(axis=1)
