"""NAS-Bench-Graph ``light/<dataset>.bench`` files -> ``nbgraph/<dataset>`` caches.

Source: the PyPI wheel ``nas-bench-graph==1.4.0`` (THUMNLab, Apache-2.0; no dependencies)
ships ``nas_bench_graph/light/{arxiv,citeseer,computers,cora,cs,photo,physics,proteins,pubmed}.bench``.
Each is a **pickle** (protocol 3) of ``{hash: {"valid_perf", "perf", "latency", "para"}}``
with plain ints/floats and NumPy float64 scalars, so it is read only with ``allow_pickle=True``
and then through :mod:`suite.data.safe_pickle`'s restricted unpickler. The package is never
imported: its directory is located with :func:`importlib.util.find_spec`.

Contents per dataset: 26,206 architectures (proteins: the 2,021 that use only gcn, sage, arma,
fc and skip). Field meanings (package README: "validation performance", "test performance",
"latency", "number of parameters"):

* ``valid_perf`` / ``perf``: the dataset's performance measure as a fraction, **mean over the 3
  seeds** (on cora every value is a multiple of 1/1500 for the 500 validation nodes and of
  1/3000 for the 1,000 test nodes, i.e. a mean of 3 runs). Stored x100 as ``valid_acc`` /
  ``test_acc`` (%), seeds ``["mean"]``. For ``proteins`` (ogbn-proteins) the measure is the
  OGB ROC-AUC, not accuracy (test values 0.67-0.79, far below the >0.9 accuracy its class
  imbalance would give). The light files do not say at which epoch; the full per-epoch files
  (figshare) are not used here, so ``schedule`` and ``epochs`` are ``None``.
* ``latency``: seconds per inference pass as measured by the authors; ``para``: parameters in
  millions.
"""

from __future__ import annotations

import importlib.util
import io
import os
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from ...errors import NasSuiteError, SourceFormatError
from ...extras import install_hint
from ..cache import CacheWriter, MetricInfo, source_entry
from ..limits import current, read_bytes
from ..registry import GRAPH_CITATION, benchmark_spec
from ..safe_pickle import load_pickle
from ..spaces import nbgraph

CONVERTER = "nbgraph-pypi"
CONVERTER_VERSION = "1"
PACKAGE = "nas_bench_graph"
FIELDS = ("valid_perf", "perf", "latency", "para")

#: what each dataset is and which measure its "perf" fields hold
DATASET_DOC: dict[str, tuple[str, str]] = {
    "cora": ("Planetoid Cora citation graph", "node-classification accuracy"),
    "citeseer": ("Planetoid CiteSeer citation graph", "node-classification accuracy"),
    "pubmed": ("Planetoid PubMed citation graph", "node-classification accuracy"),
    "cs": ("Coauthor-CS graph", "node-classification accuracy"),
    "physics": ("Coauthor-Physics graph", "node-classification accuracy"),
    "photo": ("Amazon-Photo co-purchase graph", "node-classification accuracy"),
    "computers": ("Amazon-Computers co-purchase graph", "node-classification accuracy"),
    "arxiv": ("ogbn-arxiv citation graph", "node-classification accuracy"),
    "proteins": ("ogbn-proteins protein-association graph", "ROC-AUC (OGB metric)"),
}


def package_light_dir() -> Path:
    """``light/`` of the installed ``nas_bench_graph`` package, found without importing it."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise SourceFormatError(
            f"the nas-bench-graph package is not installed; {install_hint('graph')} "
            "or point the importer at a directory of its light/*.bench files"
        )
    return Path(list(spec.submodule_search_locations)[0]) / "light"


def locate(sources: Any) -> dict[str, Path]:
    """Dataset -> ``.bench`` path, from None (installed package), a directory or a list of files."""
    if sources is None:
        directory: Path | None = package_light_dir()
        files = sorted(directory.glob("*.bench"))
    else:
        items = [sources] if isinstance(sources, (str, os.PathLike)) else list(sources)
        files = []
        for item in items:
            p = Path(item)
            files.extend(sorted(p.glob("*.bench")) if p.is_dir() else [p])
    out = {p.stem: p for p in files}
    if not out:
        raise SourceFormatError(f"no NAS-Bench-Graph .bench files found in {sources}")
    return out


def read_bench(path: Path) -> pd.DataFrame:
    """One row per architecture hash (sorted), columns :data:`FIELDS` as float64.

    The file must be a regular file of at most ``max_read_bytes`` (:mod:`suite.data.limits`)."""
    limits = current()
    raw = read_bytes(path, limits=limits, hint="pass a NAS-Bench-Graph light/<dataset>.bench file")
    data = load_pickle(io.BytesIO(raw), source=str(path), limits=limits)
    if not isinstance(data, dict) or not data:
        raise SourceFormatError(f"{path.name}: expected a dict of architecture hash -> metrics")
    hashes = sorted(data)
    if not all(isinstance(h, int) for h in hashes):
        raise SourceFormatError(f"{path.name}: keys must be integer architecture hashes")
    rows = np.empty((len(hashes), len(FIELDS)))
    for i, h in enumerate(hashes):
        rec = data[h]
        try:
            rows[i] = [float(rec[f]) for f in FIELDS]
        except (KeyError, TypeError, ValueError):
            raise SourceFormatError(f"{path.name}: record {h} lacks numeric {', '.join(FIELDS)}") from None
    return pd.DataFrame(rows, columns=list(FIELDS), index=pd.Index(hashes, name="hash"))


def archs_frame(hashes: Sequence[int], source: str) -> pd.DataFrame:
    """Archs table of the given hashes; raises if two hashes are the same computation."""
    links, opss = zip(*(nbgraph.decode_hash(h) for h in hashes)) if len(hashes) else ((), ())
    keys = [nbgraph.canonical(lk, ops) for lk, ops in zip(links, opss)]
    if len(set(keys)) != len(keys):
        raise SourceFormatError(f"{source}: two architecture hashes describe the same computation; not a NAS-Bench-Graph table")
    frame = pd.DataFrame({
        "id": np.arange(len(hashes), dtype=np.int64),
        "arch": [nbgraph.arch_string(lk, ops) for lk, ops in zip(links, opss)],
        "key": keys,
        "hash": np.asarray(hashes, dtype=np.int64),
    })
    link_arr = np.array(links, dtype=np.int8).reshape(-1, nbgraph.N_NODES)
    op_arr = np.array([[nbgraph.OPS.index(o) for o in ops] for ops in opss], dtype=np.int8).reshape(-1, nbgraph.N_NODES)
    for k in range(nbgraph.N_NODES):
        frame[f"link_{k}"] = link_arr[:, k]
    for k in range(nbgraph.N_NODES):
        frame[f"op_{k}"] = op_arr[:, k]
    frame["arch"] = frame["arch"].astype(object)
    frame["key"] = frame["key"].astype(object)
    return frame


def _infos(dataset: str, source_file: str) -> dict[str, MetricInfo]:
    graph, measure = DATASET_DOC[dataset]
    base = {"trained_on": f"{graph}, the benchmark's training split (3 seeds)", "source_file": source_file}
    return {
        "valid_acc": MetricInfo(f"validation {measure} x 100, mean over 3 seeds", "%", "valid", True,
                                {**base, "evaluated_on": "the benchmark's validation split", "source_field": "valid_perf * 100"}),
        "test_acc": MetricInfo(f"test {measure} x 100, mean over 3 seeds", "%", "test", True,
                               {**base, "evaluated_on": "the benchmark's test split", "source_field": "perf * 100"}),
        "latency": MetricInfo("inference latency measured by the benchmark authors", "s", "none", False,
                              {"trained_on": "not applicable", "evaluated_on": graph, "source_file": source_file, "source_field": "latency"}),
        "params": MetricInfo("trainable parameters", "M", "none", False,
                             {"trained_on": "not applicable", "evaluated_on": "not applicable", "source_file": source_file, "source_field": "para"}),
    }


def convert(
    sources: Any,
    out_root: str | os.PathLike[str],
    *,
    allow_pickle: bool = False,
    datasets: Iterable[str] | str | None = None,
) -> list[Path]:
    """Build ``nbgraph/<dataset>`` caches.

    ``sources``: None (the installed package's ``light/``), a directory of ``.bench`` files or a
    list of them. ``allow_pickle`` must be True (the files are pickles; see module docstring).
    """
    if not allow_pickle:
        raise NasSuiteError(
            "NAS-Bench-Graph .bench files are Python pickles, and loading a pickle can execute code; nas-suite reads "
            "them (with a restricted loader) only when asked: re-run with --allow-pickle (allow_pickle=True)"
        )
    spec = benchmark_spec("nbgraph")
    found = locate(sources)
    for name in found:
        if name not in spec.datasets:
            raise SourceFormatError(f"{found[name]}: unknown NAS-Bench-Graph dataset {name!r}; expected one of {', '.join(spec.datasets)}")
    if datasets is None:
        wanted = [d for d in spec.datasets if d in found]
    else:
        wanted = [spec.canonical_dataset(d) for d in ([datasets] if isinstance(datasets, str) else datasets)]
        missing = [d for d in wanted if d not in found]
        if missing:
            raise SourceFormatError(f"no .bench file for {', '.join(missing)} in {sources or package_light_dir()}")
    written = []
    for dataset in wanted:
        path = found[dataset]
        table = read_bench(path)
        frame = archs_frame(table.index.tolist(), path.name)
        infos = _infos(dataset, path.name)
        with CacheWriter(
            out_root, "nbgraph", dataset,
            converter=CONVERTER, converter_version=CONVERTER_VERSION,
            citation=GRAPH_CITATION, licence="Apache-2.0 (THUMNLab/NAS-Bench-Graph, PyPI nas-bench-graph 1.4.0)",
            sources=[source_entry(path, "light benchmark table (pickle)")],
            rebuild=f"nas-suite data import nbgraph-pypi --allow-pickle {path.parent}",
            notes="Light tables: seed-mean final performance only; per-epoch curves are in the figshare files.",
        ) as writer:
            writer.write_archs(frame, nbgraph.ARCHS_COLUMNS)
            for name, column, scale in (("valid_acc", "valid_perf", 100.0), ("test_acc", "perf", 100.0),
                                        ("latency", "latency", 1.0), ("params", "para", 1.0)):
                writer.add_metric(
                    name, infos[name], (table[column].to_numpy() * scale)[:, None, None],
                    schedule=None, epochs=None, seeds=["mean"],
                    note="seed mean as published in the light table" if name.endswith("_acc") else "",
                )
        written.append(Path(out_root) / "nbgraph" / dataset)
    return written
