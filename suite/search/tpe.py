"""TPE over genomes: BOHB's kernel density model, and a single-fidelity TPE searcher built on it.

The Tree-structured Parzen Estimator (Bergstra et al. 2011, NeurIPS) splits the observations into
the best ``gamma`` fraction and the rest, fits a density to each — ``l(x)`` to the good, ``g(x)``
to the bad — and proposes the candidate maximising ``l(x)/g(x)`` (proportional to expected
improvement). The density here is the one BOHB uses (Falkner, Klein & Hutter 2018, ICML, §3.2;
HpBandSter ``hpbandster/optimizers/config_generators/bohb.py``), on a genome (fixed-width
categorical vector, :mod:`suite.encodings.genome`), vectorised over candidates x data x positions:

- a product kernel per position: Aitchison-Aitken for unordered positions
  (``1 - h`` on the datum's value, ``h/(c-1)`` on each other of the ``c`` values), Wang-Ryzin for
  ordered ones (``Genome.ordinal``; weight ``1`` on the datum's value and ``h^|x-X|/2`` elsewhere,
  renormalised over the position's ``c`` values so that the kernel is a probability; statsmodels'
  ``wang_ryzin`` is not normalised on a finite grid);
- bandwidths by the normal-reference rule that HpBandSter asks statsmodels' ``KDEMultivariate``
  for (``bw="normal_reference"``: ``h = 1.06 * std(codes) * n^(-1/(4+L))`` per position), then
  ``min_bandwidth`` (HpBandSter default 1e-3) as the floor, as HpBandSter clips; unlike
  HpBandSter, ``h`` is also capped at the kernel's admissible maximum (``(c-1)/c``, the uniform
  kernel, for Aitchison-Aitken; 1 for Wang-Ryzin): statsmodels' rule of thumb does not cap it, so
  HpBandSter's categorical bandwidths can exceed 1 and make the kernel prefer every value but the
  datum's;
- the split as HpBandSter makes it: ``n_good = max(N_min, top_n_percent * n // 100)`` best,
  ``n_bad = max(N_min, (100 - top_n_percent) * n // 100)`` next (the rest), ``N_min =
  min_points_in_model`` (default and minimum ``L + 1``); no model until both sets hold more than
  ``L`` points (HpBandSter: ``train_data_good.shape[0] <= shape[1]`` -> no model). The paper
  writes ``n_bad = max(N_min, n - n_good)`` and needs ``n >= N_min + 2``;
- proposals as HpBandSter draws them: ``num_samples`` (64) candidates, each a random good datum
  perturbed position by position — an unordered position keeps the datum's value with
  probability ``1 - h`` and is uniform otherwise; an ordered one (HpBandSter's integer parameters,
  whose truncated-normal draws it widens) draws from the Wang-Ryzin kernel with the bandwidth
  times ``bandwidth_factor`` (3), capped at 1 — and the one with the largest ``l/g`` (both
  floored at 1e-32) wins.

On a table, not every vector is an architecture: candidates that decode to -1 (an invalid cell,
or one the table lacks) or to an architecture the search may not query are redrawn, never
queried (:func:`propose`), and a candidate is scored at the genome of the architecture it decodes
to (what is actually trained). Defaults are HpBandSter's (``top_n_percent=15``,
``num_samples=64``, ``random_fraction=1/3``, ``bandwidth_factor=3``, ``min_bandwidth=1e-3``,
``min_points_in_model=None`` = L+1), which are the paper's (rho = 1/3, q = 0.15, N_s = 64,
b_w = 3, N_min = d+1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..errors import NasSuiteError
from .base import Searcher
from .oracle import Oracle, SearchResult

if TYPE_CHECKING:
    from ..encodings.genome import Genome

__all__ = ["ProductKDE", "TPEDensity", "fit_tpe", "propose", "TPE", "set_tpe_params"]

#: HpBandSter's floor on l(x) and g(x) before the ratio is taken
_FLOOR = np.log(1e-32)


@dataclass(frozen=True)
class ProductKDE:
    """A product-kernel density over genomes; ``data`` int64 ``(n, L)``, ``bandwidth`` ``(L,)``."""

    data: np.ndarray
    bandwidth: np.ndarray
    cardinalities: np.ndarray
    ordinal: np.ndarray

    @classmethod
    def fit(cls, data: np.ndarray, cardinalities: np.ndarray, ordinal: np.ndarray, *,
            min_bandwidth: float = 1e-3) -> "ProductKDE":
        """Normal-reference bandwidths (statsmodels' ``normal_reference``), clipped to
        ``[min_bandwidth, kernel maximum]``."""
        card = np.asarray(cardinalities, dtype=np.int64)
        data = np.asarray(data, dtype=np.int64).reshape(-1, len(card))
        n, length = data.shape
        ordinal = np.asarray(ordinal, dtype=bool)
        bw = 1.06 * data.std(axis=0) * n ** (-1.0 / (4 + length))
        upper = np.where(ordinal, 1.0, (card - 1) / np.maximum(card, 1))
        bw = np.clip(bw, min_bandwidth, np.maximum(upper, min_bandwidth))
        return cls(data, bw, card, ordinal)

    def _log_kernels(self, bandwidth: np.ndarray, *, keep_or_uniform: bool = False) -> np.ndarray:
        """``(L, C, C)`` log kernel ``log K[p, x, X]`` of value ``x`` given datum value ``X`` at position
        ``p`` (``C`` = largest cardinality; values past a position's cardinality get -inf).

        ``keep_or_uniform``: HpBandSter's sampling rule for unordered positions (keep the datum's
        value with probability ``1 - h``, else uniform) instead of the Aitchison-Aitken kernel.
        """
        card = self.cardinalities
        big = int(card.max())
        v = np.arange(big)
        x, X = v[None, :, None], v[None, None, :]
        c = card[:, None, None].astype(np.float64)
        h = bandwidth[:, None, None]
        inside = (x < c) & (X < c)
        same = x == X
        if keep_or_uniform:
            unordered = np.where(same, 1 - h + h / c, h / c)
        else:
            unordered = np.where(same, 1 - h, h / np.maximum(c - 1, 1))
        weight = np.where(same, 1.0, 0.5 * h ** np.abs(x - X))
        weight = np.where(inside, weight, 0.0)
        ordered = weight / np.maximum(weight.sum(axis=1, keepdims=True), 1e-300)
        k = np.where(self.ordinal[:, None, None], ordered, unordered)
        k = np.where(c == 1, 1.0, k)  # a position with one value carries no information
        with np.errstate(divide="ignore"):
            return np.where(inside, np.log(np.clip(k, 0.0, None)), -np.inf)

    def log_pdf(self, x: np.ndarray) -> np.ndarray:
        """``(m,)`` log density of genomes ``x`` ``(m, L)``: log of the mean over data of the product kernel."""
        x = np.asarray(x, dtype=np.int64).reshape(-1, len(self.cardinalities))
        logk = self._log_kernels(self.bandwidth)
        pos = np.arange(len(self.cardinalities))
        # (m, n, L): kernel of candidate value x[:, p] under datum value data[:, p]
        per = logk[pos[None, None, :], x[:, None, :], self.data[None, :, :]].sum(axis=2)
        top = per.max(axis=1, keepdims=True)
        top = np.where(np.isfinite(top), top, 0.0)
        with np.errstate(divide="ignore"):
            return (top[:, 0] + np.log(np.exp(per - top).sum(axis=1))) - np.log(len(self.data))

    def sample(self, n: int, rng: np.random.Generator, bandwidth_factor: float = 3.0) -> np.ndarray:
        """``(n, L)`` int64 draws as HpBandSter makes them: a random datum each, perturbed per position
        (module docstring); ordered positions use ``bandwidth * bandwidth_factor`` (at most 1)."""
        bw = np.where(self.ordinal, np.minimum(self.bandwidth * bandwidth_factor, 1.0), self.bandwidth)
        prob = np.exp(self._log_kernels(bw, keep_or_uniform=True))  # (L, C, C), columns sum to 1
        centre = self.data[rng.integers(0, len(self.data), n)]  # (n, L)
        pos = np.arange(len(self.cardinalities))
        cdf = np.cumsum(prob[pos[None, :], :, centre], axis=2)  # (n, L, C)
        u = rng.random((n, len(pos)))
        drawn = (u[:, :, None] >= cdf).sum(axis=2)
        return np.minimum(drawn, self.cardinalities[None, :] - 1)


@dataclass(frozen=True)
class TPEDensity:
    """``l`` (good) and ``g`` (bad) densities of one fit."""

    good: ProductKDE
    bad: ProductKDE

    def log_ratio(self, x: np.ndarray) -> np.ndarray:
        """``(m,)`` ``log(max(l, 1e-32) / max(g, 1e-32))``; larger is more promising."""
        return np.maximum(self.good.log_pdf(x), _FLOOR) - np.maximum(self.bad.log_pdf(x), _FLOOR)


def fit_tpe(genomes: np.ndarray, values: np.ndarray, cardinalities: np.ndarray, ordinal: np.ndarray, *,
            top_n_percent: int = 15, min_points_in_model: int | None = None,
            min_bandwidth: float = 1e-3) -> TPEDensity | None:
    """The l/g densities of ``genomes`` ``(n, L)`` with ``values`` ``(n,)`` (larger is better), or None
    while there are too few points (module docstring: HpBandSter's split and thresholds).

    ``min_points_in_model`` below ``L + 1`` is raised to ``L + 1``, as HpBandSter does.
    """
    card = np.asarray(cardinalities, dtype=np.int64)
    length = len(card)
    x = np.asarray(genomes, dtype=np.int64).reshape(-1, length)
    y = np.asarray(values, dtype=np.float64)
    n_min = max(min_points_in_model or 0, length + 1)
    if len(x) < n_min:
        return None
    order = np.argsort(-np.where(np.isfinite(y), y, -np.inf), kind="stable")  # best first; NaN counts as worst
    n_good = max(n_min, top_n_percent * len(x) // 100)
    n_bad = max(n_min, (100 - top_n_percent) * len(x) // 100)
    good, bad = x[order[:n_good]], x[order[n_good:n_good + n_bad]]
    if len(good) <= length or len(bad) <= length:
        return None
    return TPEDensity(ProductKDE.fit(good, card, ordinal, min_bandwidth=min_bandwidth),
                      ProductKDE.fit(bad, card, ordinal, min_bandwidth=min_bandwidth))


def propose(density: TPEDensity, genome: Genome, allowed: np.ndarray, rng: np.random.Generator, *,
            num_samples: int = 64, bandwidth_factor: float = 3.0, max_rounds: int = 10) -> int:
    """The id maximising ``l/g`` among ``num_samples`` model draws that decode to an ``allowed`` id.

    ``allowed``: bool mask over table ids. Draws that decode to -1 or to an id not allowed are
    redrawn, in rounds of ``num_samples``, at most ``max_rounds`` rounds; returns -1 if no draw
    was usable (the caller falls back to a random architecture, as HpBandSter does when its
    sampling fails). Each usable draw is scored at the genome of the id it decodes to.
    """
    ids: list[np.ndarray] = []
    found = 0
    for _ in range(max_rounds):
        drawn = genome.decode(density.good.sample(num_samples, rng, bandwidth_factor).astype(np.int8))
        ok = drawn >= 0
        ok[ok] = allowed[drawn[ok]]
        ids.append(drawn[ok])
        found += int(ok.sum())
        if found >= num_samples:
            break
    cand = np.concatenate(ids)[:num_samples]
    if not len(cand):
        return -1
    return int(cand[np.argmax(density.log_ratio(genome.encode(cand)))])


def set_tpe_params(searcher: object, top_n_percent: int, num_samples: int, random_fraction: float,
                   bandwidth_factor: float, min_bandwidth: float, min_points_in_model: int | None) -> None:
    """Check the density model's settings and store them on ``searcher`` (TPE and BOHB share them).

    One-line errors for settings outside their ranges, at construction, before any query."""
    if not 0 < top_n_percent < 100:
        raise NasSuiteError(f"top_n_percent must be in (0, 100), got {top_n_percent!r}")
    if int(num_samples) != num_samples or num_samples < 1:
        raise NasSuiteError(f"num_samples must be a positive integer, got {num_samples!r}")
    if not 0 <= random_fraction <= 1:
        raise NasSuiteError(f"random_fraction must be in [0, 1], got {random_fraction!r}")
    if not bandwidth_factor > 0:
        raise NasSuiteError(f"bandwidth_factor must be > 0, got {bandwidth_factor!r}")
    if not 0 < min_bandwidth < 1:
        raise NasSuiteError(f"min_bandwidth must be in (0, 1), got {min_bandwidth!r}")
    if min_points_in_model is not None and (int(min_points_in_model) != min_points_in_model or min_points_in_model < 1):
        raise NasSuiteError(f"min_points_in_model must be a positive integer or None, got {min_points_in_model!r}")
    settings = {"top_n_percent": top_n_percent, "num_samples": num_samples, "random_fraction": random_fraction,
                "bandwidth_factor": bandwidth_factor, "min_bandwidth": min_bandwidth,
                "min_points_in_model": min_points_in_model}
    for key, value in settings.items():
        setattr(searcher, key, value)


class TPE(Searcher):
    """Single-fidelity TPE with BOHB's density model (module docstring), one query at a time.

    Each step refits l/g on every observation so far; with a model, a uniform draw decides
    between a random architecture (probability ``random_fraction``) and the model's proposal
    (:func:`propose`), as HpBandSter's ``get_config`` does; without one, the architecture is
    random. Random architectures are uniform over the unqueried pool (on NB-201 the same as
    HpBandSter's uniform configuration; on NB-101 uniform over the table's cells rather than
    over adjacency bits, most of which are not cells). Unlike HpBandSter, an architecture is
    never proposed twice: a repeat query of a table read buys nothing under ``"mean"`` noise.
    ``info``: ``model_picks`` (queries the model chose) and ``fallbacks`` (model steps where no
    draw was usable, so a random architecture was queried).
    """

    name = "tpe"
    citation = "Bergstra et al. 2011, 'Algorithms for Hyper-Parameter Optimization' (TPE); density of Falkner et al. 2018 (BOHB)"

    def __init__(self, top_n_percent: int = 15, num_samples: int = 64, random_fraction: float = 1 / 3,
                 bandwidth_factor: float = 3.0, min_bandwidth: float = 1e-3,
                 min_points_in_model: int | None = None) -> None:
        set_tpe_params(self, top_n_percent, num_samples, random_fraction, bandwidth_factor, min_bandwidth,
                       min_points_in_model)

    def search(self, oracle: Oracle, rng: np.random.Generator) -> SearchResult:
        from ..encodings.genome import genome_for

        genome = genome_for(oracle.bench)
        allowed = np.zeros(len(oracle.bench), dtype=bool)
        allowed[oracle.unqueried()] = True
        picks = fallbacks = 0
        while not oracle.exhausted and allowed.any():
            density = None
            if self.random_fraction < 1:
                density = fit_tpe(genome.encode(oracle.queried), oracle.observed(), genome.cardinalities,
                                  genome.ordinal, top_n_percent=self.top_n_percent,
                                  min_points_in_model=self.min_points_in_model, min_bandwidth=self.min_bandwidth)
            pick = -1
            if density is not None and rng.random() >= self.random_fraction:
                pick = propose(density, genome, allowed, rng, num_samples=self.num_samples,
                               bandwidth_factor=self.bandwidth_factor)
                picks += pick >= 0
                fallbacks += pick < 0
            if pick < 0:
                pick = int(rng.choice(np.flatnonzero(allowed)))
            oracle.query([pick])
            allowed[pick] = False
        return SearchResult(oracle.trajectory(), info={"model_picks": picks, "fallbacks": fallbacks})
