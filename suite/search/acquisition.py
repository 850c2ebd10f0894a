"""Acquisition functions of model-based search, vectorised over candidates.

Every function scores ``n`` candidates from a surrogate's posterior ``mean`` and ``std`` (both
float ``(n,)``, in the units of the observed metric) for **maximisation**: the higher the score,
the sooner the candidate is queried. :func:`acquire` dispatches by name, so BANANAS, GP-BO and any
other searcher share one implementation:

- ``"its"`` — independent Thompson sampling (White, Neiswanger & Savani, BANANAS, AAAI 2021, §4):
  one draw ``N(mean_i, std_i)`` per candidate, independently (``naszilla/acquisition_functions.py``
  of the paper's code: ``np.random.normal(mean, stds)``). Needs ``rng``.
- ``"ucb"`` — upper confidence bound ``mean + beta * std``; BANANAS' code uses ``beta = 0.5``
  (its ``explore_factor``, same file), the default here.
- ``"ei"`` — expected improvement over the incumbent ``best`` (Jones, Schonlau & Welch 1998):
  with ``z = (mean - best - xi) / std``, ``EI = (mean - best - xi) Phi(z) + std phi(z)``; where
  ``std == 0`` it is the improvement ``max(mean - best - xi, 0)``.
- ``"mean"`` — the posterior mean alone (pure exploitation).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
from scipy.special import ndtr

from ..errors import NasSuiteError

__all__ = ["ACQUISITIONS", "acquire", "expected_improvement", "independent_thompson", "upper_confidence_bound",
           "posterior_mean", "top_k"]

_INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)


def _check(mean: Any, std: Any) -> tuple[np.ndarray, np.ndarray]:
    mean = np.asarray(mean, dtype=np.float64).reshape(-1)
    std = np.asarray(std, dtype=np.float64).reshape(-1)
    if mean.shape != std.shape:
        raise NasSuiteError(f"acquisition needs mean and std of one shape, got {mean.shape} and {std.shape}")
    return mean, np.maximum(std, 0.0)


def expected_improvement(mean: Any, std: Any, best: float, xi: float = 0.0) -> np.ndarray:
    """EI of each candidate over ``best`` (maximisation), float ``(n,)``, >= 0."""
    mean, std = _check(mean, std)
    gain = mean - float(best) - float(xi)
    out = np.maximum(gain, 0.0)
    pos = std > 0
    z = gain[pos] / std[pos]
    out[pos] = gain[pos] * ndtr(z) + std[pos] * _INV_SQRT_2PI * np.exp(-0.5 * z * z)
    return out


def upper_confidence_bound(mean: Any, std: Any, beta: float = 0.5) -> np.ndarray:
    """``mean + beta * std``, float ``(n,)``."""
    mean, std = _check(mean, std)
    return mean + float(beta) * std


def independent_thompson(mean: Any, std: Any, rng: np.random.Generator) -> np.ndarray:
    """One independent draw ``N(mean_i, std_i)`` per candidate, float ``(n,)`` (consumes ``n`` normals of ``rng``)."""
    mean, std = _check(mean, std)
    return mean + std * rng.standard_normal(len(mean))


def posterior_mean(mean: Any, std: Any) -> np.ndarray:
    """The mean itself (exploitation only)."""
    return _check(mean, std)[0]


#: name -> ``fn(mean, std, *, best, rng, **params)``
ACQUISITIONS: dict[str, Callable[..., np.ndarray]] = {
    "its": lambda mean, std, *, best, rng, **kw: independent_thompson(mean, std, rng, **kw),
    "ucb": lambda mean, std, *, best, rng, **kw: upper_confidence_bound(mean, std, **kw),
    "ei": lambda mean, std, *, best, rng, **kw: expected_improvement(mean, std, best, **kw),
    "mean": lambda mean, std, *, best, rng, **kw: posterior_mean(mean, std, **kw),
}


def check_name(name: str) -> str:
    """``name`` if it is an acquisition function, else a one-line :class:`NasSuiteError`."""
    if name not in ACQUISITIONS:
        raise NasSuiteError(f"unknown acquisition function {name!r}; available: {', '.join(ACQUISITIONS)}")
    return name


def acquire(name: str, mean: Any, std: Any, *, best: float, rng: np.random.Generator,
            params: dict[str, Any] | None = None) -> np.ndarray:
    """Scores of acquisition ``name`` (see the module docstring), float ``(n,)``; higher is better."""
    try:
        return ACQUISITIONS[check_name(name)](mean, std, best=best, rng=rng, **(params or {}))
    except TypeError as err:
        raise NasSuiteError(f"acquisition {name!r}: {err}") from None


def top_k(ids: np.ndarray, scores: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` ids with the highest scores, best first; ties (and NaN, ranked last) broken by id."""
    ids = np.asarray(ids, dtype=np.int64)
    order = np.lexsort((ids, -np.nan_to_num(np.asarray(scores, dtype=np.float64), nan=-np.inf)))
    return ids[order[: max(int(k), 0)]]
