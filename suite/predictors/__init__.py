"""The predictor zoo: scikit-learn regressors behind one registry.

    >>> import suite.predictors as P
    >>> P.available()[:3]
    ['ols', 'ridge', 'rf']
    >>> model = P.make("rf", n_estimators=100, random_state=0)

Any scikit-learn regressor (``fit``/``predict``) plugs into the suite without registration;
the registry only adds defaults (which inputs to feed it) and citations. See
:mod:`suite.predictors.registry` for the list and :mod:`suite.predictors.inputs` for inputs.
"""

from __future__ import annotations

import importlib
import inspect
from typing import TYPE_CHECKING, Any

from ..errors import NasSuiteError
from .inputs import Inputs, build_features, measured_ids, proxy_metric
from .registry import PREDICTORS, PredictorSpec

if TYPE_CHECKING:
    from ..data.benchmark import Benchmark

__all__ = ["available", "spec", "make", "Inputs", "PredictorSpec", "build_features", "measured_ids", "proxy_metric"]


def _space_params(inputs: Inputs, factory: Any, bench: Benchmark | None) -> dict[str, Any]:
    """Parameters implied by the benchmark and the inputs (only those the factory accepts)."""
    if bench is None:
        return {}
    accepted = inspect.signature(factory).parameters
    out: dict[str, Any] = {}
    if inputs.encoding == "graph" and "n_nodes" in accepted:
        from ..encodings import graph_shape

        out["n_nodes"] = graph_shape(bench.name)[0]
    if inputs.curve_mode == "srm" and inputs.curve_epochs and "n_epochs" in accepted:
        out["n_epochs"] = build_features(bench, inputs.with_(arch_features=False), [0]).shape[1]
    return out




def available(family: str | None = None) -> list[str]:
    """Registered predictor names (optionally of one family), in registry order."""
    return [name for name, s in PREDICTORS.items() if family is None or s.family == family]


def spec(name: str) -> PredictorSpec:
    """The registry entry of ``name`` (one-line error listing the names if unknown)."""
    try:
        return PREDICTORS[name]
    except KeyError:
        raise NasSuiteError(f"unknown predictor {name!r}; available: {', '.join(PREDICTORS)}") from None


def make(name: str, bench: Benchmark | None = None, *, inputs: Inputs | None = None, **params: Any) -> Any:
    """A new, unfitted predictor ``name`` with the registry's defaults overridden by ``params``.

    ``bench`` (optional) fills in what depends on the search space: the node count of the
    ``graph`` encoding for graph predictors, the curve length for learning-curve models. For a
    proxy predictor the score is column 0 of ``X`` (as :func:`build_features` lays it out).
    ``inputs``: what the caller feeds it (default: the registry's), e.g. the curve of another metric.
    """
    entry = spec(name)
    module, attr = entry.factory.split(":")
    factory = getattr(importlib.import_module(f"{__name__}.{module}"), attr)
    merged = {**entry.params, **_space_params(entry.inputs if inputs is None else inputs, factory, bench), **params}
    try:
        return factory(**merged)
    except TypeError as err:
        raise NasSuiteError(f"predictor {name!r}: {err}") from None
