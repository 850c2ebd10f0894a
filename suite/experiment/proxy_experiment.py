"""Zero-cost proxy experiments: rank correlation with trained accuracy and the NASWOT search.

TOML (``kind = "proxies"``)::

    name = "naswot-nb201"
    kind = "proxies"
    benchmark = "nb201"
    datasets = ["cifar10", "cifar100", "ImageNet16-120"]
    proxies = ["naswot"]
    archs = "all"            # or N: a seeded uniform sample (sample_seed)
    seed = 0                 # network initialisation and proxy rng
    batch_size = 128
    images = "shipped"       # or a local CIFAR/ImageNet16 copy (suite.data.images)
    targets = ["valid_acc", "test_acc"]
    [search]                 # Mellor et al. 2021, Algorithm 1: sample N cells, keep the best score
    proxy = "naswot"
    dataset = "cifar10"      # whose scores choose (the paper searches on CIFAR-10 ...)
    evaluate = ["cifar10", "cifar100", "ImageNet16-120"]   # ... and reports the choice on all three
    sizes = [10, 100, 1000]
    repeats = 500
    seed = 0

Per dataset, the scores come from :func:`suite.experiment.proxy_runs.run_proxy_job` (parallel,
resumable; its run directory sits under ``results/<name>/proxies/``; the benchmark cache is not
touched). Outputs in ``results/<name>/``: ``correlation.csv`` (Kendall τ and Spearman ρ of every
proxy with every target, per dataset), ``search.csv`` (per N, evaluated dataset and target: mean and std
of the chosen cell's accuracy over the repeats, with the best of the pool), ``scores.parquet``
(all scores with the targets beside them), ``config.toml`` and ``meta.json``; ``nas-suite
report`` adds the tables next to the published numbers and the score-vs-accuracy figure.

Where no local copy of a dataset's images is given, the shipped CIFAR-10 minibatch stands in for
CIFAR-100 (same resolution) and, averaged down to 16x16, for ImageNet16-120; ``meta.json`` and the
report say so.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Mapping

import numpy as np
import pandas as pd

from .execution import RunResult
from .spec import InvalidSpec, benchmark_of, check_keys, required, to_toml

from .kinds import FunctionKind

__all__ = ["ProxySpec", "KIND", "parse_proxy_spec", "run_proxy_experiment", "search_table", "correlation_table"]

_TOP = {"name", "description", "kind", "benchmark", "datasets", "proxies", "archs", "sample_seed", "seed",
        "batch_size", "images", "targets", "search"}
_SEARCH = {"proxy", "dataset", "evaluate", "sizes", "repeats", "seed"}


@dataclass(frozen=True)
class ProxySpec:
    kind: ClassVar[str] = "proxies"

    name: str
    benchmark: str
    datasets: tuple[str, ...]
    proxies: tuple[str, ...]
    archs: str | int = "all"
    sample_seed: int = 0
    seed: int = 0
    batch_size: int = 128
    images: str = "shipped"
    targets: tuple[str, ...] = ("valid_acc", "test_acc")
    search_proxy: str | None = None
    search_dataset: str = "cifar10"
    search_evaluate: tuple[str, ...] = ()
    search_sizes: tuple[int, ...] = ()
    search_repeats: int = 500
    search_seed: int = 0
    description: str = ""

    def as_toml_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "kind": "proxies", "description": self.description,
                               "benchmark": self.benchmark, "datasets": list(self.datasets),
                               "proxies": list(self.proxies), "archs": self.archs, "sample_seed": self.sample_seed,
                               "seed": self.seed, "batch_size": self.batch_size, "images": self.images,
                               "targets": list(self.targets)}
        if self.search_proxy:
            out["search"] = {"proxy": self.search_proxy, "dataset": self.search_dataset,
                             "evaluate": list(self.search_evaluate), "sizes": list(self.search_sizes),
                             "repeats": self.search_repeats, "seed": self.search_seed}
        return out

    def job(self, dataset: str) -> Any:
        from .proxy_runs import ProxyJob

        return ProxyJob(self.benchmark, dataset, self.proxies, archs=self.archs, sample_seed=self.sample_seed,
                        seed=self.seed, batch_size=self.batch_size, images=self.images)


def parse_proxy_spec(raw: Mapping[str, Any], source: str = "spec") -> ProxySpec:
    from ..proxies import PROXIES

    check_keys(raw, _TOP, source)
    benchmark, _ = benchmark_of(raw, source)
    names = required(raw, "datasets", list, source)
    if not names or not all(isinstance(d, str) for d in names):
        raise InvalidSpec(f"{source}: datasets must be a non-empty list of dataset names")
    datasets = [benchmark_of({"benchmark": benchmark, "dataset": d}, source)[1] for d in names]
    proxies = required(raw, "proxies", list, source)
    for p in proxies:
        if p not in PROXIES:
            raise InvalidSpec(f"{source}: unknown proxy {p!r}; choose from {', '.join(sorted(PROXIES))}")
    archs = raw.get("archs", "all")
    if not (archs in ("all", "published") or (isinstance(archs, int) and not isinstance(archs, bool) and archs > 0)):
        raise InvalidSpec(f"{source}: archs must be \"all\", \"published\" or a positive integer, got {archs!r}")
    ints = {}
    for key, default in (("sample_seed", 0), ("seed", 0), ("batch_size", 128)):
        value = raw.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < (1 if key == "batch_size" else 0):
            raise InvalidSpec(f"{source}: {key} must be a {'positive' if key == 'batch_size' else 'non-negative'} integer, got {value!r}")
        ints[key] = value
    targets = tuple(raw.get("targets", ["valid_acc", "test_acc"]))
    search = raw.get("search", {})
    if not isinstance(search, Mapping):
        raise InvalidSpec(f"{source}: [search] must be a table")
    check_keys(search, _SEARCH, f"{source} [search]")
    proxy = search.get("proxy", proxies[0]) if search else None
    if proxy is not None and proxy not in proxies:
        raise InvalidSpec(f"{source}: [search] proxy {proxy!r} must be one of proxies = {proxies}")
    sizes = tuple(search.get("sizes", [10, 100, 1000])) if search else ()
    if not all(isinstance(n, int) and n > 0 for n in sizes):
        raise InvalidSpec(f"{source}: [search] sizes must be positive integers, got {list(sizes)}")
    search_dataset = search.get("dataset", datasets[0]) if search else datasets[0]
    if search and search_dataset not in datasets:
        raise InvalidSpec(f"{source}: [search] dataset {search_dataset!r} must be one of datasets = {datasets}")
    evaluate = [benchmark_of({"benchmark": benchmark, "dataset": d}, source)[1]
                for d in (search.get("evaluate", [search_dataset]) if search else [])]
    repeats = search.get("repeats", 500)
    if not isinstance(repeats, int) or repeats < 1:
        raise InvalidSpec(f"{source}: [search] repeats must be a positive integer, got {repeats!r}")
    return ProxySpec(name=str(raw["name"]), benchmark=benchmark, datasets=tuple(datasets), proxies=tuple(proxies),
                     archs=archs, targets=targets, images=str(raw.get("images", "shipped")),
                     search_proxy=proxy, search_dataset=search_dataset, search_evaluate=tuple(evaluate),
                     search_sizes=sizes, search_repeats=repeats,
                     search_seed=int(search.get("seed", 0)) if search else 0,
                     description=str(raw.get("description", "")), **ints)


def correlation_table(frame: pd.DataFrame, proxies: tuple[str, ...], targets: tuple[str, ...]) -> pd.DataFrame:
    """Kendall τ (tau-b) and Spearman ρ of each proxy with each target, per dataset."""
    from scipy import stats

    rows = []
    for dataset, part in frame.groupby("dataset", sort=False):
        for proxy in proxies:
            for target in targets:
                x, y = part[proxy].to_numpy(np.float64), part[target].to_numpy(np.float64)
                ok = np.isfinite(x) & np.isfinite(y)
                rows.append({"dataset": dataset, "proxy": proxy, "target": target, "n": int(ok.sum()),
                             "kendall": float(stats.kendalltau(x[ok], y[ok]).statistic),
                             "spearman": float(stats.spearmanr(x[ok], y[ok]).statistic)})
    return pd.DataFrame(rows)


def search_table(ids: np.ndarray, score: np.ndarray, targets: Mapping[tuple[str, str], np.ndarray],
                 sizes: tuple[int, ...], repeats: int, seed: int) -> pd.DataFrame:
    """NASWOT's Algorithm 1 simulated on a scored pool: per repeat draw N cells uniformly *with*
    replacement (as the official ``search.py``: ``np.random.randint``), keep the highest score
    (NaN never wins; ties: the first drawn), record the chosen cell's value of every target.

    ``targets`` maps (dataset, metric) to values indexed by architecture id, so one choice (made
    on one dataset's scores, CIFAR-10 in the paper) is evaluated on every dataset. Mean and
    sample std (ddof 1, as the paper's ``statistics.stdev``) per (N, dataset, metric).
    """
    score = np.where(np.isfinite(score), score, -np.inf)
    rows = []
    for n in sizes:
        rng = np.random.default_rng([seed, n])
        drawn = rng.integers(0, len(ids), size=(repeats, n))
        picks = ids[drawn[np.arange(repeats), np.argmax(score[drawn], axis=1)]]
        for (dataset, metric), values in targets.items():
            chosen = values[picks]
            rows.append({"N": n, "dataset": dataset, "target": metric, "mean": float(np.nanmean(chosen)),
                         "std": float(np.nanstd(chosen, ddof=1)), "repeats": repeats, "pool": len(ids),
                         "pool_best": float(np.nanmax(values[ids]))})
    return pd.DataFrame(rows)


def run_proxy_experiment(spec: ProxySpec, results_root: str | os.PathLike[str] = "results", *,
                         backend: str = "local", jobs: int = 1, address: str | None = None,
                         data_root: str | os.PathLike[str] | None = None, device: str = "cpu",
                         limit: int | None = None) -> RunResult:
    """Score every dataset (resumable), then write the tables; tasks are chunks of cells."""
    import suite

    from .execution import pin_config
    from .files import atomic_output, provenance, write_atomic
    from .proxy_runs import run_proxy_job

    directory = Path(results_root) / spec.name
    directory.mkdir(parents=True, exist_ok=True)
    pin_config(directory, to_toml(spec.as_toml_dict()))
    frames, jobs_meta = [], {}
    n_tasks = n_run = 0
    for dataset in spec.datasets:
        job = spec.job(dataset)
        summary = run_proxy_job(job, directory, backend=backend, jobs=jobs, address=address, data_root=data_root,
                                device=device, write_cache=False, limit=limit)
        n_tasks += summary["chunks"]
        n_run += summary["chunks_run"]
        if not summary["complete"]:
            return RunResult(directory, KIND.name, n_tasks, n_run, False, unit="chunks of cells")
        scores = pd.read_parquet(summary["directory"] / "scores.parquet")
        bench = suite.load(spec.benchmark, dataset, root=data_root)
        ids = scores["id"].to_numpy()
        frame = scores[["id", "arch", *spec.proxies]].copy()
        frame.insert(0, "dataset", dataset)
        for target in spec.targets:
            frame[target] = bench.metric(target)[ids]
        frames.append(frame)
        run_meta = json.loads((summary["directory"] / "meta.json").read_text())
        jobs_meta[dataset] = {"run": str(summary["directory"].relative_to(directory)), "settings_id": job.settings_id,
                              "images": run_meta["images"], "image_dataset": job.resolved_image_dataset(),
                              "seconds": run_meta["seconds"], "device": run_meta["device"],
                              "comparison_with_published": summary["comparison"].to_dict("records"),
                              **provenance(bench)}
    frame = pd.concat(frames, ignore_index=True)
    tables = {"scores.parquet": frame,
              "correlation.csv": correlation_table(frame, spec.proxies, spec.targets)}
    if spec.search_proxy:
        chooser = frame[frame["dataset"] == spec.search_dataset]
        targets = {(d, t): suite.load(spec.benchmark, d, root=data_root).metric(t)
                   for d in spec.search_evaluate for t in spec.targets}
        tables["search.csv"] = search_table(chooser["id"].to_numpy(), chooser[spec.search_proxy].to_numpy(np.float64),
                                            targets, spec.search_sizes, spec.search_repeats, spec.search_seed)
    for name, table in tables.items():
        with atomic_output(directory / name) as tmp:
            table.to_parquet(tmp, index=False) if name.endswith(".parquet") else table.to_csv(tmp, index=False)
    meta = {"name": spec.name, "kind": KIND.name, "backend": backend, "jobs": jobs, "datasets": jobs_meta}
    write_atomic(directory / "meta.json", json.dumps(meta, indent=2, default=str) + "\n")
    return RunResult(directory, KIND.name, n_tasks, n_run, True, unit="chunks of cells")


KIND = FunctionKind(
    "proxies", ProxySpec, "suite.report.proxy_report:write_proxy_report", parse_proxy_spec,
    lambda spec, root, o: run_proxy_experiment(spec, root, backend=o.backend, jobs=o.jobs, address=o.address,
                                               data_root=o.data_root, device=o.device or "cpu", limit=o.limit),
    "zero-cost proxies on the benchmark's own networks: correlations and proxy search")
