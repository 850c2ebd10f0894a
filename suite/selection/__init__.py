"""Subset selection: on which candidates the predictor is evaluated during search.

One strategy per module, each a :class:`Selector` registered by name in :data:`SELECTORS`
(imported on use). ``make(name, **params)`` builds one; ``available()`` lists them.
"""

from __future__ import annotations

import importlib
from typing import Any

from ..errors import NasSuiteError
from .base import SearchHistory, Selector

__all__ = ["SELECTORS", "SearchHistory", "Selector", "available", "make"]

#: name -> "module:Class"
SELECTORS: dict[str, str] = {
    "full": "suite.selection.full:FullSpace",
    "uniform": "suite.selection.uniform:UniformSubset",
    "mutation": "suite.selection.mutation:MutationNeighbourhood",
    "evolution": "suite.selection.evolution:EvolutionaryAcquisition",
    "diverse": "suite.selection.diverse:DiverseSubset",
    "cluster": "suite.selection.cluster:ClusterStrata",
    "guided": "suite.selection.guided:PredictorGuided",
}


def available() -> list[str]:
    """Registered selector names."""
    return sorted(SELECTORS)


def make(name: str, **params: Any) -> Selector:
    """A selector by registry name; unknown names and parameters raise one-line errors."""
    target = SELECTORS.get(name)
    if target is None:
        raise NasSuiteError(f"unknown selector {name!r}; available: {', '.join(available())}")
    module, cls = target.split(":")
    factory = getattr(importlib.import_module(module), cls)
    try:
        return factory(**params)
    except TypeError as err:
        raise NasSuiteError(f"selector {name!r}: {err}") from None
