"""Where a benchmark script leaves its numbers: ``benchmarks/results/<name>.json``.

Why: the documentation quotes every measured number with a marker that points into one of these
files (:mod:`suite.report.quotes`), so a re-run that changes a number makes
``scripts/check_quoted_numbers.py`` fail until the page takes the new value, and the page can
say on what machine the numbers were taken. Timings depend on the machine and on what else ran
on it, so each file carries both (:func:`machine`: cores, CPU model, memory, Python, and the
load average at the start and at the end of the run).

Contract of a file::

    {"script": "benchmarks/bench_x.py", "command": "python benchmarks/bench_x.py --repeats 3",
     "date": "2025-01-31T12:00:00+00:00", "wall_s": 12.3,
     "machine": {...}, "params": {...}, "measurements": {...}}

``measurements`` holds plain numbers in the units their keys name (``*_s`` seconds, ``*_ms``
milliseconds, ``*_mb`` megabytes of 10^6 bytes), nested by what they measure; NaN is written as ``null``. A partial run
(``--only``, a smaller size) should write under another name (``--out``) so it does not replace
the full measurement the pages quote.

Usage, in a script beside this one (``benchmarks/`` is ``sys.path[0]`` when a script runs)::

    from bench_record import Recorder, add_out_argument
    add_out_argument(parser, "bench_x")
    rec = Recorder(__file__, vars(args))       # at the start: date and load average
    ...
    rec.write(args.out, {"load_ms": 69.1})       # at the end
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import math
import os
import platform
import shlex
import sys
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
REPO = Path(__file__).resolve().parents[1]

__all__ = ["RESULTS", "Recorder", "add_out_argument", "machine"]


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> float | None:
    try:
        return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        return None


def _load() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def machine() -> dict[str, Any]:
    """Facts about this machine that timings depend on.

    ``cores``: logical CPUs of the machine; ``usable_cores``: those this process may run on
    (``sched_getaffinity``; containers often allow fewer); ``memory_gib``: physical memory;
    ``load_average``: the 1, 5 and 15 minute load averages now (other jobs on the cores).
    """
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu": _cpu_model(),
        "arch": platform.machine(),
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "memory_gib": _memory_gib(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "load_average": _load(),
    }


def _plain(value: Any) -> Any:
    """JSON-safe copy: numpy scalars to Python numbers, NaN and infinities to ``None``."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def add_out_argument(parser: argparse.ArgumentParser, name: str) -> None:
    """Add ``--out PATH`` (default ``benchmarks/results/<name>.json``) to a script's parser."""
    parser.add_argument("--out", type=Path, default=RESULTS / f"{name}.json",
                        help=f"measurements as JSON (default: benchmarks/results/{name}.json)")


class Recorder:
    """Collects the context of one benchmark run and writes its JSON file.

    Create it when the run starts (it notes the date, the clock and the load average), call
    :meth:`write` once with the measurements when it ends.
    """

    def __init__(self, script: str | Path, params: dict[str, Any]) -> None:
        path = Path(script).resolve()
        self.script = str(path.relative_to(REPO)) if path.is_relative_to(REPO) else path.name
        self.params = {k: (str(v) if isinstance(v, Path) else v) for k, v in params.items() if k != "out"}
        self.date = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()
        self.load_start = _load()
        self._t0 = time.perf_counter()

    def write(self, out: Path, measurements: dict[str, Any]) -> Path:
        """Write ``out`` (parents created, atomically) and return it; prints where it went."""
        facts = machine()
        facts["load_average_start"] = self.load_start
        facts["load_average_end"] = facts.pop("load_average")
        record = {
            "script": self.script,
            "command": "python " + " ".join(shlex.quote(a) for a in [self.script, *sys.argv[1:]]),
            "date": self.date,
            "wall_s": round(time.perf_counter() - self._t0, 1),
            "machine": facts,
            "params": self.params,
            "measurements": _plain(measurements),
        }
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".tmp")
        tmp.write_text(json.dumps(record, indent=1, allow_nan=False) + "\n")
        tmp.replace(out)
        print(f"measurements: {out}", file=sys.stderr)
        return out
