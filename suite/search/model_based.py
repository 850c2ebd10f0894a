"""Building blocks of model-based search (BANANAS, GP-BO): a surrogate with uncertainty, and candidates.

:class:`Surrogate` is any predictor of the zoo that has ``predict_with_std`` (``bananas``: an
ensemble of MLPs, whose spread is its uncertainty; ``gp``: a Gaussian process), refitted on every
architecture queried so far and asked for the posterior mean and standard deviation of candidates.
Its features are computed once per run for the whole pool: the predictor's registered encoding
(``path`` for ``bananas``, ``adjacency_onehot`` for ``gp``), or — on a space that has no such
encoding, and with ``encoding="genome"`` — the one-hot of the space's genome
(:func:`genome_onehot`), so the searchers run on every space with a genome.

Candidates (the acquisition function is maximised over a finite set, as in BANANAS):
:func:`mutation_candidates` mutates the best queried architectures (BANANAS' ``mutation``
acquisition optimiser), :func:`neighbour_candidates` takes every one-edit neighbour of them, and
:func:`random_candidates` draws unqueried architectures uniformly.
"""

from __future__ import annotations

import time
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import NasSuiteError

if TYPE_CHECKING:
    from ..data.benchmark import Benchmark
    from ..encodings.genome import Genome

__all__ = ["GENOME_ENCODING", "Surrogate", "genome_onehot", "mutation_candidates", "neighbour_candidates",
           "random_candidates", "best_queried"]

#: ``encoding=`` value that selects the genome one-hot features
GENOME_ENCODING = "genome"


def genome_onehot(genome: Genome, ids: np.ndarray) -> np.ndarray:
    """float64 ``(n, d)``: one one-hot block per categorical genome position (``cardinalities[p]``
    columns), one column ``value / (cardinality - 1)`` per ordinal position."""
    codes = genome.encode(np.asarray(ids, dtype=np.int64)).astype(np.int64)
    card = np.asarray(genome.cardinalities, dtype=np.int64)
    ordinal = np.asarray(getattr(genome, "ordinal", np.zeros(len(card), dtype=bool)), dtype=bool)
    width = np.where(ordinal, 1, card)
    start = np.concatenate([[0], np.cumsum(width)[:-1]])
    out = np.zeros((len(codes), int(width.sum())), dtype=np.float64)
    rows = np.arange(len(codes))[:, None]
    cat = np.flatnonzero(~ordinal)
    out[rows, start[cat] + codes[:, cat]] = 1.0
    ordn = np.flatnonzero(ordinal)
    if len(ordn):
        out[:, start[ordn]] = codes[:, ordn] / np.maximum(card[ordn] - 1, 1)
    return out


class Surrogate:
    """A zoo predictor with ``predict_with_std`` on fixed features of ``pool``.

    Built (and every argument checked) before the search queries anything. ``usable`` (bool over
    all ids) marks the pool cells whose features are all finite; only they can be trained on or
    proposed. ``defaults`` are predictor parameters the searcher sets unless ``params`` does
    (BANANAS' ensemble size), passed only where the predictor takes them.
    """

    def __init__(self, bench: Benchmark, pool: np.ndarray, genome: Genome, predictor: str,
                 params: dict[str, Any] | None, encoding: str | None, defaults: dict[str, Any] | None = None) -> None:
        import inspect

        from .. import predictors as P
        from ..encodings import available as encodings_of

        spec = P.spec(predictor)
        factory = spec.load()
        if not callable(getattr(factory, "predict_with_std", None)):
            with_std = [n for n in P.available() if callable(getattr(P.spec(n).load(), "predict_with_std", None))
                        and not P.spec(n).inputs.curve_epochs]
            raise NasSuiteError(f"predictor {predictor!r} has no predict_with_std, so it gives no uncertainty; "
                                f"use one of: {', '.join(with_std)}")
        inputs = spec.inputs
        if inputs.curve_epochs:
            raise NasSuiteError(f"predictor {predictor!r} reads learning curves, which a search does not have for "
                                f"unqueried cells")
        try:
            known = encodings_of(bench.name)
        except NasSuiteError:  # a space without registered encodings: its genome is all there is
            known = []
        enc = encoding if encoding is not None else inputs.encoding
        if encoding is None and enc is not None and enc not in known:
            enc = GENOME_ENCODING  # e.g. no path encoding on this space: fall back to the genome
        if enc is not None and enc != GENOME_ENCODING:
            from ..encodings import spec as encoding_spec

            encoding_spec(bench.name, enc)  # an unknown name raises its one-line error here
        pool = np.asarray(pool, dtype=np.int64)
        blocks = []
        if enc == GENOME_ENCODING:
            blocks.append(genome_onehot(genome, pool))
            inputs = inputs.with_(encoding=None)
        else:
            inputs = inputs.with_(encoding=enc)
        if inputs.encoding or inputs.proxies or inputs.arch_features:
            blocks.append(P.build_features(bench, inputs, pool))
        if not blocks:
            raise NasSuiteError(f"predictor {predictor!r} reads no input on {bench.name}; give encoding=")
        X = np.concatenate(blocks, axis=1)
        finite = np.isfinite(X).all(axis=1)
        self.features = enc or inputs.describe()
        self.predictor = predictor
        self._X = X
        self._row = np.full(len(bench), -1, dtype=np.int64)
        self._row[pool] = np.arange(len(pool))
        self.usable = np.zeros(len(bench), dtype=bool)
        self.usable[pool[finite]] = True
        self._bench = bench
        accepted = inspect.signature(factory).parameters
        self._params = {k: v for k, v in (defaults or {}).items() if k in accepted}
        self._params.update(params or {})
        P.make(predictor, bench, **self._params)  # a bad parameter fails now, before any query
        self.fit_seconds = 0.0
        self.n_fits = 0

    def fit_predict(self, train_ids: np.ndarray, y: np.ndarray, candidates: np.ndarray,
                    rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Fit on ``(train_ids, y)``; posterior ``(mean, std)`` of ``candidates``, each float ``(n,)``.

        The predictor's ``random_state`` (unless given in ``params``) is drawn from ``rng`` at every fit.
        """
        from .. import predictors as P

        model = P.make(self.predictor, self._bench, **self._params)
        if "random_state" in model.get_params() and "random_state" not in self._params:
            model.set_params(random_state=int(rng.integers(2**31 - 1)))
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence chatter of small training sets
            model.fit(self._X[self._row[np.asarray(train_ids, dtype=np.int64)]], np.asarray(y, dtype=np.float64))
            mean, std = model.predict_with_std(self._X[self._row[np.asarray(candidates, dtype=np.int64)]])
        self.fit_seconds += time.perf_counter() - t0
        self.n_fits += 1
        return np.asarray(mean, dtype=np.float64).reshape(-1), np.asarray(std, dtype=np.float64).reshape(-1)


def best_queried(ids: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """The ``n`` distinct queried ids with the highest observed value (a re-queried id counts by its
    best observation), best first; ties by earlier query."""
    ids = np.asarray(ids, dtype=np.int64)
    order = np.lexsort((np.arange(len(ids)), -np.asarray(values, dtype=np.float64)))
    ranked = ids[order]
    _, first = np.unique(ranked, return_index=True)
    return ranked[np.sort(first)][: max(int(n), 0)]


def _new(ids: np.ndarray, allowed: np.ndarray, seen: np.ndarray) -> np.ndarray:
    """``ids`` that may be proposed (allowed, not queried), first occurrences in order."""
    ids = ids[(ids >= 0) & allowed[np.maximum(ids, 0)] & ~seen[np.maximum(ids, 0)]]
    _, first = np.unique(ids, return_index=True)
    return ids[np.sort(first)]


def mutation_candidates(genome: Genome, ranked: np.ndarray, allowed: np.ndarray, seen: np.ndarray, *,
                        num_candidates: int, num_arches_to_mutate: int, max_mutations: int,
                        rng: np.random.Generator, patience_factor: int = 5) -> np.ndarray:
    """BANANAS' mutation acquisition optimiser (``get_candidates`` of the paper's code,
    ``naszilla/nas_benchmarks.py``): walk the best queried architectures ``ranked`` (best first,
    at most ``num_arches_to_mutate * patience_factor`` of them) until ``num_candidates`` are
    collected; each parent gives ``num_candidates // num_arches_to_mutate // max_mutations``
    children for every number of edits ``1..max_mutations`` (``r`` successive random edits of the
    genome). Children already queried, outside ``allowed`` or repeated are dropped, so the set can
    end up smaller (or, at a parent boundary, a little larger) than ``num_candidates``.
    """
    per = max(num_candidates // max(num_arches_to_mutate, 1) // max(max_mutations, 1), 1)
    found: list[np.ndarray] = []
    have = 0
    taken = np.zeros_like(seen)
    for parent in ranked[: num_arches_to_mutate * patience_factor]:
        if have >= num_candidates:
            break
        for edits in range(1, max_mutations + 1):
            child = np.full(per, parent, dtype=np.int64)
            for _ in range(edits):
                child = genome.mutate(child, rng)
            new = _new(child, allowed, seen | taken)
            taken[new] = True
            found.append(new)
            have += len(new)
    return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)


def neighbour_candidates(genome: Genome, parents: np.ndarray, allowed: np.ndarray, seen: np.ndarray) -> np.ndarray:
    """Every unqueried, allowed one-edit neighbour of ``parents`` (deduplicated, in parent order)."""
    if not len(parents):
        return np.zeros(0, dtype=np.int64)
    parent_row, nbr = genome.neighbours(np.asarray(parents, dtype=np.int64))
    return _new(nbr[np.argsort(parent_row, kind="stable")], allowed, seen)


def random_candidates(allowed: np.ndarray, seen: np.ndarray, n: int, rng: np.random.Generator,
                      exclude: np.ndarray | None = None) -> np.ndarray:
    """Up to ``n`` distinct allowed, unqueried ids (not in ``exclude``), uniformly without replacement."""
    free = allowed & ~seen
    if exclude is not None and len(exclude):
        free = free.copy()
        free[np.asarray(exclude, dtype=np.int64)] = False
    todo = np.flatnonzero(free)
    if not len(todo) or n <= 0:
        return np.zeros(0, dtype=np.int64)
    return rng.choice(todo, size=min(int(n), len(todo)), replace=False).astype(np.int64)
