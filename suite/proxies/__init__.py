"""Zero-cost proxies computed on real cell networks (needs the ``torch`` extra).

One module per proxy, listed in :data:`PROXIES` by import path and imported on first use, so
``import suite.proxies`` imports neither torch nor any proxy. Every proxy module exposes

* ``score(network, batch, *, rng) -> float``: ``network`` a ``torch.nn.Module`` returning logits,
  ``batch = (images, labels)`` with images float32 ``(N, C, H, W)`` already normalised and labels
  int64 ``(N,)``, on the network's device; ``rng`` a ``numpy.random.Generator`` (it seeds torch's
  generators around the pass, so stochastic layers repeat; no registered proxy draws random
  numbers itself);
* ``NAME`` and ``CITATION`` (paper, venue, section or equation).

Contract (checked by ``tests/test_proxies.py`` for every registered proxy): higher score means
predicted better, with the sign of the original paper / NAS-Bench-Suite-Zero; the same weights,
batch and ``rng`` seed give the same float; the network comes back unchanged — weights, buffers
(BatchNorm running statistics), train/eval flags, ``.grad`` and ``requires_grad``. Each module's
docstring states its exact definition, mode (train mode with BatchNorm batch statistics for the
data-dependent proxies, as in the references) and reduction.

Names are those of the papers; NAS-Bench-Suite-Zero's tables call ``naswot`` ``nwot``. Its NB-201
values are reproduced in magnitude (and rank-correlate at 0.93-1.00 on CIFAR-10 cells) with
minibatches of 32 training images; the proxies themselves take whatever batch they are given.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

import numpy as np

from ..errors import NasSuiteError

__all__ = ["PROXIES", "UnknownProxy", "available", "citation", "score"]

#: proxy name -> module path (imported on use)
PROXIES: dict[str, str] = {
    "naswot": "suite.proxies.naswot",
    "jacov": "suite.proxies.jacov",
    "synflow": "suite.proxies.synflow",
    "snip": "suite.proxies.snip",
    "grasp": "suite.proxies.grasp",
    "grad_norm": "suite.proxies.grad_norm",
    "fisher": "suite.proxies.fisher",
    "params": "suite.proxies.params",
    "flops": "suite.proxies.flops",
}


class UnknownProxy(NasSuiteError, KeyError):
    """A proxy name that is not registered (the message lists those that are)."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0]) if self.args else "unknown proxy"


def available() -> list[str]:
    """Registered proxy names, sorted."""
    return sorted(PROXIES)


def _module(name: str) -> ModuleType:
    if name not in PROXIES:
        raise UnknownProxy(f"unknown zero-cost proxy {name!r}; choose one of {', '.join(available())}")
    return importlib.import_module(PROXIES[name])


def citation(name: str) -> str:
    """Where proxy ``name``'s definition comes from (imports its module, hence torch)."""
    return _module(name).CITATION


def score(name: str, network: Any, batch: tuple[Any, Any], *, rng: np.random.Generator) -> float:
    """Proxy ``name`` of ``network`` on ``batch``; see the module docstring for the contract.

    Raises:
        UnknownProxy: ``name`` is not in :data:`PROXIES`.
        ValueError: the batch or network does not fit the proxy (the message says how).
    """
    return float(_module(name).score(network, batch, rng=rng))
