"""Run kinds: one protocol, one table. ``load_spec``, the CLI and the report dispatch through it.

A run kind is what a TOML spec's ``kind = "..."`` names: a predictor grid (the default), budget
correlations, searches, early stopping, zero-cost proxy experiments. Each kind is one module
that defines a :class:`RunKind` object named ``KIND``, and one line in :data:`KINDS`:

* ``parse(raw, source)`` validates a raw TOML dict into the kind's frozen spec dataclass;
* ``run(spec, results_root, options)`` plans its tasks, executes them resumably
  (:mod:`suite.experiment.execution`), collects its outputs and writes ``meta.json`` with
  ``"kind"`` and whatever its report needs; it returns a :class:`RunResult`;
* ``report`` names the function (``"module:function"``, imported on use) that turns a finished
  run directory into tables and figures from its files and ``meta.json`` alone.

Adding a kind: write ``suite/experiment/<kind>.py`` with ``KIND``, add its line to :data:`KINDS`.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Protocol, Sequence

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from ..errors import InvalidSpec, NasSuiteError
from .execution import RunResult
from .spec import apply_overrides

__all__ = ["FunctionKind", "KINDS", "RunKind", "RunOptions", "RunResult", "kind", "kind_of", "load_spec", "report_run", "run_spec"]


@dataclass(frozen=True)
class RunOptions:
    """How a run executes; none of it changes the results (records are identical on every backend).

    ``limit`` stops after that many new tasks (cells, search runs, chunks); the run is then
    incomplete and re-running the same command finishes it. ``device`` is the torch device of
    kinds that build networks.
    """

    backend: str = "local"
    jobs: int = 1
    address: str | None = None
    data_root: str | None = None
    limit: int | None = None
    device: str | None = None
    progress: bool | None = None


class RunKind(Protocol):
    """One kind of run; see the module docstring for the contract of each member."""

    name: str
    spec_type: type
    report: str  # "module:function" taking (run_dir: Path, meta: dict) -> list[str]

    def parse(self, raw: Mapping[str, Any], source: str) -> Any: ...

    def run(self, spec: Any, results_root: str | os.PathLike[str], options: RunOptions) -> RunResult: ...


@dataclass(frozen=True)
class FunctionKind:
    """A :class:`RunKind` made of the kind module's own parse and run functions."""

    name: str
    spec_type: type
    report: str
    parser: Callable[[Mapping[str, Any], str], Any]
    runner: Callable[[Any, "str | os.PathLike[str]", RunOptions], RunResult]
    description: str = ""

    def parse(self, raw: Mapping[str, Any], source: str) -> Any:
        return self.parser(raw, source)

    def run(self, spec: Any, results_root: str | os.PathLike[str], options: RunOptions) -> RunResult:
        return self.runner(spec, results_root, options)


#: kind name -> "module:attr" of its RunKind object (imported on first use)
KINDS: dict[str, str] = {
    "predictors": "suite.experiment.runner:KIND",
    "budget_correlation": "suite.experiment.budgets:KIND",
    "search": "suite.experiment.search_runs:KIND",
    "early_stopping": "suite.experiment.early_stop_runs:KIND",
    "proxies": "suite.experiment.proxy_experiment:KIND",
}

#: the kind of a spec without a ``kind`` key
DEFAULT_KIND = "predictors"


def _resolve(target: str) -> Any:
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def kind(name: str) -> RunKind:
    """The registered kind ``name``; :class:`InvalidSpec` naming the registered ones otherwise."""
    if not isinstance(name, str) or name not in KINDS:
        raise InvalidSpec(f"kind must be one of {', '.join(repr(k) for k in KINDS)}, got {name!r}")
    return _resolve(KINDS[name])


def kind_of(spec: Any) -> RunKind:
    """The kind a parsed spec belongs to (every spec dataclass names it in ``spec.kind``)."""
    return kind(getattr(spec, "kind", DEFAULT_KIND))


def load_spec(path: str | Path, overrides: Sequence[str] = ()) -> Any:
    """Read a TOML spec file, apply ``key=value`` overrides, validate it with its kind's parser."""
    from .spec import check_spec_file

    p = Path(path)
    check_spec_file(p)  # a FIFO or device would block the read forever
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidSpec(f"no experiment spec at {p}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise InvalidSpec(f"{p} is not valid TOML: {err}") from None
    raw.setdefault("name", p.stem)
    raw = apply_overrides(raw, overrides)
    name = raw.pop("kind", DEFAULT_KIND)
    try:
        chosen = kind(name)
    except InvalidSpec as err:
        raise InvalidSpec(f"{p}: {err}") from None
    return chosen.parse(raw, str(p))


def run_spec(spec: Any, results_root: str | os.PathLike[str] = "results", options: RunOptions | None = None) -> RunResult:
    """Run (or resume) a parsed spec of any kind."""
    return kind_of(spec).run(spec, results_root, options or RunOptions())


#: the largest meta.json read (a few kB when written by nas-suite)
MAX_META_BYTES = 16 << 20


def read_meta(run_dir: Path) -> dict[str, Any]:
    """A finished run's ``meta.json``; a one-line error when it is missing or unreadable."""
    path = Path(run_dir) / "meta.json"
    if not path.exists():
        raise NasSuiteError(f"{run_dir} has no meta.json: the run is unfinished or this is not a run directory "
                            f"(re-run `nas-suite run` with its config.toml to complete it)")
    if not path.is_file():  # a directory, or a FIFO that would block the read forever
        raise NasSuiteError(f"{path} is not a regular file; re-run the config to rewrite it")
    if path.stat().st_size > MAX_META_BYTES:
        raise NasSuiteError(f"{path} is {path.stat().st_size:,} bytes, not a meta.json nas-suite wrote; "
                            f"re-run the config to rewrite it")
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as err:
        raise NasSuiteError(f"{path} is not valid JSON ({' '.join(str(err).split())}); "
                            f"re-run the config to rewrite it") from None
    if not isinstance(meta, dict):
        raise NasSuiteError(f"{path} is not a JSON object; re-run the config to rewrite it")
    return meta


def _check_tables(run_dir: Path) -> None:
    """Read every ``*.parquet`` of a run directory once, so a damaged one is a one-line error naming it.

    Damage shows up as many exception types (pyarrow's ArrowInvalid, OSError without an errno,
    JSON and Unicode errors from the pandas metadata, ...); reading the files here, before the
    kind's report runs, keeps those apart from the report code's own errors.
    """
    import pandas as pd

    for path in sorted(run_dir.glob("*.parquet")):
        if not path.is_file():
            raise NasSuiteError(f"{path} is not a regular file; re-run the config to rewrite it")
        try:
            pd.read_parquet(path)
        except Exception as err:  # noqa: BLE001 - any decoding failure of a file nas-suite wrote is damage
            if isinstance(err, OSError) and err.errno is not None:
                raise  # permission denied and the like: the CLI names the path
            raise NasSuiteError(f"{path} is damaged ({type(err).__name__}: {' '.join(str(err).split())}); "
                                f"re-run the config to rewrite it") from err


def report_run(run_dir: str | os.PathLike[str]) -> list[str]:
    """Tables and figures of a finished run, chosen by the kind its ``meta.json`` records."""
    run_dir = Path(run_dir)
    meta = read_meta(run_dir)
    name = meta.get("kind")
    if name is None:
        raise NasSuiteError(f"{run_dir}/meta.json records no run kind (written by an older nas-suite); "
                            f"re-run its config to rewrite it")
    writer: Callable[[Path, dict[str, Any]], list[str]] = _resolve(kind(name).report)
    _check_tables(run_dir)
    try:
        return writer(run_dir, meta)
    except KeyError as err:  # a results file of another shape than the kind writes
        raise NasSuiteError(f"{run_dir}: a results file lacks the column {err} that a {name} run writes; "
                            f"re-run its config to rewrite it") from None
