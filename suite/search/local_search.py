"""Local search (White et al. 2021, "Local Search is State of the Art for NAS Benchmarks").

Start from the best of ``n_init`` random architectures; query its one-edit neighbours (the
space's genome) in random order; move to the best neighbour if it beats the current
architecture, otherwise restart from a fresh random architecture. Neighbours queried before
are not paid for again (their values are remembered), as in NASLib's implementation.
"""

from __future__ import annotations

import numpy as np

from ..encodings.genome import genome_for
from .base import Searcher
from .oracle import Oracle, SearchResult


class LocalSearch(Searcher):
    name = "local"
    citation = "White, Nolen, Savani 2021, 'Exploring the Loss Landscape in NAS' (local search)"

    def __init__(self, n_init: int = 10) -> None:
        self.n_init = n_init

    def search(self, oracle: Oracle, rng: np.random.Generator) -> SearchResult:
        genome = genome_for(oracle.bench)
        allowed = np.zeros(len(oracle.bench), dtype=bool)
        allowed[oracle.pool] = True
        known: dict[int, float] = {}

        def ask(ids: np.ndarray) -> None:
            new = [int(i) for i in ids if int(i) not in known]
            values = oracle.query(new) if new and not oracle.exhausted else np.zeros(0)
            known.update(zip(new[: len(values)], values.tolist()))

        def fresh(n: int) -> np.ndarray:
            todo = oracle.unqueried()
            return rng.choice(todo, size=min(n, len(todo)), replace=False) if len(todo) else todo

        ask(fresh(self.n_init))
        current = max(known, key=known.__getitem__) if known else None
        while not oracle.exhausted and current is not None:
            _, nbrs = genome.neighbours(np.array([current]))
            nbrs = rng.permutation(nbrs[allowed[nbrs]])
            ask(nbrs)
            scored = [int(i) for i in nbrs if int(i) in known]
            best = max(scored, key=known.__getitem__) if scored else None
            if best is not None and known[best] > known[current]:
                current = best
                continue
            restart = fresh(1)  # local optimum: restart
            if not len(restart):
                break
            ask(restart)
            current = int(restart[0]) if int(restart[0]) in known else None
        return SearchResult(oracle.trajectory())
