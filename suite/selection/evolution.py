"""``evolution``: an evolutionary search under the predictor picks the subset (acquisition optimisation).

Why: when the space is too big to score, predictor-based NAS does not pick the subset blindly
— it optimises the acquisition function with a cheap inner search. BANANAS (White et al. 2021)
and NASLib's ``mutation`` acquisition optimiser mutate the best architectures and keep what
the predictor likes; regularized evolution (Real et al. 2019) is the standard inner loop:
tournament selection, mutation, and aging (the oldest member dies). The subset handed back is
what that inner search found, so the predictor's own preferences steer where it is evaluated.

Algorithm (all steps vectorised over the population):

1. Population: the ``top`` best observed architectures (parents only — they are queried, so
   never returned) plus uniform random candidates, ``population`` members in all.
2. Each of ``generations`` generations makes ``population`` children. A parent is the best of
   ``tournament`` members drawn uniformly with replacement. With probability
   ``crossover_rate`` a child is the uniform crossover of two tournament winners
   (:meth:`Genome.crossover`); otherwise — or when the crossover is invalid or repeats a parent
   — it is a single-edit mutation of the first winner (:meth:`Genome.mutate`).
3. Children that are not in ``candidates`` (already queried, outside the table) are discarded.
   The rest are scored (each distinct architecture once: scores are memoised) and appended;
   the population keeps its ``population`` youngest members (aging).
4. The answer is every distinct candidate the run visited (initial random members included),
   best predicted first, cut to ``n``. A run visits at most ``population * (generations + 1)``
   architectures; if that is fewer than ``n`` the rest is a uniform sample of the other
   candidates (unscored), so the contract "exactly ``n``" holds.

Predictor budget: at most ``generations + 1`` calls of ``history.predict`` scoring at most
``population * (generations + 1)`` architectures in total (1,100 with the defaults) — the
architectures of each call are distinct and never rescored. After each ``select`` the counts
are in ``n_predict_calls_`` and ``n_scored_``. Before the first predictor fit
(``history.predict is None``) there is nothing to optimise and the selector is ``uniform``.
Non-finite predictions rank last.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..errors import NasSuiteError
from ._positions import CandidateIndex, fill_uniform, uniform_positions
from .base import SearchHistory, Selector


class EvolutionaryAcquisition(Selector):
    """Regularized evolution (tournament, mutation, crossover, aging) under the predictor.

    Parameters:
        population: population size, also the number of children per generation (>= 2).
        generations: number of generations (>= 0; 0 scores only the initial population).
        tournament: tournament size (>= 1; drawn with replacement).
        crossover_rate: probability that a child comes from crossover rather than mutation.
        top: number of best observed architectures seeding the population.
    """

    name = "evolution"
    citation = (
        "Real et al. 2019, 'Regularized evolution for image classifier architecture search'; "
        "White et al. 2021, 'BANANAS' / NASLib (mutation-based acquisition optimisation)"
    )

    def __init__(
        self,
        population: int = 100,
        generations: int = 10,
        tournament: int = 10,
        crossover_rate: float = 0.5,
        top: int = 10,
    ) -> None:
        self.population = population
        self.generations = generations
        self.tournament = tournament
        self.crossover_rate = crossover_rate
        self.top = top

    def _check(self) -> None:
        if self.population < 2 or self.generations < 0 or self.tournament < 1 or self.top < 0:
            raise NasSuiteError(
                "evolution selector needs population >= 2, generations >= 0, tournament >= 1, top >= 0; "
                f"got {self.get_params()}"
            )
        if not 0.0 <= self.crossover_rate <= 1.0:
            raise NasSuiteError(f"evolution selector: crossover_rate must be in [0, 1], got {self.crossover_rate}")

    def select(self, candidates: np.ndarray, n: int, *, history: SearchHistory, rng: np.random.Generator) -> np.ndarray:
        self._check()
        self.n_predict_calls_, self.n_scored_ = 0, 0
        candidates = np.asarray(candidates, dtype=np.int64).reshape(-1)
        n = int(n)
        if n <= 0 or not len(candidates):
            return np.zeros(0, dtype=np.int64)
        if history.predict is None:
            return uniform_positions(len(candidates), n, rng)
        if history.genome is None:
            raise NasSuiteError("evolution selector needs history.genome (the space's edit moves); this space has none")
        index = CandidateIndex(candidates)
        archive_ids, archive_scores = self.evolve(index, history, rng)
        in_cand = index.contains(archive_ids)
        ids, scores = archive_ids[in_cand], archive_scores[in_cand]
        order = np.lexsort((ids, -scores))  # best predicted first, ties by id
        return fill_uniform(index.positions(ids[order[:n]]), len(candidates), n, rng)

    # -- the inner search ---------------------------------------------------------------------------
    def _score(self, predict: Callable[[np.ndarray], np.ndarray], ids: np.ndarray) -> np.ndarray:
        """Predictions for ``ids`` (one call), non-finite -> -inf; updates the call counters."""
        if not len(ids):
            return np.zeros(0, dtype=np.float64)
        scores = np.asarray(predict(ids), dtype=np.float64).reshape(-1)
        if len(scores) != len(ids):
            raise NasSuiteError(f"history.predict returned {len(scores)} scores for {len(ids)} architectures")
        self.n_predict_calls_ += 1
        self.n_scored_ += len(ids)
        return np.where(np.isfinite(scores), scores, -np.inf)

    def _winners(self, scores: np.ndarray, m: int, rng: np.random.Generator) -> np.ndarray:
        """Rows of ``m`` tournament winners (best of ``tournament`` uniform draws with replacement)."""
        contenders = rng.integers(0, len(scores), size=(m, self.tournament))
        return contenders[np.arange(m), np.argmax(scores[contenders], axis=1)]

    def _children(self, genome: Any, parents: np.ndarray, scores: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """``population`` child ids (crossover of two winners, else a mutation of the first)."""
        m = self.population
        a = parents[self._winners(scores, m, rng)]
        b = parents[self._winners(scores, m, rng)]
        child = np.full(m, -1, dtype=np.int64)
        cross = np.flatnonzero(rng.random(m) < self.crossover_rate)
        if len(cross):
            crossed = genome.crossover(a[cross], b[cross], rng)
            child[cross] = np.where((crossed == a[cross]) | (crossed == b[cross]), -1, crossed)
        todo = np.flatnonzero(child < 0)
        if len(todo):
            child[todo] = genome.mutate(a[todo], rng)
        return child

    def evolve(self, index: CandidateIndex, history: SearchHistory, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Run the evolution; return every architecture it scored and its score (ids distinct)."""
        seeds = np.unique(history.top(self.top)) if self.top and len(history.queried) else np.zeros(0, np.int64)
        randoms = index.candidates[uniform_positions(len(index), max(self.population - len(seeds), 1), rng)]
        pop = np.unique(np.concatenate([seeds, randoms]))
        pop = pop[rng.permutation(len(pop))]  # age order of the initial members is arbitrary
        pop_scores = self._score(history.predict, pop)
        order = np.argsort(pop)
        archive_ids, archive_scores = pop[order], pop_scores[order]  # sorted by id, for lookup
        for _ in range(self.generations):
            child = self._children(history.genome, pop, pop_scores, rng)
            child = child[index.contains(child)]
            new = np.setdiff1d(child, archive_ids)
            if len(new):
                archive_ids = np.concatenate([archive_ids, new])
                archive_scores = np.concatenate([archive_scores, self._score(history.predict, new)])
                order = np.argsort(archive_ids, kind="stable")
                archive_ids, archive_scores = archive_ids[order], archive_scores[order]
            child_scores = archive_scores[np.searchsorted(archive_ids, child)]
            pop = np.concatenate([pop, child])[-self.population :]
            pop_scores = np.concatenate([pop_scores, child_scores])[-self.population :]
        return archive_ids, archive_scores
