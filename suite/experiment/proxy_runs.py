"""Batch scoring of zero-cost proxies over a benchmark: parallel, resumable, written into the cache.

``nas-suite proxies compute --benchmark nb201 --dataset cifar10 --proxy naswot --archs all``
builds a :class:`ProxyJob`, splits the architectures into chunks (one backend task each: local
processes, Dask or Ray, as for experiments), journals every finished chunk in
``results/proxies/<benchmark>-<dataset>-<settings id>/runs.jsonl`` (a re-run skips them) and,
once all are done, writes

* ``scores.parquet`` (id, arch, one column per proxy and its seconds) and ``meta.json``
  (settings, timing, versions, data provenance) in that directory, and
* a ``zc_<proxy>`` column per proxy into the benchmark cache (:func:`suite.data.cache.add_columns`:
  a rewrite renamed into place). The column records the settings that change a score and their
  id (:meth:`ProxyJob.score_settings`: benchmark, dataset, images, batch size and index, seed), so
  scores computed with other settings are never mixed: writing such a column over an existing
  one needs ``replace=True``; with equal settings new rows are merged in (score 1,000 cells
  now, the rest later).

A run's own id (:attr:`ProxyJob.settings_id`, its directory name) also covers which cells and
which proxies. Device and worker count enter neither.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import NasSuiteError

if TYPE_CHECKING:
    from ..data.benchmark import Benchmark

__all__ = ["ProxyJob", "run_proxy_job", "PUBLISHED_NAMES"]

JOURNAL = "runs.jsonl"

#: our proxy name -> NAS-Bench-Suite-Zero's (published as ``zc_nbsz_<name>``)
PUBLISHED_NAMES = {"naswot": "nwot"}


@dataclass(frozen=True)
class ProxyJob:
    """What to score and how; every field but ``chunk`` enters :attr:`settings_id`."""

    benchmark: str
    dataset: str
    proxies: tuple[str, ...]
    archs: str | int = "all"          # "all", "published" (cells NAS-Bench-Suite-Zero scored), or N sampled
    sample_seed: int = 0
    seed: int = 0                     # network initialisation and proxy rng
    batch_size: int = 128
    batch_index: int = 0
    images: str = "shipped"           # "shipped" or a path (see suite.data.images)
    image_dataset: str | None = None  # dataset of the images; None = the shipped CIFAR-10 or ``dataset``
    chunk: int = field(default=64, compare=False)

    def __post_init__(self) -> None:
        from ..data.registry import benchmark_spec

        try:  # any spelling (nas-bench-201 -> nb201), so the settings id and cache column do not depend on it
            object.__setattr__(self, "benchmark", benchmark_spec(self.benchmark).name)
        except NasSuiteError:
            pass  # an unknown name fails with its one-line error where the benchmark is loaded

    def settings(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("chunk")
        out["proxies"] = list(self.proxies)
        out["image_dataset"] = self.resolved_image_dataset()
        return out

    def resolved_image_dataset(self) -> str:
        if self.image_dataset:
            return self.image_dataset
        return "cifar10" if self.images == "shipped" else self.dataset

    @property
    def settings_id(self) -> str:
        """Identity of the run (which cells, which proxies, how scored)."""
        return _digest(self.settings())

    def score_settings(self) -> dict[str, Any]:
        """What changes one cell's score; the cache column is versioned by this, so runs over
        different samples of cells (or adding cells later) merge into one column."""
        out = self.settings()
        for key in ("archs", "sample_seed", "proxies"):
            out.pop(key)
        return out

    @property
    def score_id(self) -> str:
        return _digest(self.score_settings())

    @property
    def name(self) -> str:
        return f"{self.benchmark}-{self.dataset}-{self.settings_id}"


def _digest(settings: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:10]


def select_ids(job: ProxyJob, bench: Benchmark) -> np.ndarray:
    """Ids to score, ascending: all, those with published NAS-Bench-Suite-Zero scores, or a
    seeded uniform sample of ``job.archs`` cells."""
    n_total = len(bench)
    if job.archs == "all":
        return np.arange(n_total, dtype=np.int64)
    if job.archs == "published":
        published = [m for m in bench.metrics if m.startswith("zc_nbsz_")]
        if not published:
            raise NasSuiteError(f"{bench.name}/{bench.dataset} has no published NAS-Bench-Suite-Zero scores (zc_nbsz_*)")
        have = np.zeros(n_total, dtype=bool)
        for m in published:
            have |= np.isfinite(bench.metric(m))
        return np.flatnonzero(have).astype(np.int64)
    n = int(job.archs)
    if not 1 <= n <= n_total:
        raise NasSuiteError(f"--archs {n}: choose 1..{n_total} or 'all'")
    return np.sort(np.random.default_rng(job.sample_seed).choice(n_total, n, replace=False))


def job_images(job: ProxyJob) -> tuple[np.ndarray, np.ndarray, str, bool]:
    """(uint8 images, labels, source description, lossy) of the job's batch, resized to the
    benchmark dataset's resolution when the images come from another dataset (2x2 means)."""
    from ..data.images import load_images, minibatch

    root = None if job.images == "shipped" else job.images
    images = load_images(job.resolved_image_dataset(), split="train", root=root)
    x, y = minibatch(images, job.batch_size, index=job.batch_index)
    native = 16 if job.dataset == "ImageNet16-120" else 32
    while x.shape[1] > native:  # e.g. CIFAR-10 images standing in for ImageNet16-120
        x = x.reshape(len(x), x.shape[1] // 2, 2, x.shape[2] // 2, 2, 3).mean(axis=(2, 4)).round().astype(np.uint8)
    from ..networks import NUM_CLASSES

    y = y % NUM_CLASSES.get(job.dataset, 10)  # labels only feed the loss-based proxies
    return x, y, images.source, images.lossy


def score_chunk(job: ProxyJob, key: str, ids: list[int], archs: list[Any], device: str) -> dict[str, Any]:
    """One backend task: the scores of ``archs``; returns the journal entry. Picklable (the job is a
    frozen dataclass)."""
    from ..proxies.scoring import score_cells

    x, y, _, _ = job_images(job)
    t0 = time.perf_counter()
    rows = score_cells(job.benchmark, job.dataset, archs, job.proxies, x, y, seed=job.seed, device=device,
                       image_dataset=job.resolved_image_dataset())
    return {"key": key, "ids": ids, "rows": rows, "seconds": time.perf_counter() - t0}


def run_proxy_job(job: ProxyJob, results_root: str | os.PathLike[str] = "results", *, backend: str = "local",
                  jobs: int = 1, address: str | None = None, data_root: str | os.PathLike[str] | None = None,
                  cache_root: str | os.PathLike[str] | None = None, device: str = "cpu", write_cache: bool = True,
                  replace: bool = False, limit: int | None = None) -> dict[str, Any]:
    """Score (or resume scoring) ``job``; returns a summary (directory, counts, cache written).

    ``data_root`` is where the benchmark is read from (default: the usual search order);
    ``cache_root`` where the extended cache is written (default: ``$NAS_SUITE_DATA`` or the
    user's data directory, never the embedded ``data/``).
    """
    import suite

    from ..data.paths import check_not_embedded, write_root
    from ..proxies import PROXIES
    from .files import atomic_output, portable_path, provenance, write_atomic
    from .execution import execute_resumable

    unknown = [p for p in job.proxies if p not in PROXIES]
    if unknown:
        raise NasSuiteError(f"unknown proxy {unknown[0]!r}; choose from {', '.join(sorted(PROXIES))}")
    if write_cache:  # refused before any scoring, by the shared rule of every cache writer
        check_not_embedded(write_root(cache_root))
    bench = suite.load(job.benchmark, job.dataset, root=data_root)
    ids = select_ids(job, bench)
    _, _, source, lossy = job_images(job)  # fails on missing/short image data before any work
    directory = Path(results_root) / "proxies" / job.name
    directory.mkdir(parents=True, exist_ok=True)
    if not (directory / "settings.json").exists():  # the directory name is the settings' hash
        write_atomic(directory / "settings.json", json.dumps(job.settings(), indent=2, sort_keys=True) + "\n")
    chunks = [ids[i : i + job.chunk] for i in range(0, len(ids), job.chunk)]
    keys = [f"{int(c[0])}-{int(c[-1])}" for c in chunks]
    tasks = [(k, (job, k, [int(i) for i in c], [bench.arch(int(i)) for i in c], device))
             for k, c in zip(keys, chunks)]
    execution = execute_resumable(directory, None, JOURNAL, tasks, score_chunk, backend=backend, jobs=jobs,
                                  address=address, limit=limit, required=("ids", "rows", "seconds"))
    done = execution.done
    summary: dict[str, Any] = {"directory": directory, "archs": len(ids), "chunks": len(chunks),
                               "chunks_run": execution.n_run, "complete": execution.complete, "cache": None}
    if not summary["complete"]:
        return summary
    scores = _scores_frame(bench, keys, done, job.proxies)
    with atomic_output(directory / "scores.parquet") as tmp:
        scores.to_parquet(tmp, index=False)
    comparison = compare_with_published(bench, scores, job.proxies)
    with atomic_output(directory / "comparison.csv") as tmp:
        comparison.to_csv(tmp, index=False)
    meta = {"kind": "proxies", "settings": {**job.settings(), "images": portable_path(job.images)},
            "settings_id": job.settings_id, "archs": len(ids),
            "images": {"source": portable_path(source), "jpeg_compressed": lossy}, "device": device, "backend": backend,
            "jobs": jobs, "seconds": _timing(scores, job.proxies), "versions": _versions(),
            **provenance(bench)}
    write_atomic(directory / "meta.json", json.dumps(meta, indent=2, default=str) + "\n")
    summary["comparison"] = comparison
    summary["seconds"] = meta["seconds"]
    if write_cache:
        summary["cache"] = write_columns(bench, scores, job, write_root(cache_root), replace=replace, source=source)
    return summary


def write_columns(bench: Benchmark, scores: pd.DataFrame, job: ProxyJob, target_root: Path, *, replace: bool,
                  source: str) -> Path:
    """Add ``zc_<proxy>`` columns of ``scores`` to ``bench``'s cache, written under ``target_root``."""
    from ..data.cache import ColumnBlock, MetricInfo, add_columns
    from ..proxies import citation

    columns = []
    for name in job.proxies:
        metric = f"zc_{name}"
        ids = scores["id"].to_numpy(dtype=np.int64)
        values = scores[name].to_numpy(dtype=np.float64)
        if metric in bench.metrics:
            old = bench.info(metric)
            if old.get("settings_id") != job.score_id:
                if not replace:
                    raise NasSuiteError(
                        f"{bench.path} already has {metric} computed with other settings "
                        f"(id {old.get('settings_id')}, ours {job.score_id}); pass --replace to overwrite it"
                    )
            else:  # same settings: keep rows we did not recompute
                prev = bench.metric(metric)
                keep = np.setdiff1d(np.flatnonzero(np.isfinite(prev)), ids)
                ids, values = np.concatenate([ids, keep]), np.concatenate([values, prev[keep]])
        info = MetricInfo(
            f"zero-cost proxy {name} computed by suite.proxies on the benchmark's own network",
            unit="", split="none", higher_is_better=True,
            extra={"citation": citation(name), "settings": job.score_settings(), "settings_id": job.score_id,
                   "source_field": f"suite.proxies.{name}.score", "images": source},
        )
        columns.append(ColumnBlock(metric, info, values, ids, seed=job.seed,
                                   note=f"{len(ids)} architectures; settings {job.score_id}"))
    return add_columns(bench.path, Path(target_root), columns,
                       note="zc_<proxy> columns: computed by `nas-suite proxies compute`.")


def compare_with_published(bench: Benchmark, scores: pd.DataFrame, proxies: tuple[str, ...],
                           target: str = "valid_acc") -> pd.DataFrame:
    """Per proxy, on the cells where NAS-Bench-Suite-Zero published a score: Spearman and Kendall
    between our score and theirs, and each one's Kendall τ with ``target`` (so a disagreement can
    be told apart from a difference in quality). Rows with ``n = 0`` where nothing is published."""
    from scipy import stats

    ids = scores["id"].to_numpy()
    acc = bench.metric(target)[ids] if target in bench.metrics else np.full(len(ids), np.nan)
    rows = []
    for name in proxies:
        published = f"zc_nbsz_{PUBLISHED_NAMES.get(name, name)}"
        row: dict[str, Any] = {"proxy": name, "published": published, "n": 0, "spearman": np.nan, "kendall": np.nan,
                               f"ours_kendall_{target}": np.nan, f"published_kendall_{target}": np.nan}
        if published in bench.metrics:
            ref = bench.metric(published)[ids]
            ours = scores[name].to_numpy(dtype=np.float64)
            ok = np.isfinite(ref) & np.isfinite(ours)
            row["n"] = int(ok.sum())
            if ok.sum() >= 3:
                row["spearman"] = float(stats.spearmanr(ours[ok], ref[ok]).statistic)
                row["kendall"] = float(stats.kendalltau(ours[ok], ref[ok]).statistic)
                good = ok & np.isfinite(acc)
                row[f"ours_kendall_{target}"] = float(stats.kendalltau(ours[good], acc[good]).statistic)
                row[f"published_kendall_{target}"] = float(stats.kendalltau(ref[good], acc[good]).statistic)
        rows.append(row)
    return pd.DataFrame(rows)


def _scores_frame(bench: Benchmark, keys: list[str], done: dict[str, Any], proxies: tuple[str, ...]) -> pd.DataFrame:
    ids = [i for k in keys for i in done[k]["ids"]]
    rows = [r for k in keys for r in done[k]["rows"]]
    frame = pd.DataFrame(rows)
    frame.insert(0, "id", np.asarray(ids, dtype=np.int64))
    frame.insert(1, "arch", [bench.arch(int(i)) for i in ids])
    return frame


def _timing(scores: pd.DataFrame, proxies: tuple[str, ...]) -> dict[str, Any]:
    out = {}
    for name in (*proxies, "build"):
        t = scores[f"{name}_seconds"].to_numpy()
        out[name] = {"median": float(np.median(t)), "mean": float(t.mean()), "total": float(t.sum())}
    return out


def _versions() -> dict[str, str]:
    import platform

    import torch

    import suite

    return {"nas_suite": getattr(suite, "__version__", "?"), "torch": torch.__version__, "numpy": np.__version__,
            "python": platform.python_version()}
