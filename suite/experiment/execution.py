"""Resumable execution of a run's tasks: config pinning, a crash-safe journal, any backend.

Every run kind (predictor grids, searches, early stopping, proxy scoring) and ``nas-suite
verify`` execute the same way:

1. the run directory is pinned to its resolved configuration (:func:`pin_config`): a re-run with
   another configuration under the same name is refused before any work (predictor grids
   instead extend the configuration they are pinned to: :mod:`suite.experiment.additive`);
2. the journal (:class:`Journal`, JSON lines, one per finished task, appended and fsynced as
   tasks finish, in any order) says which tasks are done; a last line cut by a crash is dropped;
3. the missing tasks run on a backend (this process, local processes, Dask or Ray:
   :mod:`suite.experiment.backends`), and each result is journaled as it arrives;
4. the kind collects its outputs from the journal entries once every task is done.

Entries are kept exactly as a resume reads them back (a JSON round trip), so a resumed run and an
uninterrupted one collect identical values and write identical bytes.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import pandas as pd

from ..atomic import write_atomic
from ..errors import InvalidSpec, NasSuiteError
from .backends import execute

__all__ = ["CONFIG", "Execution", "Journal", "RunResult", "execute_resumable", "pin_config"]

#: the resolved configuration every run directory is pinned to
CONFIG = "config.toml"


def pin_config(directory: Path, text: str) -> None:
    """Pin a run directory to its resolved configuration: written the first time, compared later.

    Raises :class:`InvalidSpec` when the directory holds results of a different configuration.
    """
    path = directory / CONFIG
    _regular_or_missing(path)
    if path.exists():
        if path.read_text(encoding="utf-8") != text:
            raise InvalidSpec(
                f"{directory} holds results of a different spec (see its {CONFIG}); "
                f"run under another name (--set name=...) or delete the directory"
            )
        return
    write_atomic(path, text)


def _regular_or_missing(path: Path) -> None:
    """Refuse a run file that exists but is not a regular file (a FIFO would block the read forever)."""
    if path.exists() and not path.is_file():
        raise NasSuiteError(f"{path} is not a regular file; remove it and re-run")


class Journal:
    """Append-only JSON-lines record of finished tasks, keyed by each entry's ``"key"``.

    Crash-safe: every line is flushed and fsynced before the next task is collected, and
    :meth:`read` drops (and truncates away) a final line cut short by a kill. A damaged line
    elsewhere is a one-line :class:`NasSuiteError` naming the line.
    """

    def __init__(self, path: Path, required: Sequence[str] = ()) -> None:
        self.path = Path(path)
        self.required = tuple(required)  # fields every entry must hold (else the line is damaged)
        self._fh: Any = None

    def read(self) -> dict[str, dict[str, Any]]:
        """Finished entries by key (empty when the journal does not exist yet)."""
        _regular_or_missing(self.path)
        if not self.path.exists():
            return {}
        data = self.path.read_bytes()
        good_end = data.rfind(b"\n") + 1
        if good_end < len(data):
            with open(self.path, "r+b") as fh:
                fh.truncate(good_end)
        out: dict[str, dict[str, Any]] = {}
        for number, line in enumerate(data[:good_end].splitlines(), 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                if any(field not in entry for field in self.required):
                    raise KeyError(next(f for f in self.required if f not in entry))
                out[entry["key"]] = entry
            except (ValueError, KeyError, TypeError):
                raise NasSuiteError(f"{self.path} line {number} is damaged; delete that line (or the file) and re-run") from None
        return out

    def append(self, entry: Mapping[str, Any]) -> dict[str, Any]:
        """Write one entry durably; returns it as :meth:`read` will give it back (JSON round trip)."""
        if self._fh is None:
            self._fh = open(self.path, "a", encoding="utf-8")
        line = json.dumps(entry, sort_keys=True, allow_nan=True)
        self._fh.write(line + "\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())
        return json.loads(line)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class Execution:
    """What :func:`execute_resumable` leaves: every finished entry, and how many ran in this call."""

    done: dict[str, dict[str, Any]]
    keys: tuple[str, ...]
    n_run: int

    @property
    def n_tasks(self) -> int:
        return len(self.keys)

    @property
    def complete(self) -> bool:
        """Whether every task has an entry (False after ``limit`` stopped the call early)."""
        return all(k in self.done for k in self.keys)

    def entries(self) -> list[dict[str, Any]]:
        """The entries in task order (collection order, independent of finishing order)."""
        return [self.done[k] for k in self.keys]


@dataclass(frozen=True)
class RunResult:
    """What every run kind returns: where its results are and how far it got.

    ``n_tasks`` counts the kind's units of work (grid cells, search runs, proxy chunks),
    ``n_run`` those computed by this call (the rest came from the journal); ``complete`` is
    False after a ``limit`` stopped the run early (re-running finishes it).
    """

    directory: Path
    kind: str
    n_tasks: int
    n_run: int
    complete: bool = True
    #: what a task is, for messages: "cells", "search runs", "chunks"...
    unit: str = "tasks"
    #: tasks of the spec itself, when the run holds more (an additive predictor run extended earlier)
    requested: int | None = None
    #: whether this call wrote the run's outputs; False: the grid was finished already, nothing was touched
    changed: bool = True

    @property
    def n_cells(self) -> int:
        """Alias of ``n_tasks`` for predictor grids, whose tasks are cells."""
        return self.n_tasks

    @property
    def records(self) -> pd.DataFrame:
        """The run's tidy ``records.parquet``."""
        return pd.read_parquet(self.directory / "records.parquet")

    def summary(self) -> str:
        """One line for the CLI: what ran and where the results are."""
        if not self.complete:
            return (f"{self.directory}: {self.n_run} of {self.n_tasks} {self.unit} run now; "
                    f"not finished: run the same command again to resume")
        if not self.changed:
            asked = f"the spec's {self.requested:,} {self.unit} are among its" if self.requested is not None and \
                self.requested < self.n_tasks else "all"
            return (f"{self.directory}: {asked} {self.n_tasks:,} finished {self.unit}; nothing to compute, nothing "
                    f"rewritten (another name, --set name=..., starts a separate run)")
        more = (f"; the run holds {self.n_tasks - self.requested:,} more from earlier specs run under this name"
                if self.requested is not None and self.requested < self.n_tasks else "")
        return (f"{self.directory}: {self.n_tasks} {self.unit} ({self.n_run} run now, "
                f"{self.n_tasks - self.n_run} from the journal{more})")


def execute_resumable(
    directory: Path,
    config_text: str | None,
    journal_name: str,
    tasks: Sequence[tuple[str, tuple[Any, ...]]],
    fn: Callable[..., dict[str, Any]],
    *,
    backend: str = "local",
    jobs: int = 1,
    address: str | None = None,
    limit: int | None = None,
    on_result: Callable[[dict[str, Any]], None] | None = None,
    required: Sequence[str] = (),
) -> Execution:
    """Run the tasks of one run directory that its journal does not hold yet.

    Args:
        directory: the run directory (created if missing).
        config_text: the resolved configuration the directory is pinned to (:func:`pin_config`);
            None where the caller pins the directory otherwise (proxy jobs: the name is a hash).
        journal_name: the journal's file name inside ``directory``.
        tasks: ``(key, args)`` per task, in collection order; ``fn(*args)`` must return a
            JSON-able dict whose ``"key"`` is that key. ``fn`` and ``args`` must pickle (workers).
        backend: where tasks run: ``"local"``, ``"dask"`` or ``"ray"``
            (:func:`suite.experiment.backends.execute`).
        jobs: local worker processes.
        address: the Dask scheduler or Ray cluster address (None: a local one).
        limit: stop after this many new tasks (the run is then incomplete; re-run to finish).
        on_result: called with each journaled entry (progress bars).
        required: fields every journal entry must hold; a line without one is reported as damaged.

    Returns the finished entries by key (from earlier calls and this one) and how many ran now.
    """
    directory.mkdir(parents=True, exist_ok=True)
    if config_text is not None:
        pin_config(directory, config_text)
    journal = Journal(directory / journal_name, required)
    done = journal.read()
    todo = [(key, args) for key, args in tasks if key not in done]
    if limit is not None:
        todo = todo[: max(int(limit), 0)]
    n_run = 0
    with journal:
        for entry in execute(backend, fn, [args for _, args in todo], jobs=jobs, address=address):
            stored = journal.append(entry)
            done[stored["key"]] = stored
            n_run += 1
            if on_result is not None:
                on_result(stored)
    return Execution(done, tuple(key for key, _ in tasks), n_run)
