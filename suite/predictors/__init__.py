"""The predictor zoo: scikit-learn regressors behind one registry.

    >>> import suite.predictors as P
    >>> P.available()[:3]
    ['ols', 'ridge', 'rf']
    >>> model = P.make("rf", n_estimators=100, random_state=0)

Any scikit-learn regressor (``fit``/``predict``) plugs into the suite without registration:
experiments take an import path (``"mypkg.module:MyRegressor"``) or the name of an installed
plugin (entry-point group ``nas_suite.predictors``) wherever they take a registered name
(:mod:`suite.predictors.plugins`). The registry only adds defaults (which inputs to feed it) and
citations. See :mod:`suite.predictors.registry` for the list and :mod:`suite.predictors.inputs`
for inputs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ..errors import NasSuiteError
from .inputs import Inputs, build_features, measured_ids, proxy_metric
from .plugins import ENTRY_POINT_GROUP, Predictor, installed_plugins, known, resolve, space_params
from .registry import PREDICTORS, PredictorSpec

if TYPE_CHECKING:
    from ..data.benchmark import Benchmark

__all__ = ["available", "spec", "make", "resolve", "installed_plugins", "Inputs", "Predictor", "PredictorSpec",
           "ENTRY_POINT_GROUP", "build_features", "measured_ids", "proxy_metric"]


def available(family: str | None = None) -> list[str]:
    """Registered predictor names (optionally of one family), in registry order."""
    return [name for name, s in PREDICTORS.items() if family is None or s.family == family]


def spec(name: str) -> PredictorSpec:
    """The registry entry of ``name`` (one-line error listing the names if unknown).

    A deprecated name (:data:`~suite.predictors.registry.DEPRECATED`, e.g. ``nwot`` for ``naswot``)
    still resolves, with a :class:`DeprecationWarning` naming the new one (the registry's own rule).
    """
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
    A name that is not registered may be an import path ``"module:attr"`` or a plugin's name
    (:func:`resolve`).
    """
    if name not in PREDICTORS and known(name):
        return resolve(name, benchmark=None if bench is None else bench.name).make(bench, inputs=inputs, **params)
    entry = spec(name)
    module, attr = entry.factory.split(":")
    factory = getattr(importlib.import_module(f"{__name__}.{module}"), attr)
    merged = {**entry.params, **space_params(entry.inputs if inputs is None else inputs, factory, bench), **params}
    try:
        return factory(**merged)
    except TypeError as err:
        raise NasSuiteError(f"predictor {name!r}: {err}") from None
