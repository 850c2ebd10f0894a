"""nas-suite vs the official NATS-Bench API, side by side on the same full-size NATS-tss archive.

The official archives are not shipped with nas-suite, so the script first writes a full-size
stand-in in both official layouts (``nb201_standin.py`` beside this script, with the writers of
``suite.testing.nb201``), from the same records:

* ``NATS-tss-v1_0-3ffb9-simple/``: ``meta.pickle.pbz2`` (the real 15,625 cell strings, index
  order) + one ``{index:06d}.pickle.pbz2`` per cell, ``OrderedDict({"12": ArchResults state,
  "200": ArchResults state})``. ``nats_bench.create(dir, "tss", fast_mode=True)`` reads the meta
  file only; the first query about a cell decompresses that cell's file and keeps it
  (``NASBenchMetaAPI._prepare_info`` -> ``reload(archive_dir, index)``).
* ``NATS-tss-v1_0-3ffb9.pickle.pbz2``: one bz2 pickle ``{"meta_archs", "total_archs",
  "arch2infos": {index: record}, "evaluated_indexes"}``. ``create(file, "tss", fast_mode=False)``
  decompresses and unpickles all of it in ``NATStopology.__init__`` (``api_utils.pickle_load``)
  and wraps every record in ``ArchResults`` before returning.

Values: every field the embedded real tables hold is the real value (``EmbeddedTable`` in
``benchmarks/nb201_standin.py`` lists them: per-seed final validation accuracy of all three datasets,
final test accuracy (cifar10 seed mean; cifar100/ImageNet16-120 per seed), 12-epoch validation
and test accuracy, params, training time, the 200 embedded learning curves). Drawn at random
(``standin_record``): the per-seed cifar10 test values around their real mean, the other eval
sets (cifar10-valid ``ori-test``, training accuracy outside the 200 curves), all other curve
points, losses, top-5, FLOPs (a rule from the real params), latency, evaluation times.

Then, each measurement in a fresh process limited to ``--mem-limit-gb`` of address space
(``RLIMIT_AS``: a process over it dies alone with MemoryError), with wall times the median over
``--repeats`` processes and peak memory the process's ``ru_maxrss``:

1. nas-suite, once: ``nas-suite data import nb201-nats DIR --allow-pickle`` (the conversion);
2. nas-suite: ``import suite`` + ``suite.load`` of the three datasets + the sweep;
3. ``nats_bench`` (``pip install nats_bench==1.8``, in its own venv, ``--nats-python``),
   ``fast_mode=True``: import + ``create(dir)`` + the sweep over every cell;
4. ``nats_bench``, ``fast_mode=False``: import + ``create(file)`` + the same sweep.

The sweep (:data:`SWEEP`) is 21 arrays over every cell: per dataset (cifar10, cifar100,
ImageNet16-120) the seed-mean validation, training and test accuracy after 200 epochs, the
validation accuracy after 12 epochs, params, FLOPs and latency. nas-suite reads 21 vectors;
the official API answers per cell with ``get_more_info(i, source, hp, is_random=False)`` (one
call per source dataset and schedule) and ``get_cost_info(i, source)``: 10 calls per cell.

If an official run cannot finish within the memory limit or ``--official-timeout`` seconds,
the script says so ("exceeded 12 GiB after 950 s, 5,750 cells done") and measures instead on
the first ``--official-cells`` cells (fast mode: the same directory; slow mode: a single file
holding only those cells, written alongside), extrapolating time and memory linearly in the
number of cells; the table marks every extrapolated figure.

Agreement, which fails the script on any mismatch: the official sweep (fast and slow mode give
identical values) against ours, value by value; against the embedded tables (``suite.load``
on ``data/``) for the fields taken from them; and on ``--agree-cells`` random cells, per seed
and at intermediate epochs, official answers against our cache and the embedded tables.

Output: a Markdown table on stdout, every raw measurement as JSON (``--json``; default at full
size ``benchmarks/results/nats_side_by_side.json``, with the machine facts of ``bench_record.py``). Files under
``--work`` (git-ignored): at full size ~6 GB (the archive in both layouts, 2.5 + 2.6 GB, the
1,000-cell single file, our caches), replacing a stand-in of an earlier version; ``--cells N``
writes a separate small archive of the first N cells under ``WORK/cells-N/`` (smoke tests).
Full size on 2 idle cores: about 30 min to write the stand-in, then (measured) 6 min conversion and 25
min of official runs (each mode's attempt over all cells until it hits the memory limit, then
3 runs on 1,000 cells).

Usage: ``python benchmarks/bench_nb201_official.py [--repeats 3] [--official-cells 1000]
[--mem-limit-gb 12] [--official-timeout 3600] [--cells 15625] [--prepare-only]``; ``--prepare-only``
writes the stand-in (the untimed half hour) and exits, so it can run while the cores are busy
with something else and the timed run that follows starts on idle cores.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import nb201_standin as standin  # beside this script: benchmarks/ is sys.path[0] when it runs
from bench_record import RESULTS, machine
from suite.testing import nb201 as fx

REPO = Path(__file__).resolve().parents[1]
N_ARCHS = 15625
TOP = "NATS-tss-v1_0-3ffb9-simple"
FILE = "NATS-tss-v1_0-3ffb9.pickle.pbz2"
GENERATOR = "2"  # stand-in version: values from the embedded tables, both layouts
CHUNK = 250  # records per parallel generation task
DATASETS = ("cifar10", "cifar100", "ImageNet16-120")
SEEDS = (777, 888, 999)
NATS_BENCH = "nats_bench==1.8"


def _sweep() -> tuple[tuple[str, str, int | None, str, str, str, str], ...]:
    """(our dataset, our metric, schedule, official call, source dataset, hp, key) per array."""
    rows = []
    for d in DATASETS:
        valid_src, test_src = ("cifar10-valid", "cifar10") if d == "cifar10" else (d, d)
        rows += [
            (d, "valid_acc", 200, "more", valid_src, "200", "valid-accuracy"),
            (d, "train_acc", 200, "more", valid_src, "200", "train-accuracy"),
            (d, "test_acc", 200, "more", test_src, "200", "test-accuracy"),
            (d, "valid_acc", 12, "more", valid_src, "12", "valid-accuracy"),
            (d, "params", None, "cost", test_src, "200", "params"),
            (d, "flops", None, "cost", test_src, "200", "flops"),
            (d, "latency", None, "cost", test_src, "200", "latency"),
        ]
    return tuple(rows)


#: the metric sweep both stacks run over every cell (seed means, final epoch)
SWEEP = _sweep()

OURS = r"""
import json, resource, sys, time
with open(sys.argv[1]) as f:
    args = json.load(f)
t0 = time.perf_counter()
import suite
t1 = time.perf_counter()
benches = {d: suite.load("nb201", d, root=args["root"]) for d in args["datasets"]}
t2 = time.perf_counter()
values = [benches[d].metric(m, schedule=s) for d, m, s in args["sweep"]]
t3 = time.perf_counter()
report = {"import": t1 - t0, "open": t2 - t1, "sweep": t3 - t2, "total": t3 - t0,
          "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
if args["out"]:
    import numpy as np
    np.save(args["out"], np.stack(values))
print(json.dumps(report))
"""

OFFICIAL = r"""
import json, resource, sys, time, warnings
warnings.simplefilter("ignore")  # NumPy 2 warns about the numpy.core names in the official pickles
with open(sys.argv[1]) as f:
    args = json.load(f)
rss = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t0 = time.perf_counter()
import nats_bench
t1 = time.perf_counter()
rss_import = rss()
api = nats_bench.create(args["path"], "tss", fast_mode=args["fast_mode"], verbose=False)
t2 = time.perf_counter()
rss_create = rss()
queries = [tuple(q) for q in args["queries"]]  # (call, source, hp, iepoch, is_random, key)
calls = list(dict.fromkeys(q[:5] for q in queries))
rows, every = [], args["progress"]
for n, i in enumerate(args["cells"], 1):
    got = {}
    for call in calls:
        kind, source, hp, iepoch, is_random = call
        try:
            if kind == "more":
                got[call] = api.get_more_info(i, source, iepoch=iepoch, hp=hp, is_random=is_random)
            else:
                got[call] = api.get_cost_info(i, source, hp=hp)
        except ValueError:
            if isinstance(is_random, bool):
                raise
            got[call] = {}  # a seed this cell was not trained with
    rows.append([got[q[:5]].get(q[5]) for q in queries])
    if every and n % every == 0:
        print(json.dumps({"progress": n, "seconds": time.perf_counter() - t2, "rss_mb": rss()}), file=sys.stderr, flush=True)
t3 = time.perf_counter()
report = {"import": t1 - t0, "create": t2 - t1, "sweep": t3 - t2, "total": t3 - t0, "cells": len(rows),
          "rss_import_mb": rss_import, "rss_create_mb": rss_create, "rss_mb": rss(), "version": nats_bench.version()}
if args["out"]:
    with open(args["out"], "w") as f:
        json.dump(rows, f)
print(json.dumps(report))
"""


# -- the stand-in archive ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Archive:
    """Paths of one stand-in archive (all under ``base``)."""

    base: Path
    cells: int  # records in the archive: cells 0..cells-1
    small_cells: int  # records in the small single file (== cells: no small file)

    @property
    def directory(self) -> Path:
        return self.base / TOP

    @property
    def file(self) -> Path:
        return self.base / FILE

    @property
    def small_file(self) -> Path:
        return self.file if self.small_cells >= self.cells else self.base / f"first-{self.small_cells}" / FILE

    @property
    def cache(self) -> Path:
        return self.base / "cache"

    @property
    def marker(self) -> Path:
        return self.base / ".standin.json"


def _limit_memory(gib: float) -> None:
    """Cap this process's address space (run in children between fork and exec, and in workers)."""
    limit = int(gib * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _write_chunk(args: tuple[str, str, int, int]) -> str:
    """Worker: records ``start..stop-1`` as per-cell files and as one bz2 stream of single-file items."""
    import bz2

    directory, part, start, stop = args
    table = standin.embedded_table()
    compressor = bz2.BZ2Compressor(9)
    with open(part, "wb") as out:
        for index in range(start, stop):
            record = standin.nats_tss_record(index, table.archs, seed=0, table=table)
            (Path(directory) / f"{index:06d}.pickle.pbz2").write_bytes(fx.nats_tss_record_bytes(record))
            out.write(compressor.compress(fx.nats_tss_file_item(index, record)))
        out.write(compressor.flush())
    return part


def generate(archive: Archive, jobs: int, mem_gib: float) -> None:
    """Write (once) the stand-in in both layouts, plus the small single file; reuse a complete one."""
    import bz2

    want = {"generator": GENERATOR, "cells": archive.cells, "small_cells": archive.small_cells, "seed": 0}
    paths = [archive.directory, archive.file, archive.small_file]
    if archive.marker.exists() and json.loads(archive.marker.read_text()) == want and all(p.exists() for p in paths):
        return
    # what is regenerated is deleted first (including the stand-in of earlier versions of this script)
    for stale in [archive.directory, archive.file, *archive.base.glob("first-*"), *archive.base.glob("*.tmp"),
                  archive.base / ".parts"]:
        if stale.is_dir():
            shutil.rmtree(stale)
        elif stale.exists():
            stale.unlink()
    for marker in (archive.marker, archive.base / f".{TOP}.complete"):
        marker.unlink(missing_ok=True)
    need_gb = 0.4 * archive.cells / 1000 + 0.2
    free_gb = shutil.disk_usage(archive.base).free / 1e9
    if free_gb < need_gb:
        sys.exit(f"not enough disk under {archive.base}: the stand-in needs ~{need_gb:.1f} GB, {free_gb:.1f} GB free")

    table = standin.embedded_table()
    fx.write_nats_tss_dir(archive.directory, table.archs, indices=())  # meta.pickle.pbz2
    bounds = sorted({archive.cells, archive.small_cells if archive.small_cells < archive.cells else 0,
                     *range(0, archive.cells, CHUNK)})
    parts = archive.base / ".parts"
    parts.mkdir()
    tasks = [(str(archive.directory), str(parts / f"{a:06d}.bz2"), a, b) for a, b in zip(bounds, bounds[1:])]
    head = bz2.compress(fx.nats_tss_file_head(table.archs), 9)
    outputs = [(archive.file, archive.cells)]
    if archive.small_file != archive.file:
        archive.small_file.parent.mkdir(parents=True, exist_ok=True)
        outputs.append((archive.small_file, archive.small_cells))
    temps = [path.with_name(path.name + ".tmp") for path, _ in outputs]
    files = [open(path, "wb") for path in temps]
    start = time.perf_counter()
    try:
        for f in files:
            f.write(head)
        with ProcessPoolExecutor(jobs, initializer=_limit_memory, initargs=(mem_gib,)) as pool:
            for (_, _, a, b), part in zip(tasks, pool.map(_write_chunk, tasks)):
                for f, (_, n) in zip(files, outputs):
                    if b <= n:
                        with open(part, "rb") as src:
                            shutil.copyfileobj(src, f, 2**20)
                os.unlink(part)
                print(f"\r  generated {b:,}/{archive.cells:,} records", end="", file=sys.stderr, flush=True)
        for f, (_, n) in zip(files, outputs):
            f.write(bz2.compress(fx.nats_tss_file_tail(range(n)), 9))
    finally:
        for f in files:
            f.close()
    for temp, (path, _) in zip(temps, outputs):
        temp.rename(path)
    parts.rmdir()
    print(f"\n  generated in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    archive.marker.write_text(json.dumps(want) + "\n")


# -- running children ------------------------------------------------------------------------------------


@dataclass
class Child:
    """One fresh process: its own report (last stdout line, JSON) and what the parent saw."""

    ok: bool
    wall_s: float  # parent's clock, fork to exit
    peak_mb: float  # ru_maxrss of the child
    cpu_s: float  # user + system time of the child
    reason: str = ""  # "memory" | "timeout" | "error" when not ok
    report: dict[str, Any] = field(default_factory=dict)
    progress: dict[str, Any] = field(default_factory=dict)  # last progress line of a failed run
    stderr_tail: str = ""


def run_child(cmd: list[str], *, mem_gib: float, timeout: float | None, log: Path,
              args: dict[str, Any] | None = None) -> Child:
    """Run ``cmd`` under the memory limit, killing it after ``timeout`` seconds.

    ``args`` is written as JSON to ``LOG.args.json``, whose path is appended to ``cmd``; then the
    child's last stdout line is read as its JSON report.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    if args is not None:
        log.with_suffix(".args.json").write_text(json.dumps(args))
        cmd = [*cmd, str(log.with_suffix(".args.json"))]
    with open(log.with_suffix(".out"), "wb") as out, open(log.with_suffix(".err"), "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=REPO, preexec_fn=lambda: _limit_memory(mem_gib))
        waited: list[tuple[int, int, Any]] = []
        waiter = threading.Thread(target=lambda: waited.append(os.wait4(proc.pid, 0)))
        waiter.start()
        waiter.join(timeout)
        timed_out = waiter.is_alive()
        if timed_out:
            proc.kill()
            waiter.join()
        wall = time.perf_counter() - start
    _, status, usage = waited[0]
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    stdout = log.with_suffix(".out").read_text()
    stderr = log.with_suffix(".err").read_text(errors="replace")
    child = Child(ok=proc.returncode == 0 and not timed_out, wall_s=wall, peak_mb=usage.ru_maxrss / 1024,
                  cpu_s=usage.ru_utime + usage.ru_stime, stderr_tail=stderr[-2000:])
    progress = [line for line in stderr.splitlines() if line.startswith('{"progress"')]
    if progress:
        child.progress = json.loads(progress[-1])
    if child.ok and args is not None:
        child.report = json.loads(stdout.strip().splitlines()[-1])
    elif timed_out:
        child.reason = "timeout"
    elif any(s in stderr for s in ("MemoryError", "Cannot allocate memory", "bad_alloc")):
        child.reason = "memory"
    else:
        child.reason = "error"
    return child


def nats_python(path: Path) -> Path:
    """The interpreter of the venv holding the official API; created on first use."""
    if not path.exists():
        venv = path.parents[1]
        print(f"creating {venv} with {NATS_BENCH}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", NATS_BENCH], check=True)
    return path


# -- measurements ------------------------------------------------------------------------------------------


def measure_conversion(archive: Archive, repeats: int, mem_gib: float, logs: Path) -> list[Child]:
    cli = Path(sys.executable).with_name("nas-suite")
    runs = []
    for r in range(repeats):
        if archive.cache.exists():
            shutil.rmtree(archive.cache)
        cmd = [str(cli), "data", "import", "nb201-nats", str(archive.directory), "--allow-pickle", "--out", str(archive.cache)]
        runs.append(run_child(cmd, mem_gib=mem_gib, timeout=None, log=logs / f"conversion-{r}"))
        if not runs[-1].ok:
            sys.exit(f"conversion failed ({runs[-1].reason}):\n{runs[-1].stderr_tail}")
        print(f"  conversion {r + 1}/{repeats}: {runs[-1].wall_s:.1f} s, peak {runs[-1].peak_mb:,.0f} MB", file=sys.stderr)
    return runs


def measure_ours(archive: Archive, repeats: int, mem_gib: float, logs: Path, out: Path) -> list[Child]:
    runs = []
    for r in range(repeats):
        args = {"root": str(archive.cache), "datasets": list(DATASETS), "sweep": [s[:3] for s in SWEEP],
                "out": str(out) if r == 0 else ""}
        runs.append(run_child([sys.executable, "-c", OURS], mem_gib=mem_gib, timeout=None, log=logs / f"ours-{r}",
                              args=args))
        if not runs[-1].ok:
            sys.exit(f"nas-suite sweep failed ({runs[-1].reason}):\n{runs[-1].stderr_tail}")
        print(f"  nas-suite {r + 1}/{repeats}: {runs[-1].report}", file=sys.stderr)
    return runs


def official_child(python: Path, path: Path, fast_mode: bool, cells: list[int], queries: list[list[Any]],
                   out: Path | None, *, mem_gib: float, timeout: float | None, log: Path) -> Child:
    args = {"path": str(path), "fast_mode": fast_mode, "cells": cells, "queries": queries,
            "out": str(out) if out else "", "progress": max(1, len(cells) // 50)}
    return run_child([str(python), "-c", OFFICIAL], mem_gib=mem_gib, timeout=timeout, log=log, args=args)


def sweep_queries() -> list[list[Any]]:
    return [[call, source, hp, None, False, key] for _, _, _, call, source, hp, key in SWEEP]


def measure_official(python: Path, archive: Archive, fast_mode: bool, repeats: int, mem_gib: float,
                     timeout: float, logs: Path) -> dict[str, Any]:
    """All cells if possible (else the first ``small_cells``, extrapolated); raw runs and medians."""
    mode = "fast" if fast_mode else "slow"
    full_path = archive.directory if fast_mode else archive.file
    (logs / f"{mode}-sweep.json").unlink(missing_ok=True)
    runs, attempt = [], None
    for r in range(repeats):
        child = official_child(python, full_path, fast_mode, list(range(archive.cells)), sweep_queries(),
                               logs / f"{mode}-sweep.json" if r == 0 else None,
                               mem_gib=mem_gib, timeout=timeout, log=logs / f"{mode}-all-{r}")
        print(f"  fast_mode={fast_mode}, all {archive.cells:,} cells, run {r + 1}: "
              + (f"{child.report['total']:.1f} s, peak {child.peak_mb:,.0f} MB" if child.ok
                 else f"{child.reason} after {child.wall_s:.0f} s, peak {child.peak_mb:,.0f} MB, {child.progress}"),
              file=sys.stderr)
        if not child.ok:
            attempt = child
            break
        runs.append(child)
    measured = archive.cells
    if attempt is not None:
        runs = []
        if archive.small_cells < archive.cells:
            measured = archive.small_cells
            path = archive.directory if fast_mode else archive.small_file
            for r in range(repeats):
                child = official_child(python, path, fast_mode, list(range(measured)), sweep_queries(),
                                       logs / f"{mode}-sweep.json" if r == 0 else None,
                                       mem_gib=mem_gib, timeout=timeout, log=logs / f"{mode}-first-{r}")
                print(f"  fast_mode={fast_mode}, first {measured:,} cells, run {r + 1}: "
                      + (f"{child.report['total']:.1f} s, peak {child.peak_mb:,.0f} MB" if child.ok
                         else f"{child.reason} after {child.wall_s:.0f} s"), file=sys.stderr)
                if not child.ok:
                    break
                runs.append(child)
    return summarize_official(fast_mode, runs, attempt, measured, archive.cells, mem_gib, timeout)


def summarize_official(fast_mode: bool, runs: list[Child], attempt: Child | None, measured: int, cells: int,
                       mem_gib: float, timeout: float) -> dict[str, Any]:
    """Medians, and their linear extrapolation to ``cells`` when measured on fewer.

    Extrapolation: time = import + create + sweep x scale (fast mode: ``create`` reads the meta
    file only) or import + (create + sweep) x scale (slow mode: ``create`` loads every record);
    memory = RSS before the per-cell part + (peak - that) x scale. ``scale = cells / measured``.
    """
    out: dict[str, Any] = {"fast_mode": fast_mode, "runs": [asdict(c) for c in runs], "measured_cells": measured,
                           "cells": cells, "attempt": asdict(attempt) if attempt else None}
    if attempt is not None:
        done = f", {attempt.progress['progress']:,} of {cells:,} cells swept" if attempt.progress else ""
        if not attempt.progress and not fast_mode:
            done = ", during create()"
        what = {"memory": f"exceeded {mem_gib:g} GiB after", "timeout": "stopped by the time limit at"}.get(
            attempt.reason, "failed after")
        out["attempt_text"] = f"run over all {cells:,} cells: {what} {attempt.wall_s:,.0f} s{done}"
    if len(runs) == 0:
        return out
    med = {k: statistics.median(c.report[k] for c in runs)
           for k in ("import", "create", "sweep", "total", "rss_import_mb", "rss_create_mb")}
    med["peak_mb"] = statistics.median(c.peak_mb for c in runs)
    med["cpu_s"] = statistics.median(c.cpu_s for c in runs)
    scale = cells / measured
    per_cell = med["create"] + med["sweep"] if not fast_mode else med["sweep"]
    fixed = med["import"] + (0.0 if not fast_mode else med["create"])
    base_mb = med["rss_create_mb"] if fast_mode else med["rss_import_mb"]
    out.update(median=med, scale=scale, version=runs[0].report["version"],
               total_s=fixed + per_cell * scale, peak_mb=base_mb + (med["peak_mb"] - base_mb) * scale,
               per_cell_s=med["sweep"] / measured)
    return out


# -- agreement ---------------------------------------------------------------------------------------------


@dataclass
class Tally:
    compared: int = 0
    failures: list[str] = field(default_factory=list)

    def check(self, label: str, cells: np.ndarray, got: np.ndarray, want: np.ndarray, exact: bool = False) -> None:
        """``got`` (official) against ``want``; NaN in both counts as agreement (no run)."""
        got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
        both_nan = np.isnan(got) & np.isnan(want)
        ok = (got == want) if exact else (np.abs(got - want) <= 2e-6 * np.abs(want) + 1e-6)
        bad = ~(ok | both_nan)
        self.compared += int(got.size)
        for k in np.flatnonzero(bad)[:5]:
            self.failures.append(f"{label} cell {int(cells[k])}: official {got[k]!r}, expected {want[k]!r}")


def _floats(rows: list[list[Any]]) -> np.ndarray:
    return np.array([[np.nan if v is None else float(v) for v in row] for row in rows], dtype=np.float64)


def embedded_expected(embedded: dict[str, Any], d: str, metric: str, schedule: int | None, epoch: int | None,
                      seed: int | str) -> np.ndarray | None:
    """What the stand-in holds from the embedded tables for this query (``None``: drawn, no check).

    The cifar100/ImageNet16-120 test accuracy is written per seed (the tables' derived values),
    so its seed mean is the mean of those, which differs from the table's published mean by up
    to 0.01/0.083 points (the tables' own rounding); cifar10's is written to the published mean.
    """
    from suite.errors import UnknownMetric

    bench = embedded[d]
    if metric == "test_acc" and schedule == 200 and seed == "mean" and d != "cifar10":
        return np.nanmean(np.stack([bench.metric("test_acc", seed=s, schedule=200) for s in SEEDS]), axis=0)
    if metric not in ("valid_acc", "test_acc", "train_acc", "params", "train_time"):
        return None
    if metric == "test_acc" and d == "cifar10" and seed != "mean":
        return None  # per-seed cifar10 test values are drawn around the real mean
    try:
        return bench.metric(metric, epoch=epoch, seed=seed, schedule=schedule)
    except UnknownMetric:
        return None


def agreement(python: Path, archive: Archive, ours_sweep: Path, sweeps: dict[str, Path], n_sample: int,
              mem_gib: float, logs: Path) -> dict[str, Any]:
    """Official answers against our cache and the embedded tables (see the module docstring)."""
    import suite
    from suite.data.paths import EMBEDDED_DIR

    ours = {d: suite.load("nb201", d, root=archive.cache) for d in DATASETS}
    embedded = {d: suite.load("nb201", d, root=EMBEDDED_DIR) for d in DATASETS}
    tally_ours, tally_table = Tally(), Tally()
    result: dict[str, Any] = {}

    # 1. the timed sweeps: every swept value
    ours_values = np.load(ours_sweep)
    official = {mode: _floats(json.loads(path.read_text())) for mode, path in sweeps.items() if path.exists()}
    if len(official) == 2:
        a, b = official["fast"], official["slow"]
        n = min(len(a), len(b))
        tally_ours.check("fast_mode=True vs fast_mode=False sweep", np.arange(n), a[:n].ravel(), b[:n].ravel(), exact=True)
    for mode, values in official.items():
        cells = np.arange(len(values))
        for j, (d, metric, schedule, *_) in enumerate(SWEEP):
            tally_ours.check(f"{mode} sweep {d} {metric} {schedule}", cells, values[:, j], ours_values[j, cells])
            want = embedded_expected(embedded, d, metric, schedule, None, "mean")
            if want is not None:
                have = ~np.isnan(want[cells])
                tally_table.check(f"{mode} sweep vs table {d} {metric} {schedule}", cells[have], values[have, j], want[cells][have])
    result["sweep_cells"] = {mode: len(v) for mode, v in official.items()}

    # 2. a sample of cells: per seed, losses, times, intermediate epochs
    rng = np.random.default_rng(0)
    fixed = [c for c in (0, 1, 199, 9930, archive.cells - 1) if c < archive.cells]
    sample = np.unique(np.concatenate([fixed, rng.choice(archive.cells, size=min(n_sample, archive.cells), replace=False)]))
    checks: list[tuple[str, str, int | None, int | None, int | str, list[Any]]] = []
    for d in DATASETS:
        valid_src, test_src = ("cifar10-valid", "cifar10") if d == "cifar10" else (d, d)
        for seed in (*SEEDS, "mean"):
            rnd = False if seed == "mean" else seed
            for metric, src, key in (("valid_acc", valid_src, "valid-accuracy"), ("valid_loss", valid_src, "valid-loss"),
                                     ("train_acc", valid_src, "train-accuracy"), ("train_loss", valid_src, "train-loss"),
                                     ("test_acc", test_src, "test-accuracy"), ("test_loss", test_src, "test-loss")):
                checks.append((d, metric, 200, None, seed, ["more", src, "200", None, rnd, key]))
        checks.append((d, "train_time", 200, None, "mean", ["more", valid_src, "200", None, False, "train-all-time"]))
        checks.append((d, "valid_acc", 12, None, "mean", ["more", valid_src, "12", None, False, "valid-accuracy"]))
        checks.append((d, "test_acc", 12, None, "mean", ["more", test_src, "12", None, False, "test-accuracy"]))
        for epoch in (1, 12, 100, 199):
            checks.append((d, "valid_acc", 200, epoch, "mean", ["more", valid_src, "200", epoch - 1, False, "valid-accuracy"]))
            checks.append((d, "train_acc", 200, epoch, "mean", ["more", valid_src, "200", epoch - 1, False, "train-accuracy"]))
        for metric, key in (("params", "params"), ("flops", "flops"), ("latency", "latency")):
            checks.append((d, metric, None, None, "mean", ["cost", test_src, "200", None, False, key]))
    probe = logs / "probe.json"
    child = official_child(python, archive.directory, True, sample.tolist(), [c[5] for c in checks], probe,
                           mem_gib=mem_gib, timeout=None, log=logs / "probe")
    if not child.ok:
        sys.exit(f"agreement probe failed ({child.reason}):\n{child.stderr_tail}")
    answers = _floats(json.loads(probe.read_text()))
    for j, (d, metric, schedule, epoch, seed, _) in enumerate(checks):
        label = f"{d} {metric} schedule={schedule} epoch={epoch} seed={seed}"
        mine = ours[d].metric(metric, epoch=epoch, seed=seed, schedule=schedule)[sample]
        if seed == "mean":
            tally_ours.check(label, sample, answers[:, j], mine)
        else:  # one run: the cache holds its float32
            tally_ours.check(label, sample, answers[:, j].astype(np.float32), mine, exact=True)
        want = embedded_expected(embedded, d, metric, schedule, epoch, seed)
        if want is not None:
            have = ~np.isnan(want[sample])
            tally_table.check("table " + label, sample[have], answers[have, j], want[sample][have], exact=seed != "mean")
    result["sample_cells"] = len(sample)
    result["vs_ours"] = {"compared": tally_ours.compared, "mismatches": len(tally_ours.failures)}
    result["vs_table"] = {"compared": tally_table.compared, "mismatches": len(tally_table.failures)}
    result["failures"] = (tally_ours.failures + tally_table.failures)[:40]
    return result


# -- report ----------------------------------------------------------------------------------------------


def _s(seconds: float) -> str:
    return f"{seconds * 1e3:.0f} ms" if seconds < 1 else f"{seconds:,.1f} s" if seconds < 100 else f"{seconds:,.0f} s"


def _mb(mb: float) -> str:
    return f"{mb:,.0f} MB"


def _size(path: Path) -> float:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6
    return path.stat().st_size / 1e6


def markdown(res: dict[str, Any]) -> str:
    cells, lim = res["archive"]["cells"], res["settings"]["mem_limit_gib"]
    conv, ours = res["conversion"], res["ours"]
    lines = [
        f"machine: {res['machine']}; archive: {cells:,} cells (stand-in, real values where the embedded tables have "
        f"them), per-cell directory {res['archive']['directory_mb']:,.0f} MB, single file {res['archive']['file_mb']:,.0f} MB; "
        f"every process limited to {lim:g} GiB of address space; medians of {res['settings']['repeats']} fresh processes "
        f"({res['settings']['convert_repeats']} conversion); warm page cache. Sweep: {len(SWEEP)} arrays of "
        f"{cells:,} values (per dataset: valid/train/test accuracy at 200 epochs, valid accuracy at 12, params, "
        "FLOPs, latency).",
        "",
        "| stack, mode | timed in one fresh process | wall time | peak RSS | note |",
        "|---|---|---|---|---|",
        f"| nas-suite | one-time conversion, `nas-suite data import nb201-nats` | {_s(conv['wall_s'])} | "
        f"{_mb(conv['peak_mb'])} | once per archive; writes the 3 caches ({res['archive']['cache_mb']:,.0f} MB) |",
        f"| nas-suite | `import suite` + `suite.load` x3 + sweep | {_s(ours['total'])} | {_mb(ours['peak_mb'])} | "
        f"import {_s(ours['import'])}, load {_s(ours['open'])}, sweep {_s(ours['sweep'])} |",
    ]
    for key in ("fast", "slow"):
        o = res["official"][key]
        name = f"`nats_bench` {o.get('version', '')} `fast_mode={o['fast_mode']}`"
        what = "import + `create(dir)` + sweep" if o["fast_mode"] else "import + `create(file)` (loads all) + sweep"
        notes = []
        if "median" not in o:
            notes.append(o.get("attempt_text", "failed"))
            if o["measured_cells"] < cells:
                notes.append(f"the first {o['measured_cells']:,} cells failed too")
            lines.append(f"| {name} | {what} | - | - | {'; '.join(notes)} |")
            continue
        est = o["measured_cells"] < cells
        if est:
            notes.append(f"**extrapolated** from the first {o['measured_cells']:,} cells (x{o['scale']:.2f}; "
                         f"measured {_s(o['median']['total'])}, {_mb(o['median']['peak_mb'])})")
        if o.get("attempt_text"):
            notes.append(o["attempt_text"])
        med = o["median"]
        notes.append(f"import {_s(med['import'])}, create {_s(med['create'])}, {o['per_cell_s'] * 1e3:.1f} ms per cell swept")
        mark = "~" if est else ""
        lines.append(f"| {name} | {what} | {mark}{_s(o['total_s'])} | {mark}{_mb(o['peak_mb'])} | {'; '.join(notes)} |")
    agree = res["agreement"]
    lines += [
        "",
        f"Agreement: official sweep values ({', '.join(f'{m}: {n:,} cells' for m, n in agree['sweep_cells'].items())}) and "
        f"{agree['sample_cells']} sampled cells (per seed, losses, times, epochs 1/12/100/199): "
        f"{agree['vs_ours']['compared']:,} values against our cache, {agree['vs_ours']['mismatches']} mismatches; "
        f"{agree['vs_table']['compared']:,} against the embedded tables (`suite.load` on `data/`), "
        f"{agree['vs_table']['mismatches']} mismatches.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=REPO / "benchmarks" / "_work")
    parser.add_argument("--cells", type=int, default=N_ARCHS,
                        help="archive of the first N cells (< 15625: a separate small archive under WORK/cells-N)")
    parser.add_argument("--repeats", type=int, default=3, help="fresh processes per measurement")
    parser.add_argument("--convert-repeats", type=int, default=1, help="conversions to time (minutes each at full size)")
    parser.add_argument("--official-cells", type=int, default=1000,
                        help="cells measured when an official run over all cells fails (then extrapolated)")
    parser.add_argument("--official-timeout", type=float, default=3600.0, help="seconds per official run")
    parser.add_argument("--mem-limit-gb", type=float, default=12.0, help="address-space limit of every child, GiB")
    parser.add_argument("--agree-cells", type=int, default=200, help="random cells of the per-seed agreement probe")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="processes writing the stand-in")
    parser.add_argument("--nats-python", type=Path, default=None,
                        help=f"python of a venv with {NATS_BENCH} (default WORK/venv-nats, created if missing)")
    parser.add_argument("--prepare-only", action="store_true",
                        help="write the stand-in and the nats_bench venv, then exit (untimed; may share busy cores)")
    parser.add_argument("--json", type=Path, default=None,
                        help="raw results (default benchmarks/results/nats_side_by_side.json at full size, "
                             "WORK/cells-N/nats_side_by_side.json with --cells)")
    args = parser.parse_args()

    cells = min(args.cells, N_ARCHS)
    base = args.work if cells == N_ARCHS else args.work / f"cells-{cells}"
    base.mkdir(parents=True, exist_ok=True)
    archive = Archive(base, cells, min(args.official_cells, cells))
    logs = base / "logs"  # children's output and raw answers of this run only
    if logs.exists():
        shutil.rmtree(logs)
    python = nats_python(args.nats_python or args.work / "venv-nats" / "bin" / "python")
    lim = args.mem_limit_gb

    print(f"stand-in archive ({cells:,} cells) in {base}", file=sys.stderr)
    generate(archive, args.jobs, lim)
    if args.prepare_only:
        print(f"prepared: {base} and {python}; the next run without --prepare-only reuses them", file=sys.stderr)
        return
    print("(1) nas-suite conversion", file=sys.stderr)
    conversion = measure_conversion(archive, args.convert_repeats, lim, logs)
    print("(2) nas-suite import + load + sweep", file=sys.stderr)
    ours_runs = measure_ours(archive, args.repeats, lim, logs, logs / "ours-sweep.npy")
    print("(3) nats_bench fast_mode=True", file=sys.stderr)
    fast = measure_official(python, archive, True, args.repeats, lim, args.official_timeout, logs)
    print("(4) nats_bench fast_mode=False", file=sys.stderr)
    slow = measure_official(python, archive, False, args.repeats, lim, args.official_timeout, logs)
    print("(5) agreement", file=sys.stderr)
    agree = agreement(python, archive, logs / "ours-sweep.npy",
                      {m: logs / f"{m}-sweep.json" for m in ("fast", "slow")}, args.agree_cells, lim, logs)

    res = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                   f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, Python {platform.python_version()}",
        "command": " ".join(sys.argv),
        "settings": {"repeats": args.repeats, "convert_repeats": args.convert_repeats, "mem_limit_gib": lim,
                     "official_timeout_s": args.official_timeout, "official_cells": archive.small_cells},
        "archive": {"cells": cells, "directory_mb": _size(archive.directory), "file_mb": _size(archive.file),
                    "small_file_mb": _size(archive.small_file), "cache_mb": _size(archive.cache), "generator": GENERATOR},
        "sweep": [list(s) for s in SWEEP],
        "conversion": {"wall_s": statistics.median(c.wall_s for c in conversion),
                       "peak_mb": max(c.peak_mb for c in conversion), "runs": [asdict(c) for c in conversion]},
        "ours": {**{k: statistics.median(c.report[k] for c in ours_runs) for k in ("import", "open", "sweep", "total")},
                 "peak_mb": statistics.median(c.peak_mb for c in ours_runs), "runs": [asdict(c) for c in ours_runs]},
        "official": {"fast": fast, "slow": slow},
        "agreement": agree,
    }
    res["machine_facts"] = machine()  # cores, CPU, memory, Python, load average (bench_record.py)
    res["date"] = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
    out = args.json or (RESULTS if cells == N_ARCHS else base) / "nats_side_by_side.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=1) + "\n")
    print(markdown(res))
    print(f"\nraw measurements: {out}")
    for line in agree["failures"]:
        print("  MISMATCH", line, file=sys.stderr)
    if agree["vs_ours"]["mismatches"] or agree["vs_table"]["mismatches"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
