"""Subset selection: on which candidates the predictor is evaluated during search.

One strategy per module, each a :class:`Selector` registered by name in :data:`SELECTORS`
(imported on use). ``make(name, **params)`` builds one; ``available()`` lists them.
"""

from __future__ import annotations

from typing import Any

from ..registry import Entry, Registry
from .base import SearchHistory, Selector

__all__ = ["SELECTORS", "SearchHistory", "Selector", "available", "make"]

#: name -> :class:`~suite.registry.Entry` whose factory is the :class:`Selector` class (imported on
#: use); each citation is the class's ``citation``, verbatim.
SELECTORS: Registry[Entry] = Registry("selector", [
    Entry("full", factory="suite.selection.full:FullSpace",
          citation="Mauch et al. 2020, 'Efficient Sampling for Predictor-Based NAS' (full-space evaluation)",
          summary="every candidate (the oracle upper bound; tabulated spaces only)"),
    Entry("uniform", factory="suite.selection.uniform:UniformSubset",
          citation="Mauch et al. 2020 (uniform subset); White et al. 2021, BANANAS (random candidate pool)",
          summary="a fresh uniform random subset at every step"),
    Entry("mutation", factory="suite.selection.mutation:MutationNeighbourhood",
          citation="White et al. 2021, 'BANANAS' (mutation acquisition pool); White et al. 2020, 'Local search is "
                   "state of the art for NAS benchmarks' (1-edit neighbourhood)",
          summary="the candidates within k edits of the best architectures observed"),
    Entry("evolution", factory="suite.selection.evolution:EvolutionaryAcquisition",
          citation="Real et al. 2019, 'Regularized evolution for image classifier architecture search'; White et "
                   "al. 2021, 'BANANAS' / NASLib (mutation-based acquisition optimisation)",
          summary="an evolutionary search under the predictor picks the subset"),
    Entry("diverse", factory="suite.selection.diverse:DiverseSubset",
          citation="Gonzalez 1985 (greedy k-center, farthest-point sampling); Sener & Savarese 2018 (core-set "
                   "selection); Mauch et al. 2020 (subset selection for predictor-based NAS)",
          summary="greedy k-center (farthest-point sampling) in encoding space"),
    Entry("cluster", factory="suite.selection.cluster:ClusterStrata",
          citation="Mauch et al. 2020, 'Efficient Sampling for Predictor-Based NAS' (cluster-based subsets); "
                   "Cochran 1977 (stratified sampling, proportional allocation); Arthur & Vassilvitskii 2007 "
                   "(k-means++)",
          summary="stratified sampling over k-means strata of the encodings"),
    Entry("guided", factory="suite.selection.guided:PredictorGuided",
          citation="Mauch et al. 2020, 'Efficient Sampling for Predictor-Based NAS' (subset strategies); Sutton & "
                   "Barto 2018 (softmax exploration); Cochran 1977 (stratified allocation)",
          summary="cluster strata tilted towards those the predictor rates highly"),
], sort=True)


def available() -> list[str]:
    """Registered selector names, sorted."""
    return SELECTORS.available()


def make(name: str, **params: Any) -> Selector:
    """A selector by registry name; unknown names and parameters raise one-line errors."""
    return SELECTORS.make(name, **params)
