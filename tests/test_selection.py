"""Subset selectors: the contract over every registered selector, then each strategy's behaviour.

Data: the embedded real NB-201 CIFAR-10 table (15,625 cells, ``valid_acc``), the
``adjacency_onehot`` encoding (computed once) and the NB-201 genome. Histories are random
queries with their true accuracy; "true predictor" means ``history.predict`` returns the true
``valid_acc``, so a strategy's use of the predictor is tested without predictor noise.
"""

from __future__ import annotations

import pickle
import tracemalloc

import numpy as np
import pytest

import suite
from suite.encodings import encode
from suite.encodings.genome import genome_for
from suite.errors import NasSuiteError
from suite.selection import SELECTORS, SearchHistory, available, make
from suite.selection.cluster import allocate

#: cheaper settings where the defaults are sized for large spaces (behaviour is unchanged)
FAST: dict[str, dict] = {"evolution": {"population": 40, "generations": 4}}


@pytest.fixture(scope="module")
def nb201():
    bench = suite.load("nb201", "cifar10")
    y = bench.metric("valid_acc")
    X = encode(bench, "adjacency_onehot")
    return bench, y, X, genome_for(bench)


def _history(nb201, n_queried: int, *, seed: int = 0, predict: bool = True, counter: list | None = None) -> SearchHistory:
    """Random queries with true accuracies; ``predict`` is the true accuracy (calls logged in ``counter``)."""
    bench, y, X, genome = nb201
    queried = np.random.default_rng(seed).choice(len(bench), size=n_queried, replace=False)

    def true_acc(ids: np.ndarray) -> np.ndarray:
        if counter is not None:
            counter.append(np.array(ids, copy=True))
        return y[ids]

    return SearchHistory(
        queried=queried.astype(np.int64),
        observed=y[queried],
        predict=true_acc if predict else None,
        features=lambda ids: X[ids],
        genome=genome,
        n_archs=len(bench),
    )


def _candidates(history: SearchHistory) -> np.ndarray:
    return np.setdiff1d(np.arange(history.n_archs), history.queried)


def _select(name: str, candidates, n, history, seed: int, **params) -> np.ndarray:
    return make(name, **{**FAST.get(name, {}), **params}).select(candidates, n, history=history, rng=np.random.default_rng(seed))


def _min_sq_dist(Z: np.ndarray) -> tuple[float, float]:
    """Minimum pairwise and mean nearest-neighbour squared distance among rows of ``Z``."""
    sq = (Z * Z).sum(1)
    D = sq[:, None] - 2.0 * Z @ Z.T + sq[None, :]
    np.fill_diagonal(D, np.inf)
    return float(D.min()), float(D.min(1).mean())


# -- contract over the registry --------------------------------------------------------------------
def test_registry_lists_the_strategies():
    assert set(available()) >= {"full", "uniform", "mutation", "evolution", "diverse", "cluster", "guided"}
    with pytest.raises(NasSuiteError, match="unknown selector"):
        make("nope")
    with pytest.raises(NasSuiteError, match="selector 'mutation'"):
        make("mutation", radius=3)
    for name in available():
        sel = make(name)
        assert sel.name == name and sel.citation, f"{name}: name and citation must be set"
        assert repr(sel).startswith(type(sel).__name__)


@pytest.mark.parametrize("name", sorted(SELECTORS))
@pytest.mark.parametrize("state", ["empty", "fitted"])
@pytest.mark.parametrize("n", [1, 300, 20_000])
def test_contract(nb201, name, state, n):
    history = _history(nb201, 0 if state == "empty" else 50, predict=state == "fitted")
    cand = _candidates(history)
    cand_copy, queried_copy, observed_copy = cand.copy(), history.queried.copy(), history.observed.copy()
    pos = _select(name, cand, n, history, seed=3)
    assert pos.dtype == np.int64 and pos.ndim == 1
    assert len(np.unique(pos)) == len(pos), "positions must be distinct"
    assert pos.min() >= 0 and pos.max() < len(cand)
    expected = len(cand) if name == "full" else min(n, len(cand))
    assert len(pos) == expected
    again = _select(name, cand, n, history, seed=3)
    np.testing.assert_array_equal(pos, again, err_msg="same seed must give the same subset")
    np.testing.assert_array_equal(cand, cand_copy)
    np.testing.assert_array_equal(history.queried, queried_copy)
    np.testing.assert_array_equal(history.observed, observed_copy)


@pytest.mark.parametrize("name", sorted(SELECTORS))
def test_same_instance_same_seed(nb201, name):
    """Repeated calls on one instance (caches warm) with equal seeds agree; other seeds differ."""
    history = _history(nb201, 40)
    cand = _candidates(history)
    sel = make(name, **FAST.get(name, {}))
    a = sel.select(cand, 200, history=history, rng=np.random.default_rng(11))
    b = sel.select(cand, 200, history=history, rng=np.random.default_rng(11))
    np.testing.assert_array_equal(a, b)
    if name != "full":
        c = sel.select(cand, 200, history=history, rng=np.random.default_rng(12))
        assert not np.array_equal(np.sort(a), np.sort(c)), "a different seed should give a different subset"
    assert type(pickle.loads(pickle.dumps(sel))) is type(sel), "a used selector must pickle"


@pytest.mark.parametrize("name", sorted(SELECTORS))
def test_tiny_and_unsorted_candidates(nb201, name):
    """Few, unsorted candidates: positions refer to the given order, never beyond it."""
    history = _history(nb201, 30)
    cand = np.random.default_rng(5).permutation(_candidates(history))[:40]
    for n in (0, 10, 40, 100):
        pos = _select(name, cand, n, history, seed=1)
        assert len(pos) == (len(cand) if name == "full" else min(n, len(cand)))
        assert len(np.unique(pos)) == len(pos) and (len(pos) == 0 or pos.max() < len(cand))


@pytest.mark.parametrize("name", ["mutation", "evolution", "guided"])
def test_uniform_before_there_is_anything_to_use(nb201, name):
    """Without incumbents (mutation) or a predictor (evolution, guided) the subset is ``uniform``'s."""
    history = _history(nb201, 0, predict=False)
    cand = _candidates(history)
    np.testing.assert_array_equal(_select(name, cand, 500, history, seed=9), _select("uniform", cand, 500, history, seed=9))


# -- mutation ------------------------------------------------------------------------------------------
def test_mutation_picks_only_one_edit_neighbours(nb201):
    _, _, _, genome = nb201
    history = _history(nb201, 60, seed=2)
    cand = _candidates(history)
    top = history.top(3)
    parent, neigh = genome.neighbours(top)
    assert np.array_equal(np.bincount(parent), [24, 24, 24]), "NB-201: 6 edges x 4 other ops"
    hood = np.intersect1d(neigh, cand)
    assert len(hood) > 40
    ids = cand[_select("mutation", cand, 40, history, seed=0, k=1, top=3)]
    assert np.isin(ids, hood).all(), "with enough neighbours every pick is a 1-edit neighbour of an incumbent"
    # fewer neighbours than n: all of them, the rest filled from elsewhere
    ids = cand[_select("mutation", cand, len(hood) + 50, history, seed=0, k=1, top=3)]
    assert np.isin(hood, ids).all()
    assert (~np.isin(ids, hood)).sum() == 50


def test_mutation_radius_two_nearest_first(nb201):
    _, _, _, genome = nb201
    history = _history(nb201, 60, seed=4)
    cand = _candidates(history)
    top = history.top(2)
    r1 = np.intersect1d(genome.neighbours(top)[1], cand)
    ids = cand[_select("mutation", cand, len(r1) + 100, history, seed=0, k=2, top=2)]
    assert np.isin(r1, ids).all(), "radius 1 is taken whole before radius 2"
    dist = np.stack([genome.distance(ids, np.full(len(ids), t)) for t in top]).min(axis=0)
    assert dist.max() == 2 and dist.min() == 1, "every pick within 2 edits of an incumbent"


# -- evolution -----------------------------------------------------------------------------------------
def test_evolution_finds_top_one_percent(nb201):
    _, y, _, _ = nb201
    top1 = np.quantile(y, 0.99)
    for seed in range(3):
        calls: list = []
        history = _history(nb201, 20, seed=seed, counter=calls)
        cand = _candidates(history)
        sel = make("evolution")
        # n = 20: a uniform subset of 20 holds a top-1% cell with probability 1 - 0.99^20 = 18%
        ids = cand[sel.select(cand, 20, history=history, rng=np.random.default_rng(seed))]
        assert len(ids) == 20 and y[ids].max() >= top1, f"seed {seed}: best {y[ids].max():.2f} < top-1% threshold {top1:.2f}"
        assert np.all(np.diff(y[ids]) <= 0), "best predicted first (the predictor is the truth here)"
        scored = np.concatenate(calls)
        assert len(calls) == sel.n_predict_calls_ <= sel.generations + 1
        assert len(scored) == sel.n_scored_ <= sel.population * (sel.generations + 1)
        assert len(np.unique(scored)) == len(scored), "no architecture is scored twice"


def test_evolution_returns_only_candidates_it_scored_when_n_is_small(nb201):
    calls: list = []
    history = _history(nb201, 20, seed=5, counter=calls)
    cand = _candidates(history)
    ids = cand[_select("evolution", cand, 50, history, seed=1)]
    assert np.isin(ids, np.concatenate(calls)).all()


# -- diverse ---------------------------------------------------------------------------------------------
def test_diverse_spreads_more_than_uniform(nb201):
    _, _, X, _ = nb201
    history = _history(nb201, 20)
    cand = _candidates(history)
    for seed in range(3):
        div = _min_sq_dist(X[cand[_select("diverse", cand, 200, history, seed=seed)]])
        uni = _min_sq_dist(X[cand[_select("uniform", cand, 200, history, seed=seed)]])
        assert div[0] > uni[0], f"seed {seed}: min pairwise {div[0]} vs uniform {uni[0]}"


def test_diverse_approximate_phase_still_beats_uniform(nb201):
    """``n > exact`` uses cell-local updates; the picks are still more spread than uniform's."""
    _, _, X, _ = nb201
    history = _history(nb201, 20)
    cand = _candidates(history)
    div = _min_sq_dist(X[cand[_select("diverse", cand, 1000, history, seed=0, exact=100)]])
    uni = _min_sq_dist(X[cand[_select("uniform", cand, 1000, history, seed=0)]])
    assert div[1] > uni[1] + 0.5, f"mean nearest-pick distance {div[1]:.2f} vs uniform {uni[1]:.2f}"


def test_diverse_small_pool_gets_proportionally_more_exact_picks(nb201):
    """``exact`` is the exact-phase budget on a ``max_pool``-sized pool: on NB-201's ~15,600
    candidates ``exact = 100`` buys 100 * 100,000 // 15,600 = 640 exact picks, so 500 picks are
    all exact and match an explicitly exact run pick for pick."""
    history = _history(nb201, 20)
    cand = _candidates(history)
    cheap = _select("diverse", cand, 500, history, seed=3, exact=100, max_pool=100_000)
    exact = _select("diverse", cand, 500, history, seed=3, exact=500, max_pool=100_000)
    np.testing.assert_array_equal(cheap, exact)
    local = _select("diverse", cand, 500, history, seed=3, exact=100, max_pool=len(cand))  # no extra budget
    assert not np.array_equal(local, exact)


def test_diverse_starts_away_from_the_queried_set(nb201):
    _, _, X, _ = nb201
    history = _history(nb201, 200)
    cand = _candidates(history)
    first = cand[_select("diverse", cand, 1, history, seed=0)]
    Q = X[history.queried]
    d_first = ((Q - X[first]) ** 2).sum(1).min()
    d_all = np.array([((Q - X[c]) ** 2).sum(1).min() for c in cand[:2000]])
    assert d_first >= d_all.max()


@pytest.mark.slow
def test_diverse_nb101_sized_within_budget(monkeypatch):
    """423,624 x 36 float32 rows, n = 10,000: bounded work and far below 2 GB of new memory.

    Work is bounded by operation counts, not wall time (timings: ``benchmarks/bench_selection.py``):
    features are read once, for a pool of ``max_pool`` = 100,000 rows, and only the first
    ``exact`` = 2,000 picks run exact greedy over that pool (``O(exact * M * d)``, not the
    ``O(n * N * d)`` of exact greedy over all rows).
    """
    from suite.selection import diverse

    rng = np.random.default_rng(0)
    X = (rng.random((423_624, 36)) < 0.3).astype(np.float32)
    reads: list[int] = []
    greedy: list[tuple[int, int, int]] = []

    def features(ids):
        reads.append(len(ids))
        return X[ids]

    def recording_farthest_points(P, n, *, exact, **kwargs):
        greedy.append((len(P), n, exact))
        return real_farthest_points(P, n, exact=exact, **kwargs)

    real_farthest_points = diverse.farthest_points
    monkeypatch.setattr(diverse, "farthest_points", recording_farthest_points)
    history = SearchHistory(np.zeros(0, np.int64), np.zeros(0), None, features, None, len(X))
    tracemalloc.start()
    pos = make("diverse").select(np.arange(len(X)), 10_000, history=history, rng=rng)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(np.unique(pos)) == 10_000
    assert reads == [100_000]
    assert greedy == [(100_000, 10_000, 2_000)]
    assert peak < 2 * 2**30, peak


# -- cluster ---------------------------------------------------------------------------------------------
def test_allocate_largest_remainder_and_capacity():
    np.testing.assert_array_equal(allocate([5, 3, 2], [100, 100, 100], 7), [4, 2, 1])  # 3.5, 2.1, 1.4
    np.testing.assert_array_equal(allocate([8, 1, 1], [2, 50, 50], 10), [2, 4, 4])  # capped, rest shared
    np.testing.assert_array_equal(allocate([1, 0], [3, 5], 6), [3, 3])  # zero weight only once others are full
    assert allocate([1, 1], [2, 2], 10).sum() == 4


def test_cluster_allocation_is_proportional(nb201):
    history = _history(nb201, 30)
    cand = _candidates(history)
    sel = make("cluster", n_clusters=16)
    n = 1000
    pos = sel.select(cand, n, history=history, rng=np.random.default_rng(0))
    labels = sel.labels(cand, history=history, rng=np.random.default_rng(0))
    sizes = np.bincount(labels, minlength=16)
    got = np.bincount(labels[pos], minlength=16)
    exact = n * sizes / sizes.sum()
    assert got.sum() == n
    assert np.all((got == np.floor(exact)) | (got == np.ceil(exact))), (got, exact)
    assert (sizes > 0).sum() > 8, "the strata are a real partition"


def test_cluster_cache_rule(nb201):
    """Reused while the encoding function is the same and the candidate count barely changes."""
    history = _history(nb201, 30)
    cand = _candidates(history)
    X = nb201[2]
    log: list[str] = []

    def logged(tag: str):
        def features(ids):
            log.append(tag)
            return X[ids]

        return features

    history.features = logged("a")
    sel = make("cluster")
    sel.select(cand, 100, history=history, rng=np.random.default_rng(0))
    fitted = len(log)
    assert fitted >= 2, "fit sample plus labelling"
    sel.select(cand[5:], 100, history=history, rng=np.random.default_rng(1))  # a few queried
    assert len(log) == fitted, "cached clustering and memoised labels: no encoding at all"
    sel.select(cand[: len(cand) // 2], 100, history=history, rng=np.random.default_rng(1))
    assert len(log) > fitted, "candidate count halved: refit"
    before = len(log)
    history.features = logged("b")  # a new closure over the same encoding (a search builds one per step)
    sel.select(cand[: len(cand) // 2 - 3], 100, history=history, rng=np.random.default_rng(1))
    assert log[before:] == ["b"], "same encoding, new function object: one fingerprint call, no refit"
    before = len(log)

    def other(ids):
        log.append("c")
        return 2.0 * X[ids]

    history.features = other
    sel.select(cand[: len(cand) // 2 - 3], 100, history=history, rng=np.random.default_rng(1))
    assert log[before:].count("c") >= 3, "another encoding: fingerprint mismatch, refit and relabel"


# -- guided --------------------------------------------------------------------------------------------
def test_guided_beats_uniform_with_a_true_predictor(nb201):
    _, y, _, _ = nb201
    gains = []
    for seed in range(3):
        calls: list = []
        history = _history(nb201, 20, seed=seed, counter=calls)
        cand = _candidates(history)
        sel = make("guided", explore=0.2)
        ids = cand[sel.select(cand, 500, history=history, rng=np.random.default_rng(seed))]
        uni = cand[_select("uniform", cand, 500, history, seed=seed)]
        gains.append(y[ids].mean() - y[uni].mean())
        assert sel.n_scored_ == sum(map(len, calls)) <= sel.n_clusters * sel.probe
    assert np.mean(gains) > 1.5, f"mean gain over uniform {np.mean(gains):.2f} accuracy points"


def test_guided_explore_one_is_proportional_coverage(nb201):
    _, y, _, _ = nb201
    history = _history(nb201, 20)
    cand = _candidates(history)
    means = []
    for seed in range(5):
        sel = make("guided", explore=1.0, n_clusters=16)
        pos = sel.select(cand, 500, history=history, rng=np.random.default_rng(seed))
        assert sel.n_scored_ == 0, "pure exploration needs no predictor calls"
        np.testing.assert_array_equal(pos, make("cluster", n_clusters=16).select(cand, 500, history=history, rng=np.random.default_rng(seed)))
        means.append(y[cand[pos]].mean())
    assert abs(np.mean(means) - y[cand].mean()) < 1.5
