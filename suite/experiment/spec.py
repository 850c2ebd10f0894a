"""Experiment specs: TOML in, one validated, fully resolved :class:`ExperimentSpec` out.

A spec is data, never code: values come from TOML (stdlib ``tomllib``) and from ``--set
key=value`` overrides parsed as TOML values (a bare word list such as ``[xgb,gnn]`` is read
as strings), never ``eval``. Every key is checked; an unknown key or a bad value raises
:class:`InvalidSpec` naming the key. The resolved spec (defaults filled in) is written next
to the results, so a run directory says exactly what produced it.

Example::

    name = "quickstart"
    benchmark = "nb201"
    dataset = "cifar10"
    predictors = ["ols", "rf", "xgb"]
    train_sizes = [20, 100]
    test_size = 200
    seeds = 5

    [target]            # what is predicted: Benchmark.metric(metric, epoch, seed, schedule=)
    metric = "valid_acc"
    diverged_below = 20.0   # optional: also score the test cells at or above it ("trained")

    [params.xgb]        # keyword parameters of one predictor
    n_estimators = 200

A predictor is a registered name, an import path ``"module:Class"`` of any scikit-learn-style
regressor (or a factory returning one), an installed plugin's name (entry-point group
``nas_suite.predictors``), or an inline table that gives one of those a label, parameters and
inputs (:mod:`suite.predictors.plugins`)::

    predictors = ["ridge", { name = "knn", factory = "knn_pred:KNNPredictor", params = { k = 10 },
                             inputs = { encoding = "path" } }]

``[params.<label>]`` (or ``--set params.<label>.<key>=...``) overrides the inline ``params``.
"""

from __future__ import annotations

import re
import sys
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, Mapping, Sequence

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from ..errors import InvalidSpec, NasSuiteError

__all__ = ["ExperimentSpec", "GRID_AXES", "InvalidSpec", "MAX_SEEDS", "MAX_SPEC_BYTES", "MAX_TASKS", "apply_overrides",
           "check_spec_file", "grid_size", "parse_spec", "to_toml"]

#: the largest ``seeds = N`` count: refused before ``range(N)`` is built (a typo such as
#: ``seeds = 10000000`` would otherwise plan a grid for hours and exhaust memory)
MAX_SEEDS = 100_000
#: tasks a run may plan without ``--force`` (the shipped configs plan at most a few thousand)
MAX_TASKS = 20_000
#: the largest spec file read: specs are a few hundred bytes; anything bigger is not one
MAX_SPEC_BYTES = 1 << 20
#: the spec fields whose lengths multiply into a run's task grid; each kind uses the ones it has
GRID_AXES = ("datasets", "predictors", "methods", "fidelity", "train_sizes", "seeds")


_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
_TOP = {"name", "description", "benchmark", "dataset", "predictors", "train_sizes", "test_size",
        "seeds", "metrics", "target", "params", "fidelity", "selection"}
_TARGET = {"metric", "epoch", "schedule", "seed", "diverged_below"}
_SELECTION = {"train", "test"}


@dataclass(frozen=True)
class ExperimentSpec:
    """A validated experiment: the grid is benchmark x predictor x fidelity x train size x seed.

    Attributes:
        name: run name; results go to ``results/<name>/``.
        benchmark, dataset: what :func:`suite.load` opens.
        predictors: predictor labels: registered names (``suite.predictors.available()``), import
            paths ``"module:attr"``, plugin names, or the ``name`` of an inline table.
        train_sizes: numbers of training architectures.
        test_size: test architectures per seed (drawn first, then train from the rest, so every
            predictor and train size of one seed is scored on the same test set), or None for
            "every eligible architecture not in the training set".
        seeds: the seed values (``seeds = 5`` in TOML means 0..4).
        metrics: names from :data:`suite.metrics.METRICS` recorded per cell.
        target_metric, target_epoch, target_schedule, target_seed: arguments of
            ``Benchmark.metric`` for the quantity predicted (epoch None = final).
        target_diverged_below: optional threshold in target units (e.g. 20.0 for accuracy in
            %). When set, every cell also records ``n_diverged`` (test architectures whose
            target is below it) and each metric ``m`` again as ``m_trained`` over the other test
            architectures, so a few diverged cells cannot carry a score. None: neither.
        params: per-predictor keyword overrides, by label (inline ``params`` merged in).
        definitions: label -> ``{"factory": ..., "inputs": {...}}`` of the predictors given as
            inline tables (what the label stands for; ``inputs`` only when the table has it).
        fidelity: observed learning-curve lengths (epochs) for predictors that read curves;
            empty = their registry default. Other predictors ignore it (one cell, fidelity 0).
        selection_train, selection_test: how architectures are chosen (``"random"``: uniform
            without replacement among those with every input and the target measured).
        description: free text.
    """

    kind: ClassVar[str] = "predictors"

    name: str
    benchmark: str
    dataset: str
    predictors: tuple[str, ...]
    train_sizes: tuple[int, ...]
    test_size: int | None = 200
    seeds: tuple[int, ...] = (0,)
    metrics: tuple[str, ...] = ()
    target_metric: str = "valid_acc"
    target_epoch: int | None = None
    target_schedule: int | None = None
    target_seed: str | int = "mean"
    target_diverged_below: float | None = None
    params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    definitions: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    fidelity: tuple[int, ...] = ()
    selection_train: str = "random"
    selection_test: str = "random"
    description: str = ""

    def as_toml_dict(self) -> dict[str, Any]:
        """The resolved spec in the TOML layout :func:`parse_spec` reads (None values omitted)."""
        d = asdict(self)
        out: dict[str, Any] = {k: d[k] for k in ("name", "description", "benchmark", "dataset")}
        out["predictors"] = [{"name": p, **self.definitions[p]} if p in self.definitions else p
                             for p in self.predictors]
        out["train_sizes"] = list(self.train_sizes)
        out["test_size"] = "rest" if self.test_size is None else self.test_size  # None is not TOML
        out["seeds"] = list(self.seeds)
        out["metrics"] = list(self.metrics)
        out["fidelity"] = list(self.fidelity)
        target = {"metric": self.target_metric, "epoch": self.target_epoch, "schedule": self.target_schedule,
                  "seed": self.target_seed, "diverged_below": self.target_diverged_below}
        out["target"] = {k: v for k, v in target.items() if v is not None}
        out["selection"] = {"train": self.selection_train, "test": self.selection_test}
        out["params"] = {k: dict(v) for k, v in self.params.items()}
        return out


def apply_overrides(raw: dict[str, Any], overrides: Sequence[str]) -> dict[str, Any]:
    """``["predictors=[xgb,gnn]", "target.epoch=12"]`` applied to a raw spec dict (copy)."""
    out = _deep_copy(raw)
    for item in overrides:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise InvalidSpec(f"override {item!r} is not key=value (e.g. --set predictors=[xgb,gnn])")
        value = _parse_value(text.strip(), key)
        node = out
        parts = key.split(".")
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise InvalidSpec(f"override {key!r}: {part!r} is not a table")
            node = child
        node[parts[-1]] = value
    return out


def _parse_value(text: str, key: str) -> Any:
    """A TOML value; bare words (``xgb``, ``[xgb,gnn]``) are taken as strings."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        pass
    if text.startswith("[") and text.endswith("]"):
        items = [t.strip() for t in text[1:-1].split(",") if t.strip()]
        return [_parse_value(t, key) for t in items]
    if re.fullmatch(r"[A-Za-z0-9_.@%+:-]+", text):  # ':' for import paths (module:Class)
        return text
    raise InvalidSpec(f"override {key}={text!r}: not a TOML value")


def parse_spec(raw: Mapping[str, Any], source: str = "spec") -> ExperimentSpec:
    """Validate a raw spec dict (as read from TOML) into an :class:`ExperimentSpec`."""
    check_keys(raw, _TOP, source)
    name = required(raw, "name", str, source)
    if not _NAME.fullmatch(name):
        raise InvalidSpec(f"{source}: name {name!r} must be letters, digits, '_', '.', '-' (it names results/<name>/)")
    benchmark, dataset = benchmark_of(raw, source)
    predictors, definitions, inline_params = _predictor_entries(raw.get("predictors"), source)
    train_sizes = tuple(_positive_ints(raw.get("train_sizes"), "train_sizes", source))
    test_size = raw.get("test_size", 200)
    if test_size in ("rest", "all"):
        test_size = None
    elif not isinstance(test_size, int) or isinstance(test_size, bool) or test_size < 2:
        raise InvalidSpec(f"{source}: test_size must be an integer >= 2 or \"rest\", got {test_size!r}")
    seeds = parse_seeds(raw, source)
    from ..metrics import METRICS

    metrics = tuple(_names(raw, "metrics", source, required=False)) or tuple(METRICS)
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise InvalidSpec(f"{source}: metrics: unknown {unknown}; available: {', '.join(METRICS)}")
    target = raw.get("target", {})
    if not isinstance(target, Mapping):
        raise InvalidSpec(f"{source}: target must be a table ([target] metric = ...)")
    check_keys(target, _TARGET, source, "target.")
    t_metric = target.get("metric", "valid_acc")
    if not isinstance(t_metric, str):
        raise InvalidSpec(f"{source}: target.metric must be a metric name, got {t_metric!r}")
    t_epoch = _opt_int(target, "epoch", source)
    t_schedule = _opt_int(target, "schedule", source)
    t_seed = target.get("seed", "mean")
    if not (t_seed in ("mean", "sample") or (isinstance(t_seed, int) and not isinstance(t_seed, bool))):
        raise InvalidSpec(f"{source}: target.seed must be \"mean\", \"sample\" or a recorded seed value, got {t_seed!r}")
    t_diverged = target.get("diverged_below")
    if t_diverged is not None:
        if isinstance(t_diverged, bool) or not isinstance(t_diverged, (int, float)) or t_diverged != t_diverged:
            raise InvalidSpec(f"{source}: target.diverged_below must be a number in target units, got {t_diverged!r}")
        t_diverged = float(t_diverged)
    params = raw.get("params", {})
    if not isinstance(params, Mapping) or not all(isinstance(v, Mapping) for v in params.values()):
        raise InvalidSpec(f"{source}: params must hold one table per predictor ([params.xgb] n_estimators = 100)")
    stray = sorted(set(params) - set(predictors))
    if stray:
        raise InvalidSpec(f"{source}: params.{stray[0]} is given but {stray[0]!r} is not in predictors {list(predictors)}")
    params = {k: {**inline_params.get(k, {}), **params.get(k, {})} for k in [*params, *(k for k in inline_params if k not in params)]}
    fidelity = tuple(_positive_ints(raw.get("fidelity", []), "fidelity", source, allow_empty=True))
    selection = raw.get("selection", {})
    if not isinstance(selection, Mapping):
        raise InvalidSpec(f"{source}: selection must be a table ([selection] train = \"random\")")
    check_keys(selection, _SELECTION, source, "selection.")
    for part in ("train", "test"):
        if selection.get(part, "random") != "random":
            raise InvalidSpec(f"{source}: selection.{part} = {selection[part]!r}: only \"random\" is available")
    description = raw.get("description", "")
    if not isinstance(description, str):
        raise InvalidSpec(f"{source}: description must be a string")
    return ExperimentSpec(
        name=name, benchmark=benchmark, dataset=dataset, predictors=tuple(predictors), train_sizes=train_sizes,
        test_size=test_size, seeds=seeds, metrics=metrics, target_metric=t_metric, target_epoch=t_epoch,
        target_schedule=t_schedule, target_seed=t_seed, target_diverged_below=t_diverged,
        params={k: dict(v) for k, v in params.items()}, definitions=definitions, fidelity=fidelity,
        description=description,
    )


def to_toml(data: Mapping[str, Any]) -> str:
    """Minimal TOML writer for resolved specs (scalars, lists of scalars, nested tables)."""
    lines: list[str] = []
    tables: list[tuple[str, Mapping[str, Any]]] = []
    for key, value in data.items():
        if isinstance(value, Mapping):
            tables.append((key, value))
        else:
            lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    for key, table in tables:
        if all(isinstance(v, Mapping) for v in table.values()) and table:
            for sub, inner in table.items():
                lines += ["", f"[{_toml_key(key)}.{_toml_key(sub)}]"]
                lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in inner.items()]
        else:
            lines += ["", f"[{_toml_key(key)}]"]
            lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


# -- helpers ---------------------------------------------------------------------------------------------
def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, int) or value == value else "nan"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):  # inline table (e.g. a method's params inside an array)
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _deep_copy(d: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _deep_copy(v) if isinstance(v, Mapping) else v for k, v in d.items()}


def check_keys(raw: Mapping[str, Any], allowed: set[str], source: str, prefix: str = "") -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise InvalidSpec(f"{source}: unknown key {prefix}{unknown[0]!r}; allowed: {', '.join(sorted(allowed))}")


def required(raw: Mapping[str, Any], key: str, kind: type, source: str) -> Any:
    if key not in raw:
        raise InvalidSpec(f"{source}: missing required key {key!r}")
    if not isinstance(raw[key], kind):
        raise InvalidSpec(f"{source}: {key} must be a {kind.__name__}, got {raw[key]!r}")
    return raw[key]


def benchmark_of(raw: Mapping[str, Any], source: str) -> tuple[str, str]:
    from ..data.registry import benchmark_spec

    try:
        spec = benchmark_spec(required(raw, "benchmark", str, source))
        dataset = spec.canonical_dataset(raw.get("dataset", "cifar10"))
    except NasSuiteError as err:
        raise InvalidSpec(f"{source}: {err}") from None
    return spec.name, dataset


def parse_seeds(raw: Mapping[str, Any], source: str) -> tuple[int, ...]:
    """``seeds = N`` (meaning 0..N-1) or a list of distinct non-negative seed values."""
    seeds_raw = raw.get("seeds", 1)
    if isinstance(seeds_raw, int) and not isinstance(seeds_raw, bool):
        if seeds_raw < 1:
            raise InvalidSpec(f"{source}: seeds must be >= 1 (a count) or a list of seed values, got {seeds_raw}")
        if seeds_raw > MAX_SEEDS:
            raise InvalidSpec(f"{source}: seeds = {seeds_raw} is more than the {MAX_SEEDS:,} seeds a run may have; "
                              f"split it into runs over lists of seed values")
        return tuple(range(seeds_raw))
    seeds = tuple(_ints(seeds_raw, "seeds", source, minimum=0))
    if len(set(seeds)) != len(seeds):
        raise InvalidSpec(f"{source}: seeds has duplicates: {list(seeds)}")
    return seeds


def grid_size(spec: Any) -> tuple[int, str]:
    """How many tasks a parsed spec plans, at most, and the product that gives it.

    The product of the lengths of the spec's :data:`GRID_AXES` (an empty axis counts once), so
    ``(60, "4 predictors x 3 train_sizes x 5 seeds")``. An upper bound: a predictor that reads no
    curves runs once, not once per fidelity. Kinds whose tasks are not a grid of these axes (the
    proxy experiments' chunks, one budget-correlation pass) count what they have.
    """
    total, parts = 1, []
    for axis in GRID_AXES:
        values = getattr(spec, axis, None)
        if isinstance(values, (tuple, list)) and values:
            total *= len(values)
            parts.append(f"{len(values)} {axis}")
    return total, " x ".join(parts) or "1 task"


def check_spec_file(path: Any) -> None:
    """Refuse, with one line, a spec path that is not a small regular file (before it is read).

    A FIFO or a device would block the read forever; a directory or a huge file is not a spec.
    A missing path is left to the reader, which says so.
    """
    import os
    import stat

    try:
        info = os.stat(path)
    except FileNotFoundError:
        return
    except OSError as err:
        raise InvalidSpec(f"cannot read the spec {path}: {err.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise InvalidSpec(f"{path} is a directory, not a TOML spec file")
    if not stat.S_ISREG(info.st_mode):
        raise InvalidSpec(f"{path} is not a regular file (a FIFO, socket or device); give a TOML spec file")
    if info.st_size > MAX_SPEC_BYTES:
        raise InvalidSpec(f"{path} is {info.st_size:,} bytes; a spec is a small TOML file (at most {MAX_SPEC_BYTES:,})")


def _names(raw: Mapping[str, Any], key: str, source: str, required: bool = True) -> list[str]:
    value = raw.get(key)
    if value is None:
        if required:
            raise InvalidSpec(f"{source}: missing required key {key!r}")
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidSpec(f"{source}: {key} must be a list of names, got {value!r}")
    if len(set(value)) != len(value):
        raise InvalidSpec(f"{source}: {key} has duplicates: {value}")
    if required and not value:
        raise InvalidSpec(f"{source}: {key} must not be empty")
    return list(value)


_PREDICTOR_TABLE = {"name", "factory", "params", "inputs"}


def _predictor_entries(value: Any, source: str) -> tuple[list[str], dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """``predictors`` -> (labels, definitions of the inline tables, their inline params).

    Names are checked to exist (registered, an import path, or an installed plugin) without
    importing anything; a plugin or import path is imported when a run resolves it.
    """
    from ..errors import InvalidArgument
    from ..predictors import plugins  # the module (suite.predictors.plugins)
    from ..predictors.inputs import Inputs

    if value is None:
        raise InvalidSpec(f"{source}: missing required key 'predictors'")
    if isinstance(value, (str, Mapping)):
        value = [value]
    if not isinstance(value, list) or not value:
        raise InvalidSpec(f"{source}: predictors must be a non-empty list of names or tables, got {value!r}")
    labels: list[str] = []
    definitions: dict[str, dict[str, Any]] = {}
    inline_params: dict[str, dict[str, Any]] = {}
    unknown: list[str] = []
    for item in value:
        if isinstance(item, str):
            labels.append(item)
            if not plugins.known(item):
                unknown.append(item)
            continue
        if not isinstance(item, Mapping):
            raise InvalidSpec(f"{source}: predictors must be a list of names or tables, got {item!r}")
        check_keys(item, _PREDICTOR_TABLE, source, "predictors.")
        factory = item.get("factory")
        if not isinstance(factory, str):
            raise InvalidSpec(f"{source}: a predictor table needs factory = \"module:Class\" (or a registered or "
                              f"plugin name), got {item!r}")
        label = item.get("name", factory)
        if not isinstance(label, str) or not (label == factory or _NAME.fullmatch(label)):
            raise InvalidSpec(f"{source}: predictors: name {label!r} must be letters, digits, '_', '.', '-' "
                              f"(it names the predictor in tables and file names)")
        labels.append(label)
        if not plugins.known(factory):
            unknown.append(factory)
        definition: dict[str, Any] = {"factory": factory}
        inputs = item.get("inputs")
        if inputs is not None:
            if not isinstance(inputs, Mapping):
                raise InvalidSpec(f"{source}: predictors.{label}.inputs must be a table (inputs = {{ encoding = \"path\" }})")
            try:
                plugins.inputs_from(inputs, Inputs())
            except InvalidArgument as err:
                raise InvalidSpec(f"{source}: predictors.{label}.inputs: {err}") from None
            definition["inputs"] = {k: list(v) if isinstance(v, (list, tuple)) else v for k, v in inputs.items()}
        definitions[label] = definition
        params = item.get("params", {})
        if not isinstance(params, Mapping):
            raise InvalidSpec(f"{source}: predictors.{label}.params must be a table (params = {{ k = 10 }})")
        if params:
            inline_params[label] = dict(params)
    if unknown:
        from ..predictors import available

        raise InvalidSpec(f"{source}: predictors: unknown {unknown}; registered: {', '.join(available())}; or an import "
                          f"path 'module:Class', or a plugin ({plugins.ENTRY_POINT_GROUP}: "
                          f"{', '.join(sorted(plugins.installed_plugins())) or 'none installed'})")
    duplicates = sorted({x for x in labels if labels.count(x) > 1})
    if duplicates:
        raise InvalidSpec(f"{source}: predictors has duplicates: {duplicates} (give tables distinct names)")
    return labels, definitions, inline_params


def _ints(value: Any, key: str, source: str, minimum: int) -> list[int]:
    if not isinstance(value, list) or not value or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise InvalidSpec(f"{source}: {key} must be a non-empty list of integers, got {value!r}")
    low = [v for v in value if v < minimum]
    if low:
        raise InvalidSpec(f"{source}: {key} values must be >= {minimum}, got {low[0]}")
    return list(value)


def _positive_ints(value: Any, key: str, source: str, allow_empty: bool = False) -> list[int]:
    if value is None:
        raise InvalidSpec(f"{source}: missing required key {key!r}")
    if allow_empty and value == []:
        return []
    out = _ints(value, key, source, minimum=1)
    if len(set(out)) != len(out):
        raise InvalidSpec(f"{source}: {key} has duplicates: {out}")
    return out


def _opt_int(table: Mapping[str, Any], key: str, source: str) -> int | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidSpec(f"{source}: target.{key} must be a non-negative integer, got {value!r}")
    return value
