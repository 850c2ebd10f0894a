"""NAS-Bench-NLP WikiText-2 training logs (``logs.zip``) -> ``nbnlp/wikitext2`` cache.

Source: fmsnew/nas-bench-nlp-release @ a6d90a3, ``train_logs_wikitext-2/logs.zip`` (Apache-2.0):
345 JSON logs ``log_stats_model_<recepie_id>_<init_time>_<experiment_id>.json``, each one run of
the benchmark's ``main_one_model_train.py``. The archive is read in place (``zipfile``, never
extracted), with explicit limits on the number and size of members (:data:`MAX_MEMBERS`,
:data:`MAX_MEMBER_BYTES`, and the shared ``max_decompressed_bytes`` and JSON limits of
:mod:`suite.data.limits`) checked against the directory and again while
reading, so a damaged or hostile archive cannot exhaust memory.

What a log holds (from ``main_one_model_train.py`` / ``train.py`` of that commit):

* ``recepie``: the cell (JSON text, :mod:`suite.data.spaces.nbnlp`), used in every one of the
  ``nlayers = 3`` recurrent layers of an AWD-LSTM-style language model (``emsize`` 400, ``nhid``
  600, tied weights, Adam ``lr`` 1e-3, batch 20, ``bptt`` 70, dropouts as logged);
* ``train_losses``, ``val_losses``, ``test_losses``: after every epoch, the cross-entropy in nats
  per token (``exp`` = perplexity) of the model in evaluation mode on the whole WikiText-2
  training, validation and test split;
* ``wall_times``: seconds of each epoch's training pass (the three evaluations not included);
* ``num_params``: every parameter of the model (embedding and decoder included);
* ``status``: ``"OK"`` or why training stopped (``"loss is nan!"`` ends the run at that epoch).

Kept: runs with status ``"OK"`` and 50 finite epochs of all three losses and the wall times;
the others are counted by reason in the cache's ``notes`` (:func:`read_logs` returns them).
In the official file that is 341 runs, dropping 4 whose loss became NaN (after 1, 1, 19 and 23
epochs).

Rows are *cells*, not runs: runs whose cells have the same canonical key (renamed nodes,
reordered commutative inputs, or the same recepie trained again) are repeats of one
architecture, so they share a row. The 341 runs are 263 cells: 212 trained once, the rest 2 to
14 times. Per metric the cache holds

* a learning-curve block ``(n_cells, 1, 50)``: the **mean over the cell's runs** at each epoch
  (seeds ``["mean"]``; computed here, the source has no means), and
* a final-value block ``(n_cells, R, 1)`` at epoch 50 with one slot per run (seeds ``0..R-1`` =
  repeat index in ``(recepie_id, experiment_id)`` order, NaN beyond the cell's ``n_runs``),

so ``metric(name)`` is the run mean, ``metric(name, seed=k)`` run ``k`` and ``seed="sample"``
one real run. Every log shares one set of hyper-parameters (checked; :func:`read_logs` refuses
a file where one varies), recorded in the notes rather than as columns.

Orientation: losses are lower-is-better. Code that maximises a validation value (Baker's SRM and
its stopping rule, Hyperband, the early-stopping tables) reads ``neg_val_loss`` /
``neg_test_loss``, the same mean curves with the sign flipped; R², rank correlations and
absolute errors are the same for a loss and its negation.
"""

from __future__ import annotations

import json
import os
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ...errors import CorruptRecord, InvalidArchitecture, SourceFormatError
from .. import limits
from ..cache import CacheWriter, MetricInfo, source_entry
from ..registry import NLP_CITATION, benchmark_spec
from ..spaces import nbnlp

CONVERTER = "nbnlp-logs"
CONVERTER_VERSION = "1"
DATASET = "wikitext2"
FILE_NAME = "logs.zip"
N_EPOCHS = 50
#: the ``data`` field of the logs this converter reads
DATA_FIELD = "data/wikitext-2"
#: most members an archive may list (the official one has 345; NAS-Bench-NLP's PTB set ~14k)
MAX_MEMBERS = 100_000
#: largest uncompressed training log accepted (the official ones are about 5 KB)
MAX_MEMBER_BYTES = 1 << 20
#: per-run fields; every other field of a log is a setting that must be the same in every log
PER_RUN = ("recepie_id", "recepie", "experiment_id", "init_time", "num_params", "wall_times",
           "train_losses", "val_losses", "test_losses", "status")
_CURVES = ("train_losses", "val_losses", "test_losses", "wall_times")
__all__ = ["CellTable", "LogSet", "Run", "convert", "group_cells", "read_logs"]

_MEMBER_RE = re.compile(r"(?:^|/)log_stats_model_(\d+)_[^/]*\.json$")


@dataclass(frozen=True)
class Run:
    """One kept training run: its cell and its 50-epoch curves (float64 ``(50,)`` each)."""

    member: str
    recepie_id: int
    experiment_id: int
    recepie: str
    key: str
    num_params: int
    train: np.ndarray
    val: np.ndarray
    test: np.ndarray
    wall: np.ndarray


@dataclass
class LogSet:
    """What :func:`read_logs` found: kept runs, dropped logs by reason, the shared settings."""

    runs: list[Run]
    dropped: dict[str, list[str]] = field(default_factory=dict)  # reason -> member names
    settings: dict[str, Any] = field(default_factory=dict)
    n_logs: int = 0
    other_members: int = 0  # archive members that are not training logs (ignored)

    def summary(self) -> str:
        """One line: logs read, runs kept, dropped by reason."""
        why = "; ".join(f"{reason}: {len(names)}" for reason, names in sorted(self.dropped.items()))
        n_dropped = sum(len(v) for v in self.dropped.values())
        extra = f"; {self.other_members} other archive member(s) ignored" if self.other_members else ""
        return (f"{self.n_logs} training logs: {len(self.runs)} complete {N_EPOCHS}-epoch runs kept, "
                f"{n_dropped} dropped ({why or 'none'}){extra}")


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split()) or type(err).__name__


def _open_archive(path: Path) -> zipfile.ZipFile:
    if not path.is_file():  # a directory, FIFO or device is never opened
        raise SourceFormatError(f"{path}: not a regular file; give the path of {FILE_NAME}")
    try:
        return zipfile.ZipFile(path)
    except zipfile.BadZipFile as err:
        raise CorruptRecord(f"{path.name}: not a readable zip archive ({_one_line(err)}); it is truncated or damaged, "
                            "download train_logs_wikitext-2/logs.zip again") from None
    except OSError as err:
        raise SourceFormatError(f"cannot read {path}: {err.strerror or _one_line(err)}") from None


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, source: str) -> Any:
    where = f"{source}: member {info.filename}"
    try:
        with archive.open(info) as handle:
            raw = handle.read(MAX_MEMBER_BYTES + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as err:
        raise CorruptRecord(f"{where} is damaged ({_one_line(err)}); download logs.zip again") from None
    except (RuntimeError, NotImplementedError) as err:  # encrypted or an unsupported compression
        raise SourceFormatError(f"{where} cannot be read ({_one_line(err)})") from None
    if len(raw) > MAX_MEMBER_BYTES:
        raise SourceFormatError(f"{where} expands beyond {MAX_MEMBER_BYTES} bytes; not a NAS-Bench-NLP training log")
    return limits.parse_json(raw, source=where)  # size and nesting under the shared import limits


def _curve(rec: dict[str, Any], name: str, where: str) -> np.ndarray:
    values = rec.get(name)
    if not isinstance(values, list) or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        raise SourceFormatError(f"{where}: {name} must be a list of numbers")
    return np.asarray(values, dtype=np.float64)


def _check_fields(rec: Any, where: str) -> None:
    if not isinstance(rec, dict):
        raise SourceFormatError(f"{where}: a training log must be a JSON object")
    missing = [k for k in PER_RUN if k not in rec]
    if missing:
        raise SourceFormatError(f"{where}: not a NAS-Bench-NLP training log (lacks {', '.join(missing)})")
    for name in ("recepie_id", "experiment_id", "num_params"):
        if isinstance(rec[name], bool) or not isinstance(rec[name], int):
            raise SourceFormatError(f"{where}: {name} must be an integer, got {rec[name]!r}")
    if not isinstance(rec["recepie"], str) or not isinstance(rec["status"], str):
        raise SourceFormatError(f"{where}: recepie and status must be strings")
    if rec.get("data") != DATA_FIELD:
        raise SourceFormatError(f"{where}: data is {rec.get('data')!r}; this converter reads the WikiText-2 logs "
                                f"(data = {DATA_FIELD!r})")


def _drop_reason(rec: dict[str, Any], curves: dict[str, np.ndarray]) -> str | None:
    if rec["status"] != "OK":
        return f"status {rec['status']!r}"
    if rec.get("epochs") != N_EPOCHS or any(len(c) != N_EPOCHS for c in curves.values()):
        return f"fewer than {N_EPOCHS} epochs"
    if not all(np.isfinite(c).all() for c in curves.values()):
        return "non-finite loss or time"
    return None


def read_logs(path: str | os.PathLike[str]) -> LogSet:
    """Read every training log of ``logs.zip`` in place; raise named errors for a bad archive.

    :class:`~suite.errors.CorruptRecord`: an unreadable/truncated archive, a member whose bytes
    are damaged or that is not JSON. :class:`~suite.errors.SourceFormatError`: too many or too
    large members, a log lacking fields, a log of another dataset, a cell the benchmark's code
    could not have trained, or a setting that differs between logs.
    """
    path = Path(path)
    logs = LogSet(runs=[])
    settings: dict[str, Any] | None = None
    with _open_archive(path) as archive:
        try:
            infos = [i for i in archive.infolist() if not i.is_dir()]
        except (zipfile.BadZipFile, OSError) as err:  # pragma: no cover - infolist is read on open
            raise CorruptRecord(f"{path.name}: damaged zip directory ({_one_line(err)})") from None
        if len(infos) > MAX_MEMBERS:
            raise SourceFormatError(f"{path.name}: {len(infos)} members, more than the {MAX_MEMBERS} accepted")
        logs_infos = [i for i in infos if _MEMBER_RE.search(i.filename)]
        logs.other_members = len(infos) - len(logs_infos)
        if not logs_infos:
            raise SourceFormatError(f"{path.name}: no log_stats_model_<id>_*.json member; not NAS-Bench-NLP's logs.zip")
        limits.current().check("max_decompressed_bytes", sum(i.file_size for i in logs_infos), path.name,
                               "the bytes its log members expand to")
        for info in sorted(logs_infos, key=lambda i: i.filename):
            if info.file_size > MAX_MEMBER_BYTES:
                raise SourceFormatError(f"{path.name}: member {info.filename} has {info.file_size} bytes, more than "
                                        f"the {MAX_MEMBER_BYTES} a training log may have")
            where = f"{path.name}: {info.filename}"
            rec = _read_member(archive, info, path.name)
            _check_fields(rec, where)
            logs.n_logs += 1
            shared = {k: v for k, v in rec.items() if k not in PER_RUN}
            if settings is None:
                settings = shared
            elif shared != settings:
                diff = sorted(k for k in shared.keys() | settings.keys() if shared.get(k) != settings.get(k))
                raise SourceFormatError(
                    f"{where}: setting {diff[0]} is {shared.get(diff[0])!r} here but {settings.get(diff[0])!r} in "
                    "other logs; this converter expects one training recipe for every run"
                )
            curves = {name: _curve(rec, name, where) for name in _CURVES}
            reason = _drop_reason(rec, curves)
            if reason is not None:
                logs.dropped.setdefault(reason, []).append(info.filename)
                continue
            try:
                key = nbnlp.NBNLPSpace().key(rec["recepie"])
            except InvalidArchitecture as err:
                raise SourceFormatError(f"{where}: its cell is not a valid NAS-Bench-NLP cell ({err})") from None
            logs.runs.append(Run(info.filename, rec["recepie_id"], rec["experiment_id"], rec["recepie"], key,
                                 rec["num_params"], curves["train_losses"], curves["val_losses"],
                                 curves["test_losses"], curves["wall_times"]))
    logs.settings = settings or {}
    logs.runs.sort(key=lambda r: (r.recepie_id, r.experiment_id, r.member))
    return logs


@dataclass
class CellTable:
    """Runs grouped into cells: ``frame`` (archs table) and per-run arrays ``(n_cells, R, 50)``."""

    frame: pd.DataFrame
    runs: dict[str, np.ndarray]  # train, val, test, time (cumulative seconds)
    params: np.ndarray  # (n_cells,) raw parameter counts


def group_cells(runs: Sequence[Run], source: str = FILE_NAME) -> CellTable:
    """One row per canonical cell, in order of first appearance in ``runs`` (sorted by recepie_id)."""
    groups: dict[str, list[Run]] = {}
    for run in runs:
        groups.setdefault(run.key, []).append(run)
    cells = list(groups.values())
    width = max((len(g) for g in cells), default=1)
    arrays = {name: np.full((len(cells), width, N_EPOCHS), np.nan) for name in ("train", "val", "test", "time")}
    params = np.empty(len(cells))
    for i, group in enumerate(cells):
        counts = {r.num_params for r in group}
        if len(counts) != 1:
            raise SourceFormatError(f"{source}: runs of one cell report different num_params {sorted(counts)} "
                                    f"(recepie_ids {[r.recepie_id for r in group]})")
        params[i] = counts.pop()
        for k, run in enumerate(group):
            arrays["train"][i, k], arrays["val"][i, k], arrays["test"][i, k] = run.train, run.val, run.test
            arrays["time"][i, k] = np.cumsum(run.wall)
    frame = pd.DataFrame({
        "id": np.arange(len(cells), dtype=np.int64),
        "arch": pd.Series([g[0].recepie for g in cells], dtype=object),
        "key": pd.Series([g[0].key for g in cells], dtype=object),
        "cell": pd.Series([g[0].key for g in cells], dtype=object),
    })
    parsed = [nbnlp.parse_cell(g[0].recepie) for g in cells]
    frame["n_nodes"] = np.array([len(c.nodes) for c in parsed], dtype=np.int16)
    frame["n_hidden"] = np.array([c.n_hidden for c in parsed], dtype=np.int8)
    frame["n_runs"] = np.array([len(g) for g in cells], dtype=np.int8)
    frame["recepie_ids"] = pd.Series([",".join(str(r.recepie_id) for r in g) for g in cells], dtype=object)
    return CellTable(frame, arrays, params)


def _describe_settings(settings: dict[str, Any]) -> str:
    keep = ("emsize", "nhid", "nlayers", "dropout", "dropouth", "dropouti", "dropoute", "wdrop", "tied", "bptt",
            "lr", "wdecay", "batch_size", "epochs", "alpha", "beta", "clip")
    return ", ".join(f"{k}={settings[k]}" for k in keep if k in settings)


def convert(
    sources: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    out_root: str | os.PathLike[str],
    *,
    datasets: Sequence[str] | None = None,
) -> list[Path]:
    """Build ``nbnlp/wikitext2`` from ``logs.zip`` (a path or its directory).

    ``datasets`` exists for the CLI's ``--dataset``; these logs are WikiText-2 only.
    """
    for name in datasets or ():
        benchmark_spec("nbnlp").canonical_dataset(name)
    items = [sources] if isinstance(sources, (str, os.PathLike)) else list(sources)
    if len(items) != 1:
        raise SourceFormatError(f"{CONVERTER} takes one file ({FILE_NAME}), got {len(items)}")
    path = Path(items[0])
    if path.is_dir():
        path = path / FILE_NAME
    logs = read_logs(path)
    if not logs.runs:
        raise SourceFormatError(f"{path.name}: no complete {N_EPOCHS}-epoch run ({logs.summary()})")
    table = group_cells(logs.runs, path.name)
    frame, runs = table.frame, table.runs
    n_cells, width = len(frame), runs["val"].shape[1]
    recipe = _describe_settings(logs.settings)
    trained = f"WikiText-2 training split, {N_EPOCHS} epochs, a 3-layer AWD-LSTM-style language model with this cell ({recipe})"
    epochs = list(range(1, N_EPOCHS + 1))
    mean_note = (f"mean over the cell's complete runs at each epoch (computed by the converter): "
                 f"{int((frame['n_runs'] == 1).sum())} cells have 1 run, {int((frame['n_runs'] > 1).sum())} have 2-"
                 f"{int(frame['n_runs'].max())}")
    run_note = (f"final (epoch {N_EPOCHS}) value of each run; slot k = the cell's k-th run in (recepie_id, "
                "experiment_id) order, NaN beyond its n_runs")
    dropped = "; ".join(f"{reason}: {', '.join(names)}" for reason, names in sorted(logs.dropped.items()))
    notes = (f"{logs.summary()}. {len(logs.runs)} runs = {n_cells} distinct cells (canonical key). "
             f"Shared settings of every log: {json.dumps(logs.settings, sort_keys=True)}."
             + (f" Dropped logs: {dropped}." if dropped else ""))
    base = {"trained_on": trained, "source_file": path.name}
    losses = {
        "val_loss": ("val", "validation", "valid", "the WikiText-2 validation split", "val_losses"),
        "test_loss": ("test", "test", "test", "the WikiText-2 test split", "test_losses"),
        "train_loss": ("train", "training", "train", "the whole WikiText-2 training split (evaluation mode, no dropout)",
                       "train_losses"),
    }
    with CacheWriter(
        out_root, "nbnlp", DATASET,
        converter=CONVERTER, converter_version=CONVERTER_VERSION,
        citation=NLP_CITATION, licence="Apache-2.0 (fmsnew/nas-bench-nlp-release)",
        sources=[source_entry(path, "training logs (zip of JSON)")],
        rebuild=f"nas-suite data import nbnlp-logs {path}",
        default_schedule=N_EPOCHS,
        notes=notes,
    ) as writer:
        writer.write_archs(frame, nbnlp.ARCHS_COLUMNS)
        for name, (arr, split_word, split, evaluated, field_name) in losses.items():
            info = MetricInfo(
                f"{split_word} cross-entropy loss, nats per token (exp = perplexity)", "nats/token", split, False,
                {**base, "evaluated_on": f"{evaluated}, after every epoch", "source_field": f"{field_name}[e - 1]"},
            )
            writer.add_metric(name, info, _nanmean(runs[arr])[:, None, :],
                              schedule=N_EPOCHS, epochs=epochs, seeds=["mean"], note=mean_note)
            writer.add_metric(name, info, runs[arr][:, :, -1:], schedule=N_EPOCHS, epochs=[N_EPOCHS],
                              seeds=list(range(width)), note=run_note)
        for name, source in (("neg_val_loss", "val_loss"), ("neg_test_loss", "test_loss")):
            arr, split_word, split, evaluated, field_name = losses[source]
            writer.add_metric(
                name,
                MetricInfo(f"minus the {split_word} cross-entropy loss (nats per token): {source} with the sign flipped, "
                           "for code that maximises a validation value (SRM, early stopping, searches)",
                           "-nats/token", split, True,
                           {**base, "evaluated_on": f"{evaluated}, after every epoch",
                            "source_field": f"-{field_name}[e - 1]", "transform": f"-{source}"}),
                -_nanmean(runs[arr])[:, None, :], schedule=N_EPOCHS, epochs=epochs, seeds=["mean"],
                note=f"-{source}; " + mean_note,
            )
        time_info = MetricInfo(
            "seconds of training up to the epoch (cumulative sum of the log's per-epoch training-pass wall times; "
            "evaluations not included)", "s", "train", False,
            {**base, "evaluated_on": "not applicable", "source_field": "cumsum(wall_times)[e - 1]"},
        )
        writer.add_metric("train_time", time_info, _nanmean(runs["time"])[:, None, :], schedule=N_EPOCHS,
                          epochs=epochs, seeds=["mean"], note=mean_note)
        writer.add_metric("train_time", time_info, runs["time"][:, :, -1:], schedule=N_EPOCHS, epochs=[N_EPOCHS],
                          seeds=list(range(width)), note=run_note)
        writer.add_metric(
            "params",
            MetricInfo("parameters of the whole language model (embedding, 3 recurrent layers, tied decoder)", "M",
                       "none", False, {"trained_on": "not applicable", "evaluated_on": "not applicable",
                                       "source_file": path.name, "source_field": "num_params / 1e6"}),
            (table.params / 1e6)[:, None, None], schedule=None, epochs=None, seeds=["mean"],
            note="the same in every run of a cell (checked)",
        )
    return [Path(out_root) / "nbnlp" / DATASET]


def _nanmean(values: np.ndarray) -> np.ndarray:
    """Mean over axis 1 ignoring NaN slots (every cell has at least one run)."""
    valid = ~np.isnan(values)
    return np.where(valid, values, 0.0).sum(axis=1) / valid.sum(axis=1)


