"""Regularized evolution (aging evolution; Real et al. 2019, AAAI, Algorithm 1).

Population of ``population`` architectures; each cycle draws ``sample_size`` members uniformly
without replacement, mutates the best of them by one random edit (the space's genome), queries
the child, adds it and removes the oldest member. Defaults follow NAS-Bench-201's and
NATS-Bench's REA (population 10, sample size 3), whose CIFAR-10 protocol observes the 12-epoch
validation accuracy under a 12,000 s simulated-training budget. A child may be an architecture
already queried; as in those implementations it is paid for again (the oracle returns the same
run's value).
"""

from __future__ import annotations

from collections import deque

import numpy as np

from ..encodings.genome import genome_for
from .base import Searcher
from .oracle import Oracle, SearchResult


class RegularizedEvolution(Searcher):
    name = "rea"
    citation = "Real et al. 2019, 'Regularized Evolution for Image Classifier Architecture Search'"

    def __init__(self, population: int = 10, sample_size: int = 3) -> None:
        self.population = population
        self.sample_size = sample_size

    def search(self, oracle: Oracle, rng: np.random.Generator) -> SearchResult:
        genome = genome_for(oracle.bench)
        allowed = np.zeros(len(oracle.bench), dtype=bool)
        allowed[oracle.pool] = True
        start = rng.choice(oracle.pool, size=min(self.population, len(oracle.pool)), replace=False)
        values = oracle.query(start)
        members: deque[tuple[int, float]] = deque(zip(start[: len(values)].tolist(), values.tolist()))
        misses = 0
        while not oracle.exhausted:
            pick = rng.choice(len(members), size=min(self.sample_size, len(members)), replace=False)
            parent = max((members[i] for i in pick), key=lambda m: m[1])[0]
            child = int(genome.mutate(np.array([parent]), rng)[0])
            if not allowed[child]:  # the table lacks the child's objective: draw another edit
                misses += 1
                if misses > 1000:  # a partial table with no queryable neighbours: fall back to random
                    child = int(rng.choice(oracle.pool))
                else:
                    continue
            misses = 0
            value = oracle.query([child])
            members.append((child, float(value[0])))
            if len(members) > self.population:
                members.popleft()
        return SearchResult(oracle.trajectory())
