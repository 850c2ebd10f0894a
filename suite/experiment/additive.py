"""Additive predictor runs: a run directory holds the grid spanned by every spec run under its name.

Cells are deterministic functions of their key (the split of a seed, the predictor's seed), so a
finished cell never needs computing twice. Re-running a spec under a name that already has
finished cells therefore *extends* that run instead of refusing it:

* the run's grid becomes the union: the predictors, train sizes, seeds and fidelities of the
  finished cells together with the spec's (the grid stays rectangular, so every predictor is
  scored on the same train sizes and seeds); ``config.toml`` is rewritten to that union, and only
  its missing cells are computed;
* a spec whose grid lies inside the finished one computes nothing and rewrites nothing;
* a change that would make finished cells wrong is refused with one line naming the key: the
  benchmark, dataset, target, ``test_size``, selection, metrics, ``fidelity = []`` (each curve
  model's default) against a list of fidelities, a finished predictor's factory,
  inputs or parameters, the benchmark cache (its file checksums in ``meta.json``), and any change
  of the architectures the splits are drawn from (adding a predictor whose inputs are measured on
  fewer architectures). What has no finished cell may change freely, so a run stopped by a bad
  parameter resumes once the spec is corrected.

The edits of a predictor's own code are not seen: after changing a module, run under another
name. A run committed without its journal (``cells.jsonl`` is git-ignored) is read back from its
``records.parquet``, ``timings.parquet`` and, when present, ``predictions.parquet``.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterable, Mapping

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

import numpy as np

from ..errors import InvalidSpec, NasSuiteError
from .execution import CONFIG, Journal
from .spec import ExperimentSpec, parse_spec

__all__ = ["FIXED", "Previous", "cell_of", "merge", "read_previous"]

#: spec fields every finished cell depends on -> their key in the TOML spec
FIXED: dict[str, str] = {
    "benchmark": "benchmark", "dataset": "dataset", "target_metric": "target.metric", "target_epoch": "target.epoch",
    "target_schedule": "target.schedule", "target_seed": "target.seed",
    "target_diverged_below": "target.diverged_below", "test_size": "test_size",
    "selection_train": "selection.train", "selection_test": "selection.test",
}

_ENTRY_FIELDS = ("n_train", "n_test", "values", "fit_seconds", "predict_seconds")


@dataclass(frozen=True)
class Previous:
    """What a run directory already holds.

    Attributes:
        spec: its ``config.toml`` (the grid of every spec run under its name), or None.
        finished: finished cells' journal entries by key (rebuilt from the tables when the
            directory has no journal, e.g. a committed run).
        from_records: whether ``finished`` was rebuilt from ``records.parquet``.
        data_files: ``meta.json``'s ``data.files`` (the benchmark cache's checksums), or None.
    """

    spec: ExperimentSpec | None = None
    finished: Mapping[str, Mapping[str, Any]] | None = None
    from_records: bool = False
    data_files: Any = None

    @property
    def cells(self) -> list[tuple[str, int, int, int]]:
        return [cell_of(key) for key in (self.finished or {})]


def cell_of(key: str) -> tuple[str, int, int, int]:
    """``"ridge|f0|n20|s3"`` -> ``("ridge", 0, 20, 3)`` (a label may itself hold ``|``)."""
    label, f, n, s = key.rsplit("|", 3)
    return label, int(f[1:]), int(n[1:]), int(s[1:])


def read_previous(directory: Path, journal_name: str, records_name: str) -> Previous:
    """Read a run directory without writing to it (no directory: an empty :class:`Previous`)."""
    config = directory / CONFIG
    journal = directory / journal_name
    if not config.exists():
        if journal.exists():
            raise NasSuiteError(f"{directory} holds {journal_name} but no {CONFIG}, so its cells cannot be checked; "
                                f"delete the directory or run under another name")
        return Previous()
    if not config.is_file():
        raise NasSuiteError(f"{config} is not a regular file; remove it and re-run")
    try:
        raw = tomllib.loads(config.read_text(encoding="utf-8"))
        kind = raw.pop("kind", "predictors")
        if kind != "predictors":
            raise InvalidSpec(f"it holds a {kind!r} run")
        spec = parse_spec(raw, str(config))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, NasSuiteError) as err:
        raise InvalidSpec(f"{directory} holds a run this spec cannot extend ({' '.join(str(err).split())}); "
                          f"run under another name (--set name=...) or delete the directory") from None
    finished: dict[str, dict[str, Any]] = {}
    from_records = False
    if journal.exists():
        finished = Journal(journal, _ENTRY_FIELDS).read()
    if not finished and (directory / records_name).is_file():
        finished, from_records = _entries_from_tables(directory, spec, records_name), True
    return Previous(spec, finished, from_records, _data_files(directory))


def merge(previous: Previous, spec: ExperimentSpec, directory: Path, data_files: Any) -> ExperimentSpec:
    """The grid to run under ``spec.name``: ``spec`` extended by the finished cells (module docstring).

    Raises :class:`InvalidSpec` naming the first key whose change would invalidate finished cells.
    ``data_files`` are the checksums of the benchmark cache the spec reads.
    """
    old = previous.spec
    cells = [c for c in previous.cells if old is not None and c[0] in old.predictors]
    if old is None or not cells:
        return spec
    n = f"{len(cells):,} finished cell{'s' * (len(cells) != 1)}"
    refuse = f"; run under another name (--set name=...) or delete {directory}"
    for field, key in FIXED.items():
        if getattr(old, field) != getattr(spec, field):
            raise InvalidSpec(f"{directory}: {key} = {_show(getattr(spec, field))} differs from "
                              f"{_show(getattr(old, field))}, which its {n} were computed with{refuse}")
    if set(old.metrics) != set(spec.metrics):
        raise InvalidSpec(f"{directory}: metrics = {list(spec.metrics)} differs from {list(old.metrics)}, which its {n} "
                          f"were scored with{refuse}")
    if bool(old.fidelity) != bool(spec.fidelity):  # "the registry's curve length" and a list do not mix in one grid
        raise InvalidSpec(f"{directory}: fidelity = {list(spec.fidelity)} differs from {list(old.fidelity)}, which its "
                          f"{n} were computed with (an empty list reads each predictor's default curve length){refuse}")
    if previous.data_files is not None and data_files is not None and previous.data_files != data_files:
        raise InvalidSpec(f"{directory}: data: the {spec.benchmark}/{spec.dataset} cache differs from the one its {n} "
                          f"were computed on (file checksums in its meta.json){refuse}")
    with_cells = {c[0] for c in cells}
    for label in spec.predictors:
        if label in with_cells:
            key = _definition_change(old, spec, label)
            if key is not None:
                raise InvalidSpec(f"{directory}: {key} differs from the value its finished {label} cells were "
                                  f"computed with{refuse}")
    labels = [p for p in old.predictors if p in with_cells or p in spec.predictors]
    labels += [p for p in spec.predictors if p not in labels]

    def source(label: str) -> ExperimentSpec:
        return old if label in with_cells else spec

    kept = [c for c in cells if c[0] in labels]
    return replace(
        old,
        predictors=tuple(labels),
        params={p: dict(source(p).params[p]) for p in labels if p in source(p).params},
        definitions={p: dict(source(p).definitions[p]) for p in labels if p in source(p).definitions},
        train_sizes=_axis({c[2] for c in kept}, old.train_sizes, spec.train_sizes),
        seeds=_axis({c[3] for c in kept}, old.seeds, spec.seeds),
        fidelity=_axis({c[1] for c in kept if c[1]}, old.fidelity, spec.fidelity),
    )


def pool_change(old: ExperimentSpec, union: ExperimentSpec, old_n: int, new_n: int, n_cells: int, directory: Path) -> str:
    """The one-line refusal when the union draws its splits from other architectures than the finished cells."""
    added = [p for p in union.predictors if p not in old.predictors]
    removed = [p for p in old.predictors if p not in union.predictors]
    cause = "; ".join(part for part in (f"predictors added: {added}" if added else "",
                                        f"predictors dropped: {removed}" if removed else "",
                                        f"fidelity {list(old.fidelity)} -> {list(union.fidelity)}"
                                        if old.fidelity != union.fidelity else "") if part)
    return (f"{directory}: predictors: the grid would draw its splits from {new_n:,} architectures instead of the "
            f"{old_n:,} its {n_cells:,} finished cells were drawn from (the architectures where every predictor's "
            f"inputs and the target are measured; {cause or 'inputs changed'}); run under another name "
            f"(--set name=...)")


def pool_fingerprint(pool: np.ndarray) -> str:
    """A short, stable digest of a pool of architecture ids (recorded in each journal entry)."""
    import hashlib

    return f"{len(pool)}:{hashlib.sha256(np.asarray(pool, dtype='<i8').tobytes()).hexdigest()[:16]}"


def seed_journal(path: Path, entries: Iterable[Mapping[str, Any]]) -> None:
    """Write a journal holding ``entries`` (rebuilt from a committed run's tables) in one atomic step."""
    from ..atomic import write_atomic

    write_atomic(path, "".join(json.dumps(e, sort_keys=True, allow_nan=True) + "\n" for e in entries))


# -- helpers ---------------------------------------------------------------------------------------------
def _show(value: Any) -> str:
    return '"rest"' if value is None else json.dumps(value) if isinstance(value, str) else repr(value)


def _definition_change(old: ExperimentSpec, new: ExperimentSpec, label: str) -> str | None:
    """The key naming how ``label`` differs between two specs (factory, inputs, a parameter), or None."""
    a, b = old.definitions.get(label, {}), new.definitions.get(label, {})
    for part in ("factory", "inputs"):
        if a.get(part) != b.get(part):
            return f"predictors.{label}.{part}"
    pa, pb = old.params.get(label, {}), new.params.get(label, {})
    for key in [*pa, *(k for k in pb if k not in pa)]:
        if key not in pa or key not in pb or pa[key] != pb[key]:
            return f"params.{label}.{key} = {_show(pb[key]) if key in pb else '(default)'}"
    return None


def _axis(finished: set[int], old: tuple[int, ...], new: tuple[int, ...]) -> tuple[int, ...]:
    """The union of a grid axis: the spec's values and the finished cells'; the old or the new order
    when it is one of them, else sorted."""
    values = finished | set(new)
    for order in (old, new):
        if set(order) == values:
            return tuple(order)
    return tuple(sorted(values))


def _data_files(directory: Path) -> Any:
    path = directory / "meta.json"
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("data", {}).get("files")
    except (ValueError, UnicodeDecodeError, AttributeError):
        return None


def _entries_from_tables(directory: Path, spec: ExperimentSpec, records_name: str) -> dict[str, dict[str, Any]]:
    """Journal entries of a finished run rebuilt from its ``records``, ``timings`` and ``predictions`` tables."""
    import pandas as pd

    records = pd.read_parquet(directory / records_name)
    cols = ["predictor", "fidelity", "train_size", "seed"]
    out: dict[str, dict[str, Any]] = {}
    for (label, f, n, s), group in records.groupby(cols, sort=False):
        key = f"{label}|f{int(f)}|n{int(n)}|s{int(s)}"
        out[key] = {"key": key, "n_train": int(group["n_train"].iloc[0]), "n_test": int(group["n_test"].iloc[0]),
                    "values": {str(m): float(v) for m, v in zip(group["metric"], group["value"])},
                    "fit_seconds": float("nan"), "predict_seconds": float("nan")}
    timings = directory / "timings.parquet"
    if timings.is_file():
        for row in pd.read_parquet(timings).itertuples(index=False):
            key = f"{row.predictor}|f{int(row.fidelity)}|n{int(row.train_size)}|s{int(row.seed)}"
            if key in out:
                out[key]["fit_seconds"], out[key]["predict_seconds"] = float(row.fit_seconds), float(row.predict_seconds)
    predictions = directory / "predictions.parquet"
    if predictions.is_file():
        frame = pd.read_parquet(predictions, columns=[*cols, "y_pred"])
        for (label, f, n, s), group in frame.groupby(cols, sort=False):
            key = f"{label}|f{int(f)}|n{int(n)}|s{int(s)}"
            if key in out:
                out[key]["pred"] = group["y_pred"].astype(float).tolist()
    return out
