"""The predictors of a grid: resolved once in the parent process and checked before the first cell.

A spec names predictors by label (:mod:`suite.experiment.spec`); :func:`resolve_all` turns each
label into a :class:`~suite.predictors.plugins.Predictor` (absolute factory path, inputs, default
parameters), which is what the cells receive, so a worker process never looks a name up: it only
imports the factory (and a registry patched in the parent, or a plugin, needs nothing in workers).

:func:`validate` checks everything a cell would trip over, before the run directory exists:

* optional extras (``gnn`` without torch: :class:`~suite.extras.MissingExtra`, one line);
* parameters: every key of ``[params.<label>]`` must be one of the estimator's ``get_params()``
  (else its keyword parameters), and scikit-learn's own constraints must hold where the class
  declares them;
* that the factory builds something with ``fit`` and ``predict``;
* inputs: the encoding, proxies and learning-curve epochs each (predictor, fidelity) reads must
  exist in the benchmark (curve epochs on a benchmark without per-epoch curves are refused).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

from ..errors import InvalidArgument, InvalidSpec, NasSuiteError
from ..predictors.inputs import Inputs
from ..predictors.plugins import Predictor, accepted_params, resolve

if TYPE_CHECKING:
    from ..data.benchmark import Benchmark
    from .spec import ExperimentSpec

__all__ = ["cell_inputs", "fidelities", "resolve_all", "validate"]


def resolve_all(spec: ExperimentSpec, labels: Iterable[str] | None = None) -> dict[str, Predictor]:
    """Label -> :class:`Predictor` for the predictors of ``spec`` (all, or ``labels``); imports plugins
    and import paths, so a module that does not import is a one-line :class:`InvalidSpec` here."""
    out: dict[str, Predictor] = {}
    definitions = getattr(spec, "definitions", {})  # a spec pickled by an older nas-suite has none
    for label in spec.predictors if labels is None else labels:
        definition = definitions.get(label, {})
        try:
            out[label] = resolve(definition.get("factory", label), label=label, inputs=definition.get("inputs"),
                                 benchmark=spec.benchmark)
        except (InvalidArgument, NasSuiteError) as err:
            raise InvalidSpec(f"predictors: {err}") from None
    return out


def cell_inputs(spec: ExperimentSpec, predictor: Predictor, fidelity: int) -> Inputs:
    """What one cell of ``predictor`` reads: its inputs, with learning curves of the target itself
    (curve models extrapolate the target's own curve) observed for ``fidelity`` epochs (0: as declared)."""
    inputs = predictor.inputs
    if inputs.curve_epochs:
        inputs = inputs.with_(curve_metric=spec.target_metric)
    if fidelity:
        inputs = inputs.with_(curve_epochs=fidelity)
    return inputs


def fidelities(spec: ExperimentSpec, predictor: Predictor) -> tuple[int, ...]:
    """The fidelities a predictor runs at: the spec's, for those that read curves; else one (0)."""
    return tuple(int(f) for f in spec.fidelity) if (spec.fidelity and predictor.inputs.curve_epochs > 0) else (0,)


def validate(spec: ExperimentSpec, bench: Benchmark, resolved: dict[str, Predictor]) -> None:
    """Refuse, with one line naming the key, anything that would make a cell fail (module docstring)."""
    from ..extras import check_installed

    for label, predictor in resolved.items():
        if predictor.extra:
            check_installed(predictor.extra, f"predictor {label!r}")
    for label, predictor in resolved.items():
        for fidelity in fidelities(spec, predictor):
            _check_inputs(label, cell_inputs(spec, predictor, fidelity), bench)
        first = cell_inputs(spec, predictor, fidelities(spec, predictor)[0])
        _check_params(label, predictor, spec.params.get(label, {}), bench, first)


def _check_params(label: str, predictor: Predictor, params: dict[str, Any], bench: Benchmark, inputs: Inputs) -> None:
    try:
        factory = predictor.load()
        default = predictor.make(bench, inputs=inputs)
    except NasSuiteError as err:
        raise InvalidSpec(f"predictors: {err}") from None
    except Exception as err:  # noqa: BLE001 - a user's factory may raise anything
        raise InvalidSpec(f"predictors: {label!r} ({predictor.factory}) raised {type(err).__name__} when built with "
                          f"its defaults: {_one_line(err)}") from None
    accepted = accepted_params(default, factory)
    unknown = [k for k in params if accepted is not None and k not in accepted]
    if unknown:
        raise InvalidSpec(f"params.{label}.{unknown[0]}: {type(default).__name__} has no parameter {unknown[0]!r}; "
                          f"its parameters: {', '.join(sorted(accepted or ())) or 'none'}")
    try:
        model = predictor.make(bench, inputs=inputs, **params)
    except NasSuiteError as err:
        raise InvalidSpec(f"params.{label}: {err}") from None
    except Exception as err:  # noqa: BLE001 - a user's factory may raise anything
        raise InvalidSpec(f"params.{label}: {predictor.factory} raised {type(err).__name__}: {_one_line(err)}") from None
    if not (callable(getattr(model, "fit", None)) and callable(getattr(model, "predict", None))):
        raise InvalidSpec(f"predictors: {label!r} ({predictor.factory}) builds a {type(model).__name__}, which has no "
                          f"fit/predict; give a scikit-learn-style regressor")
    try:  # scikit-learn's declared constraints, which fit would check only once cells run
        for estimator in _estimators(model):
            estimator._validate_params()
    except (TypeError, ValueError) as err:
        raise InvalidSpec(f"params.{label}: {_one_line(err)}") from None


def _estimators(model: Any) -> list[Any]:
    """``model`` and the estimators inside it that declare scikit-learn parameter constraints.

    A :class:`~suite.predictors.base.WrappedRegressor` builds its inner model (a pipeline, an
    XGBoost model...) only in ``fit``; it is built here from the parameters, as ``fit`` would,
    so that its constraints are checked too (``ridge`` with ``alpha = -1``).
    """
    from ..predictors.base import WrappedRegressor

    found = [model]
    if isinstance(model, WrappedRegressor):
        try:
            found.append(model._build(200, 16))  # ValueError/TypeError: a bad parameter, reported by the caller
        except NotImplementedError:  # a wrapper that builds its models in its own fit (e.g. an ensemble)
            pass
    out = []
    for obj in found:
        nested = obj.get_params(deep=True).values() if callable(getattr(obj, "get_params", None)) else ()
        out += [e for e in (obj, *nested) if hasattr(type(e), "_parameter_constraints")
                and callable(getattr(e, "_validate_params", None))]
    return out


def _check_inputs(label: str, inputs: Inputs, bench: Benchmark) -> None:
    from ..encodings import spec as encoding_spec
    from ..predictors.inputs import proxy_metric

    where = f"{bench.name}/{bench.dataset}"
    if not (inputs.encoding or inputs.proxies or inputs.curve_epochs or inputs.arch_features):
        raise InvalidSpec(f"predictors: {label!r} reads nothing; give it an encoding, proxies or curve epochs (inputs = {{...}})")
    if inputs.encoding:
        try:
            encoding_spec(bench.name, inputs.encoding)
        except NasSuiteError as err:
            raise InvalidSpec(f"predictors: {label!r} reads the encoding {inputs.encoding!r}: {_one_line(err)}") from None
    for proxy in inputs.proxies:
        try:
            proxy_metric(bench, proxy)
        except NasSuiteError as err:
            raise InvalidSpec(f"predictors: {label!r} reads the proxy {proxy!r}: {_one_line(err)}") from None
    if inputs.curve_epochs:
        metric = inputs.curve_metric
        try:
            recorded = bench.curves(metric, [0]).shape[1]
        except NasSuiteError:
            raise InvalidSpec(f"predictors: {label!r} reads {inputs.curve_epochs} epochs of the {metric} learning "
                              f"curve, but {where} records no {metric} per epoch; drop it or choose another "
                              f"benchmark") from None
        if inputs.curve_epochs > recorded:
            raise InvalidSpec(f"predictors: {label!r} reads {inputs.curve_epochs} epochs of the {metric} learning curve, "
                              f"but {where} records {recorded} epoch(s) of it; choose fidelity (curve epochs) up to "
                              f"{recorded}")


def _one_line(text: object) -> str:
    return " ".join(str(text).split())
