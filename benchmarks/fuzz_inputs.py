"""Hostile and clumsy inputs against the ``nas-suite`` command and the query API; counts the outcomes.

Usage (from anywhere; minutes, ``--quick`` one or two; the JSON records the wall time and the machine)::

    python benchmarks/fuzz_inputs.py            # every case -> benchmarks/results/fuzz_inputs.json
    python benchmarks/fuzz_inputs.py --quick    # a small subset -> benchmarks/results/fuzz_inputs_quick.json
    python benchmarks/fuzz_inputs.py --group importer --show traceback   # one group, print the failures

A table-driven campaign. Every case is one fresh process (``python -m suite.cli ...``, or a few lines
of ``python -c`` for the Python API) in its own scratch directory, with ``$NAS_SUITE_DATA`` unset
and ``$XDG_DATA_HOME`` pointed into the scratch directory, so nothing outside it is read as a
cache or written. The inputs:

* ``cli``: bad arguments (counts, choices, paths that are files, FIFOs, read-only or too long,
  unreachable Dask and Ray addresses, a grid over the cap);
* ``override``: bad ``--set key=value`` values on a one-cell spec;
* ``spec``: bad TOML spec files (syntax, encoding, types, unknown keys, FIFOs, nesting bombs) and
  shipped configs of every run kind with bad overrides;
* ``importer``: every importer on its ``suite.testing`` fixture (or a hand-written file in its
  format) mutated: truncated, bit-flipped, zero-filled, prefixed, emptied, replaced by a
  directory, a FIFO or ``/dev/zero``, and decompression, nesting and length bombs;
* ``cache``: a copy of the embedded NB-201 cache with a damaged ``metadata.json``, ``archs.parquet``
  or metric array, then ``data info``, ``data verify`` and a run on it;
* ``run-dir``: a finished one-cell run with a damaged ``meta.json``, ``records.parquet``,
  journal or ``config.toml``, then ``report`` and a resume;
* ``api``: misuse of ``suite.load`` and the ``Benchmark`` queries (wrong types, ranges, names).

Each outcome is one of:

* ``clean``: exit status 2 and exactly one stderr line ``nas-suite: error: ...`` (warnings
  ``nas-suite: warning: ...`` aside); for the API, a :class:`suite.errors.NasSuiteError`;
* ``traceback``: a Python traceback, exit status 1 with ``nas-suite: error: unexpected ...``
  (an exception ``main()`` did not expect, a traceback with ``--debug``), or death by a signal;
* ``hang``: no exit within the timeout (the process group is killed);
* ``accepted``: exit status 0;
* ``messy``: any other failure (exit status 2 with several lines, or no ``nas-suite: error:`` prefix).

Cases say what they expect: ``error`` (hostile input must be refused), ``accept`` (clumsy but
valid input must work) or ``either`` (a flipped bit in a float is undetectable, for instance);
``accepted_hostile`` and ``refused_valid`` count the cases that did the opposite.
For every traceback the case is run again with ``--debug`` and the traceback's last lines are kept
in the JSON, so the report says where to fix it. docs/reliability.md quotes the counts.
"""

from __future__ import annotations

import argparse
import bz2
import functools
import io
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from bench_record import machine  # beside this script: benchmarks/ is sys.path[0]

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
RESULTS = REPO / "benchmarks" / "results"
OUTCOMES = ("clean", "traceback", "hang", "accepted", "messy")

Setup = Callable[[Path, Path], None]  # (case workspace, shared fixtures)


@dataclass
class Case:
    """One input: a command line (``argv``) or API code (``code``), the files it needs, what it expects."""

    group: str
    name: str
    argv: list[str] | None = None
    code: str | None = None
    setup: Setup | None = None
    expect: str = "error"  # "error", "accept" or "either"
    quick: bool = False
    timeout: float | None = None


@dataclass
class Outcome:
    case: Case
    outcome: str
    rc: int | None
    seconds: float
    stderr: str
    traceback: str = ""
    command: list[str] = field(default_factory=list)


# -- mutations of bytes (deterministic per case) ----------------------------------------------------------


def _rng(name: str) -> random.Random:
    return random.Random(zlib.crc32(name.encode()))


def flip_bits(data: bytes, n: int, name: str) -> bytes:
    rng, out = _rng(name), bytearray(data)
    for _ in range(n):
        i = rng.randrange(len(out))
        out[i] ^= 1 << rng.randrange(8)
    return bytes(out)


MUTATIONS: dict[str, Callable[[bytes, str], bytes]] = {
    "truncated-half": lambda d, n: d[: len(d) // 2],
    "cut-last-3-bytes": lambda d, n: d[:-3],
    "first-16-bytes": lambda d, n: d[:16],
    "flip-1-bit": lambda d, n: flip_bits(d, 1, n),
    "flip-64-bits": lambda d, n: flip_bits(d, 64, n),
    "zero-filled": lambda d, n: bytes(len(d)),
    "garbage-prefix": lambda d, n: b"\x00\xffGARBAGE" * 4 + d,
    "garbage-suffix": lambda d, n: d + b"\x00\xffGARBAGE" * 4,
    "empty": lambda d, n: b"",
    "random-bytes": lambda d, n: _rng(n).randbytes(max(len(d), 64)),
}
QUICK_MUTATIONS = {"truncated-half", "flip-64-bits", "empty"}


def replace_with(kind: str, path: Path) -> None:
    """Put something that is not a regular file where ``path`` was: a directory, a FIFO, /dev/zero, nothing."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
    if kind == "directory":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    elif kind == "symlink-loop":
        path.symlink_to(path.name)
    elif kind != "missing":
        raise ValueError(kind)


SPECIALS = ("directory", "fifo", "dev-zero", "missing", "symlink-loop")


def damage(path: Path, mutation: str) -> None:
    """Damage the file at ``path`` in place: a byte mutation, a bomb, or something not a file."""
    if mutation in SPECIALS:
        replace_with(mutation, path)
    elif mutation in MUTATIONS:
        path.write_bytes(MUTATIONS[mutation](path.read_bytes(), f"{path.name}:{mutation}"))
    else:
        path.write_bytes(BOMBS[mutation]())


def mutate_file(rel: str, mutation: str) -> Setup:
    """Setup: copy the shared fixture ``rel`` into the workspace and damage it (or replace it)."""

    def setup(ws: Path, base: Path) -> None:
        src, dst = base / rel, ws / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, symlinks=True)
        else:
            shutil.copy(src, dst)
        damage(dst, mutation)

    return setup


def damage_copied(rel: str, mutation: str) -> Setup:
    """Setup step after a copy: damage the workspace file ``rel`` in place."""
    return lambda ws, base: damage(ws / rel, mutation)


def copy(*rels: str) -> Setup:
    def setup(ws: Path, base: Path) -> None:
        for rel in rels:
            src, dst = base / rel, ws / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            (shutil.copytree if src.is_dir() else shutil.copy)(src, dst)

    return setup


def chain(*setups: Setup) -> Setup:
    def setup(ws: Path, base: Path) -> None:
        for s in setups:
            s(ws, base)

    return setup


def write(rel: str, content: bytes | str | Callable[[], bytes]) -> Setup:
    def setup(ws: Path, base: Path) -> None:
        path = ws / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content() if callable(content) else content
        path.write_bytes(data.encode() if isinstance(data, str) else data)

    return setup


def special(rel: str, kind: str) -> Setup:
    def setup(ws: Path, base: Path) -> None:
        path = ws / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        replace_with(kind, path)

    return setup


# -- bombs ----------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def bz2_bomb(gib: int = 1) -> bytes:
    """One GiB of zeros in a few kB: a 64 MiB bz2 stream repeated (multi-stream, as bzip2 allows)."""
    one = bz2.compress(bytes(64 << 20), 9)
    return one * (16 * gib)


@functools.lru_cache(maxsize=None)
def zip_bomb() -> bytes:
    """A zip whose one member inflates to 1 GiB of zeros (about 1 MB on disk)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("logs/bomb.json", "w", force_zip64=True) as member:
            block = bytes(16 << 20)
            for _ in range(64):
                member.write(block)
    return buf.getvalue()


def zip_many_members(n: int = 200_000) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for i in range(n):
            zf.writestr(f"logs/{i}.json", b"{}")
    return buf.getvalue()


def json_nesting_bomb(depth: int = 200_000) -> bytes:
    return b"[" * depth + b"]" * depth


def tfrecord_length_bomb() -> bytes:
    """A tfrecord header claiming a 2**62-byte record, with a valid CRC of that length."""
    import struct

    from suite.data.tfrecord import masked_crc32c

    length = struct.pack("<Q", 1 << 62)
    return length + struct.pack("<I", masked_crc32c(length)) + b"x" * 64


def npy_shape_bomb() -> bytes:
    """A .npy header promising 10**12 float64 values over a few bytes of data."""
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,), }"
    header += " " * (63 - (len(header) + 10) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode() + bytes(64)


BOMBS: dict[str, Callable[[], bytes]] = {
    "bz2-bomb-1GiB": bz2_bomb,
    "zip-bomb-1GiB": zip_bomb,
    "zip-200k-members": zip_many_members,
    "json-nesting-bomb": json_nesting_bomb,
    "tfrecord-length-bomb": tfrecord_length_bomb,
    "npy-shape-bomb": npy_shape_bomb,
}


# -- shared fixtures --------------------------------------------------------------------------------------

TINY = """\
name = "tiny"
benchmark = "nb201"
dataset = "cifar10"
predictors = ["ols"]
train_sizes = [20]
test_size = 50
seeds = 1
"""

NATS_DIR = "NATS-tss-v1_0-3ffb9-simple"
PTH = "NAS-Bench-201-v1_0-e61699.pth"


def build_fixtures(base: Path, python: str, env: dict[str, str]) -> dict[str, bool]:
    """Write every shared fixture once; returns which optional ones exist."""
    from suite.testing.nb101 import converted_fixture
    from suite.testing.nb201 import write_nats_tss_dir, write_nats_tss_tar

    (base / "tiny.toml").write_text(TINY)
    (base / "afile").write_text("a regular file\n")
    (base / "nb101").mkdir()
    converted_fixture(base / "nb101", n_cells=12)  # nb101/fixture.tfrecord and nb101/cache/
    shutil.copy(base / "nb101" / "fixture.tfrecord", base / "nasbench_only108.tfrecord")
    write_nats_tss_dir(base / NATS_DIR)
    write_nats_tss_tar(base / f"{NATS_DIR}.tar")
    have = {"pth": False}
    try:
        from suite.testing.nb201 import write_nb201_pth

        write_nb201_pth(base / PTH)
        have["pth"] = True
    except ImportError:
        pass
    # a cache root holding a copy of the embedded NB-201 CIFAR-10 cache
    shutil.copytree(REPO / "data" / "nb201" / "cifar10", base / "cache" / "nb201" / "cifar10")
    # hand-written files in the formats without a suite.testing writer
    (base / "nas-bench-macro_cifar10.json").write_text(json.dumps(
        {"00000000": {"test_acc": [91.0, 91.5, 90.8], "mean_acc": 91.1, "std": 0.3, "params": 1.0, "flops": 1.0}}))
    (base / "zc_nasbench201.json").write_text(json.dumps(
        {"cifar10": {"(0, 2, 3, 2, 3, 1)": {"snip": {"score": 1.0, "time": 0.1}, "val_accuracy": 90.0}}}))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("train_logs_wikitext-2/log_0.json", json.dumps({"recepie": {}, "train_losses": [6.0, 5.5]}))
    (base / "logs.zip").write_bytes(buf.getvalue())
    (base / "derived").mkdir()
    (base / "derived" / "nats_test_acc_200ep.csv").write_text("arch,acc\nnot,a,table\n\x00\x01")
    # a finished one-cell run to damage
    proc = subprocess.run([python, "-m", "suite.cli", "run", str(base / "tiny.toml"), "--results", str(base / "run")],
                          cwd=base, env=env, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise SystemExit(f"could not make the reference run:\n{proc.stdout}{proc.stderr}")
    return have


# -- the cases --------------------------------------------------------------------------------------------

R = ["--results", "{ws}/results"]
TINY_ARGS = ["run", "{base}/tiny.toml", *R]


def cli(group: str, name: str, argv: list[str], setup: Setup | None = None, expect: str = "error",
        quick: bool = False, timeout: float | None = None) -> Case:
    return Case(group, name, argv=argv, setup=setup, expect=expect, quick=quick, timeout=timeout)


def api(name: str, body: str, setup: Setup | None = None, expect: str = "error", quick: bool = False) -> Case:
    return Case("api", name, code=body, setup=setup, expect=expect, quick=quick)


def cli_cases() -> list[Case]:
    long_name = "{ws}/" + "a" * 300
    return [
        cli("cli", "no arguments", [], quick=True),
        cli("cli", "unknown command", ["bogus"]),
        cli("cli", "run without a config", ["run"]),
        cli("cli", "run a missing config", ["run", "{ws}/missing.toml"], quick=True),
        cli("cli", "--jobs 0", [*TINY_ARGS, "--jobs", "0"], quick=True),
        cli("cli", "--jobs -3", [*TINY_ARGS, "--jobs", "-3"]),
        cli("cli", "--jobs x", [*TINY_ARGS, "--jobs", "x"]),
        cli("cli", "--jobs 1000 (capped at the cores)", [*TINY_ARGS, "--jobs", "1000"], expect="accept", quick=True),
        cli("cli", "--jobs 10**20", [*TINY_ARGS, "--jobs", "1" + "0" * 20], expect="accept"),
        cli("cli", "--limit -1", [*TINY_ARGS, "--limit", "-1"], expect="either"),
        cli("cli", "--limit x", [*TINY_ARGS, "--limit", "x"]),
        cli("cli", "--backend mpi", [*TINY_ARGS, "--backend", "mpi"]),
        cli("cli", "--backend dask without --scheduler", [*TINY_ARGS, "--backend", "dask"]),
        cli("cli", "unreachable Dask scheduler", [*TINY_ARGS, "--backend", "dask", "--scheduler", "tcp://127.0.0.1:1"],
            quick=True),
        cli("cli", "Dask scheduler with an http:// address", [*TINY_ARGS, "--backend", "dask", "--scheduler", "http://x:1"]),
        cli("cli", "unreachable Ray cluster", [*TINY_ARGS, "--backend", "ray", "--address", "127.0.0.1:1"], quick=True),
        cli("cli", "Ray address without a port", [*TINY_ARGS, "--backend", "ray", "--address", "nonsense"]),
        cli("cli", "--results is a file", ["run", "{base}/tiny.toml", "--results", "{base}/afile"], quick=True),
        cli("cli", "--results /dev/null", ["run", "{base}/tiny.toml", "--results", "/dev/null"]),
        cli("cli", "--results inside /proc", ["run", "{base}/tiny.toml", "--results", "/proc/nas-suite-fuzz"]),
        cli("cli", "--results read-only (sysfs)", ["run", "{base}/tiny.toml", "--results", "/sys/nas-suite-fuzz"],
            quick=True),
        cli("cli", "--results name too long", ["run", "{base}/tiny.toml", "--results", long_name]),
        cli("cli", "--results ''", ["run", "{base}/tiny.toml", "--results", ""], expect="either"),
        cli("cli", "--device nope on a predictor run", [*TINY_ARGS, "--device", "nope"], expect="either"),
        cli("cli", "data info nb999", ["data", "info", "nb999"]),
        cli("cli", "data info nb201/svhn", ["data", "info", "nb201/svhn"]),
        cli("cli", "data info ''", ["data", "info", ""]),
        cli("cli", "--root missing directory", ["--root", "{ws}/missing", "data", "info", "nb201"]),
        cli("cli", "--root is a file", ["--root", "{base}/afile", "data", "info", "nb201"]),
        cli("cli", "--root is a FIFO", ["--root", "{ws}/fifo", "data", "info", "nb201"], special("fifo", "fifo")),
        cli("cli", "data verify nb999", ["data", "verify", "nb999"]),
        cli("cli", "data import: unknown importer", ["data", "import", "nope", "{base}/afile", "--out", "{ws}/c"]),
        cli("cli", "data import: missing source", ["data", "import", "nb101-tfrecord", "{ws}/x.tfrecord", "--out", "{ws}/c"]),
        cli("cli", "data import: -o without =", ["data", "import", "nb101-tfrecord", "{base}/nasbench_only108.tfrecord",
                                                  "-o", "bad", "--out", "{ws}/c"]),
        cli("cli", "data import: unknown -o option", ["data", "import", "nb101-tfrecord", "{base}/nasbench_only108.tfrecord",
                                                       "-o", "foo=1", "--out", "{ws}/c"]),
        cli("cli", "data import: --allow-pickle where none is read",
            ["data", "import", "nb101-tfrecord", "{base}/nasbench_only108.tfrecord", "--allow-pickle", "--out", "{ws}/c"]),
        cli("cli", "data import: pickles without --allow-pickle", ["data", "import", "nb201-nats", f"{{base}}/{NATS_DIR}",
                                                                   "--out", "{ws}/c"]),
        cli("cli", "data import: --dataset svhn", ["data", "import", "nb101-tfrecord", "{base}/nasbench_only108.tfrecord",
                                                    "--dataset", "svhn", "--out", "{ws}/c"]),
        cli("cli", "data import: --out is a file", ["data", "import", "nb101-tfrecord", "{base}/nasbench_only108.tfrecord",
                                                     "--out", "{base}/afile"]),
        cli("cli", "data import: --out read-only (sysfs)", ["data", "import", "nb101-tfrecord",
                                                             "{base}/nasbench_only108.tfrecord", "--out", "/sys/nas-suite-fuzz"]),
        cli("cli", "data import: clean fixture", ["data", "import", "nb101-tfrecord", "{base}/nasbench_only108.tfrecord",
                                                   "--out", "{ws}/c"], expect="accept", quick=True),
        cli("cli", "data download: unknown name", ["data", "download", "nope", "--dest", "{ws}"]),
        cli("cli", "data download: unreachable URL", ["data", "download", "http://127.0.0.1:1/x.bin", "--dest", "{ws}",
                                                       "--no-verify"]),
        cli("cli", "report a missing directory", ["report", "{ws}/missing"], quick=True),
        cli("cli", "report a file", ["report", "{base}/afile"]),
        cli("cli", "report ''", ["report", ""]),
        cli("cli", "reproduce an unknown config", ["reproduce", "nope"]),
        cli("cli", "reproduce --jobs 0", ["reproduce", "quickstart", "--jobs", "0", *R]),
        cli("cli", "proxies compute: unknown proxy", ["proxies", "compute", "--benchmark", "nb201", "--proxy", "nope",
                                                       "--device", "cpu", *R, "--out", "{ws}/c"]),
        cli("cli", "proxies compute: --archs lots", ["proxies", "compute", "--benchmark", "nb201", "--proxy", "params",
                                                      "--archs", "lots", "--device", "cpu", *R, "--out", "{ws}/c"]),
        cli("cli", "proxies compute: --archs -5", ["proxies", "compute", "--benchmark", "nb201", "--proxy", "params",
                                                    "--archs", "-5", "--device", "cpu", *R, "--out", "{ws}/c"]),
        cli("cli", "proxies compute: --batch-size 0", ["proxies", "compute", "--benchmark", "nb201", "--proxy", "params",
                                                        "--archs", "3", "--batch-size", "0", "--device", "cpu", *R,
                                                        "--out", "{ws}/c"]),
        cli("cli", "proxies compute: --chunk 0", ["proxies", "compute", "--benchmark", "nb201", "--proxy", "params",
                                                   "--archs", "3", "--chunk", "0", "--device", "cpu", *R, "--out", "{ws}/c"]),
        cli("cli", "proxies compute: --device nope", ["proxies", "compute", "--benchmark", "nb201", "--proxy", "params",
                                                       "--archs", "3", "--device", "nope", *R, "--out", "{ws}/c"]),
        cli("cli", "proxies compute: --device cuda:7", ["proxies", "compute", "--benchmark", "nb201", "--proxy", "params",
                                                         "--archs", "3", "--device", "cuda:7", *R, "--out", "{ws}/c"]),
        cli("cli", "proxies compute: --seed -1", ["proxies", "compute", "--benchmark", "nb201", "--proxy", "params",
                                                   "--archs", "3", "--seed", "-1", "--device", "cpu", *R, "--out", "{ws}/c"]),
        cli("cli", "verify: --schedule 7", ["verify", "--benchmark", "nb201", "--schedule", "7", "--device", "cpu", *R]),
        cli("cli", "verify: --n-archs 0", ["verify", "--benchmark", "nb201", "--schedule", "12", "--n-archs", "0",
                                            "--device", "cpu", "--images", "{ws}/missing", *R]),
        cli("cli", "verify: --images is a file", ["verify", "--benchmark", "nb201", "--schedule", "12", "--n-archs", "1",
                                                   "--device", "cpu", "--images", "{base}/afile", *R]),
        cli("cli", "predictors --debug (after the command)", ["predictors", "--debug"], expect="accept"),
        cli("cli", "--version", ["--version"], expect="accept"),
        cli("cli", "seeds = 10,000,000", [*TINY_ARGS, "--set", "seeds=10000000"], quick=True),
        cli("cli", "grid of 200,000 cells", [*TINY_ARGS, "--set", "seeds=100000", "--set", "train_sizes=[10,20]"],
            quick=True),
    ]


OVERRIDES = [
    ("x", "error"), ("=1", "error"), ("predictors=[", "error"), ("seeds=-1", "error"), ("seeds=0", "error"),
    ("seeds=1.5", "error"), ("seeds=true", "error"), ("seeds=[1,1]", "error"), ("seeds=[-1]", "error"),
    ("seeds=9223372036854775807", "error"), ("seeds=[9223372036854775807]", "either"),
    ("name=../../etc", "error"), ("name=", "error"), ("name=a/b", "error"), ("train_sizes=[0]", "error"),
    ("train_sizes=[]", "error"), ("train_sizes=[20,20]", "error"), ("train_sizes=[15625]", "error"),
    ("train_sizes=[inf]", "error"), ("test_size=1", "error"), ("test_size=100000", "error"),
    ("test_size=rest", "accept"), ("benchmark=nb999", "error"), ("dataset=svhn", "error"),
    ("target.metric=nope", "error"), ("target.epoch=100000", "error"), ("target.epoch=-1", "error"),
    ("target.epoch=nan", "error"), ("target.seed=99", "error"), ("target.schedule=7", "error"), ("target=1", "error"),
    ("target.nope=1", "error"), ("params.ols.bogus=1", "error"), ("params.ols=1", "error"),
    ("params.xgb.n_estimators=1", "error"), ("params.ols.fit_intercept=nope", "error"), ("metrics=[nope]", "error"),
    ("fidelity=[0]", "error"), ("kind=nope", "error"), ("kind=search", "error"), ("description=1", "error"),
    ("selection.train=greedy", "error"), ("predictors=[]", "error"), ("predictors=[ols,ols]", "error"),
    ("predictors=[nope]", "error"), ("x=" + "[" * 50_000 + "]" * 50_000, "error"),
]
QUICK_OVERRIDES = {"seeds=-1", "train_sizes=[15625]", "target.metric=nope", "params.ols.bogus=1"}


def override_cases() -> list[Case]:
    cases = [cli("override", f"--set {text[:40]}", [*TINY_ARGS, "--set", text], expect=expect,
                 quick=text in QUICK_OVERRIDES) for text, expect in OVERRIDES]
    cases.append(cli("override", "fidelity longer than the curve", [*TINY_ARGS, "--set", "predictors=[last_seen]",
                                                                     "--set", "fidelity=[500]"], quick=True))
    return cases


BAD_SPECS: list[tuple[str, bytes | str | Callable[[], bytes], str]] = [
    ("empty file", "", "error"),
    ("random bytes", lambda: _rng("spec").randbytes(4096), "error"),
    ("invalid UTF-8", b"name = \"\xff\xfe\"\n", "error"),
    ("unterminated string", 'name = "tiny\n', "error"),
    ("duplicate key", TINY + 'name = "again"\n', "error"),
    ("2 MiB of comments", "#" * (2 << 20), "error"),
    ("array nesting bomb", lambda: b"a = " + b"[" * 200_000 + b"]" * 200_000, "error"),
    ("table nesting bomb", lambda: b"a = " + b"{b = " * 50_000 + b"1" + b"}" * 50_000, "error"),
    ("missing benchmark", TINY.replace('benchmark = "nb201"\n', ""), "error"),
    ("seeds = \"five\"", TINY.replace("seeds = 1", 'seeds = "five"'), "error"),
    ("seeds = 1.5", TINY.replace("seeds = 1", "seeds = 1.5"), "error"),
    ("train_sizes = \"20\"", TINY.replace("train_sizes = [20]", 'train_sizes = "20"'), "error"),
    ("test_size = -1", TINY.replace("test_size = 50", "test_size = -1"), "error"),
    ("name = 5", TINY.replace('name = "tiny"', "name = 5"), "error"),
    ("predictors = [1]", TINY.replace('predictors = ["ols"]', "predictors = [1]"), "error"),
    ("predictors = \"ols\" (a single name)", TINY.replace('predictors = ["ols"]', 'predictors = "ols"'), "accept"),
    ("benchmark as a list", TINY.replace('benchmark = "nb201"', 'benchmark = ["nb201"]'), "error"),
    ("unknown key", TINY + "colour = 1\n", "error"),
    ("[target] metric = 1", TINY + "[target]\nmetric = 1\n", "error"),
    ("[[params.ols]] array of tables", TINY + "[[params.ols]]\nx = 1\n", "error"),
    ("900 kB description", TINY + 'description = "' + "x" * 900_000 + '"\n', "either"),
    ("search kind without methods", 'name = "s"\nkind = "search"\nbenchmark = "nb201"\n', "error"),
    ("search kind, unknown method", 'name = "s"\nkind = "search"\nbenchmark = "nb201"\nmethods = ["nope"]\n', "error"),
    ("early_stopping kind, seeds = 0", 'name = "e"\nkind = "early_stopping"\nbenchmark = "nb201"\nseeds = 0\n', "error"),
    ("budget_correlation, schedules = [7]",
     'name = "b"\nkind = "budget_correlation"\nbenchmark = "nb201"\n[budgets]\nschedules = [7, 200]\n', "error"),
    ("proxies kind, unknown proxy", 'name = "p"\nkind = "proxies"\nbenchmark = "nb201"\nproxies = ["nope"]\n', "error"),
]
QUICK_SPECS = {"random bytes", "array nesting bomb", "seeds = \"five\""}


def spec_cases() -> list[Case]:
    cases = [cli("spec", name, ["run", "{ws}/spec.toml", *R], write("spec.toml", content), expect=expect,
                 quick=name in QUICK_SPECS) for name, content, expect in BAD_SPECS]
    for kind in ("fifo", "directory", "dev-zero", "symlink-loop"):
        cases.append(cli("spec", f"spec is a {kind}", ["run", "{ws}/spec.toml", *R], special("spec.toml", kind),
                         quick=kind == "fifo"))
    cases.append(cli("spec", "spec is /dev/null", ["run", "/dev/null", *R]))
    for config in sorted((REPO / "configs").glob("*.toml")):
        if config.stem in ("quickstart", "naslib-nb201-quick"):
            continue
        rel = str(config)
        cases.append(cli("spec", f"{config.stem}: --set bogus=1", ["run", rel, *R, "--set", "bogus=1"]))
        cases.append(cli("spec", f"{config.stem}: --set seeds=10000000", ["run", rel, *R, "--set", "seeds=10000000"],
                         expect="error"))
    return cases


# file fixtures of importers: (importer, fixture path under the shared base, extra arguments)
FILE_IMPORTERS = [
    ("nb101-tfrecord", "nasbench_only108.tfrecord", []),
    ("nb201-nats", f"{NATS_DIR}.tar", ["--allow-pickle"]),
    ("nbmacro-json", "nas-bench-macro_cifar10.json", []),
    ("nbnlp-logs", "logs.zip", []),
]


def importer_cases(have: dict[str, bool]) -> list[Case]:
    cases: list[Case] = []
    file_importers = list(FILE_IMPORTERS)
    if have.get("pth"):
        file_importers.append(("nb201-pth", PTH, ["--allow-pickle"]))
    for importer, rel, extra in file_importers:
        argv = ["data", "import", importer, f"{{ws}}/{rel}", *extra, "--out", "{ws}/c"]
        for mutation in (*MUTATIONS, *SPECIALS):
            expect = "either" if mutation in ("flip-1-bit", "garbage-suffix") else "error"
            if rel.endswith(".tar") and mutation == "cut-last-3-bytes":
                expect = "either"  # only the end-of-archive zero padding is lost
            cases.append(cli("importer", f"{importer}: {mutation}", argv, mutate_file(rel, mutation), expect=expect,
                             quick=mutation in QUICK_MUTATIONS and importer == "nb101-tfrecord"))
    # the NATS directory: damage the meta file or one record
    nats = ["data", "import", "nb201-nats", f"{{ws}}/{NATS_DIR}", "--allow-pickle", "--out", "{ws}/c"]
    for member in ("meta.pickle.pbz2", "000001.pickle.pbz2"):
        for mutation in ("truncated-half", "flip-64-bits", "empty", "random-bytes", "fifo", "directory", "bz2-bomb-1GiB"):
            setup = chain(copy(NATS_DIR), damage_copied(f"{NATS_DIR}/{member}", mutation))
            cases.append(cli("importer", f"nb201-nats dir: {member} {mutation}", nats, setup,
                             quick=(member, mutation) == ("meta.pickle.pbz2", "bz2-bomb-1GiB")))
    cases.append(cli("importer", "nb201-nats dir: empty directory", nats, lambda ws, base: (ws / NATS_DIR).mkdir()))
    cases.append(cli("importer", "nb201-nats: clean fixture", nats, copy(NATS_DIR), expect="accept"))
    # bombs and format-specific damage
    cases += [
        cli("importer", "nb101-tfrecord: length bomb", ["data", "import", "nb101-tfrecord", "{ws}/x.tfrecord",
                                                         "--out", "{ws}/c"], write("x.tfrecord", tfrecord_length_bomb),
            quick=True),
        cli("importer", "nb201-nats: tar of a bz2 bomb", ["data", "import", "nb201-nats", "{ws}/x.tar", "--allow-pickle",
                                                          "--out", "{ws}/c"], write("x.tar", _bomb_tar)),
        cli("importer", "nbnlp-logs: zip bomb", ["data", "import", "nbnlp-logs", "{ws}/logs.zip", "--out", "{ws}/c"],
            write("logs.zip", zip_bomb), quick=True),
        cli("importer", "nbnlp-logs: 200,000 members", ["data", "import", "nbnlp-logs", "{ws}/logs.zip", "--out", "{ws}/c"],
            write("logs.zip", zip_many_members)),
        cli("importer", "nbnlp-logs: member with garbage JSON", ["data", "import", "nbnlp-logs", "{ws}/logs.zip",
                                                                 "--out", "{ws}/c"], write("logs.zip", _zip_of(b"{not json"))),
    ]
    for name, content in (("nesting bomb", json_nesting_bomb), ("a list", "[1, 2, 3]"), ("NaN values",
                          '{"00000000": {"test_acc": [NaN], "params": NaN, "flops": 1}}'),
                          ("1e999", '{"00000000": {"test_acc": [1e999], "params": 1, "flops": 1}}'),
                          ("not JSON", "{not json")):
        cases.append(cli("importer", f"nbmacro-json: {name}", ["data", "import", "nbmacro-json",
                                                               "{ws}/nas-bench-macro_cifar10.json", "--out", "{ws}/c"],
                         write("nas-bench-macro_cifar10.json", content), quick=name == "nesting bomb"))
    zc = ["data", "import", "zc-suite-zero", "{ws}/zc_nasbench201.json", "--out", "{ws}/cache"]
    for name, content in (("nesting bomb", json_nesting_bomb), ("not JSON", "{not json"),
                          ("odd key", json.dumps({"cifar10": {"(1, 2, 3)": {"snip": 1.0}}})),
                          ("text score", json.dumps({"cifar10": {"(0, 0, 0, 0, 0, 1)": {"snip": "high"}}})),
                          ("a list", "[]")):
        cases.append(cli("importer", f"zc-suite-zero: {name}", zc,
                         chain(copy("cache"), write("zc_nasbench201.json", content))))
    cases.append(cli("importer", "zc-suite-zero: FIFO", zc, chain(copy("cache"), special("zc_nasbench201.json", "fifo"))))
    cases.append(cli("importer", "zc-suite-zero: no cache to add to", ["data", "import", "zc-suite-zero",
                                                                        "{base}/zc_nasbench201.json", "--out", "{ws}/c"]))
    cases.append(cli("importer", "nb201-derived: garbage table", ["data", "import", "nb201-derived", "{ws}/derived",
                                                                   "--out", "{ws}/c"], copy("derived")))
    cases.append(cli("importer", "nb201-derived: empty directory", ["data", "import", "nb201-derived", "{ws}/d",
                                                                     "--out", "{ws}/c"], lambda ws, base: (ws / "d").mkdir()))
    cases.append(cli("importer", "nbgraph-pypi: garbage .bench", ["data", "import", "nbgraph-pypi", "{ws}/g",
                                                                   "--allow-pickle", "--out", "{ws}/c"],
                     write("g/cora.bench", b"\x80\x04garbage")))
    return cases


def _zip_of(member: bytes) -> Callable[[], bytes]:
    def make() -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("train_logs_wikitext-2/log_0.json", member)
        return buf.getvalue()

    return make


def _bomb_tar() -> bytes:
    import tarfile

    buf = io.BytesIO()
    data = bz2_bomb()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name in (f"{NATS_DIR}/", f"{NATS_DIR}/meta.pickle.pbz2"):
            info = tarfile.TarInfo(name.rstrip("/"))
            if name.endswith("/"):
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            else:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


CACHE = "cache/nb201/cifar10"
CACHE_DAMAGE: list[tuple[str, str]] = [
    ("metadata.json", "truncated-half"), ("metadata.json", "random-bytes"), ("metadata.json", "empty"),
    ("metadata.json", "flip-64-bits"), ("metadata.json", "json-nesting-bomb"), ("metadata.json", "fifo"),
    ("metadata.json", "directory"), ("archs.parquet", "truncated-half"), ("archs.parquet", "random-bytes"),
    ("archs.parquet", "missing"), ("valid_acc.s200.b0.npy", "truncated-half"),
    ("valid_acc.s200.b0.npy", "random-bytes"), ("valid_acc.s200.b0.npy", "missing"),
    ("valid_acc.s200.b0.npy", "npy-shape-bomb"), ("valid_acc.s200.b0.npy", "fifo"),
]
CACHE_JSON_EDITS: list[tuple[str, Callable[[dict], object]]] = [
    ("metadata.json is {}", lambda m: {}),
    ("metadata.json is a list", lambda m: [m]),
    ("schema_version 99", lambda m: {**m, "schema_version": 99}),
    ("schema_version as text", lambda m: {**m, "schema_version": "1"}),
    ("files is a string", lambda m: {**m, "files": "x"}),
    ("blocks name a missing file", lambda m: json.loads(json.dumps(m).replace("valid_acc.s200.b0.npy", "nope.npy"))),
]


def cache_cases() -> list[Case]:
    cases: list[Case] = []
    info = ["--root", "{ws}/cache", "data", "info", "nb201/cifar10"]
    verify = ["--root", "{ws}/cache", "data", "verify", "nb201/cifar10"]
    run = ["--root", "{ws}/cache", *TINY_ARGS]
    for rel, mutation in CACHE_DAMAGE:
        setup = chain(copy("cache"), damage_copied(f"{CACHE}/{rel}", mutation))
        quick = (rel, mutation) in {("metadata.json", "truncated-half"), ("valid_acc.s200.b0.npy", "npy-shape-bomb")}
        cases.append(cli("cache", f"data info, {rel} {mutation}", info, setup, quick=quick))
        cases.append(cli("cache", f"run, {rel} {mutation}", run, setup))
    for name, edit in CACHE_JSON_EDITS:
        def setup(ws: Path, base: Path, edit=edit) -> None:
            copy("cache")(ws, base)
            path = ws / CACHE / "metadata.json"
            path.write_text(json.dumps(edit(json.loads(path.read_text()))))

        cases.append(cli("cache", f"data info, {name}", info, setup))
    flipped = chain(copy("cache"), damage_copied(f"{CACHE}/valid_acc.s200.b0.npy", "flip-64-bits"))
    cases.append(cli("cache", "data verify, flipped bits in an array", verify, flipped, quick=True))
    cases.append(cli("cache", "data info, flipped bits in an array", info, flipped, expect="either"))
    cases.append(cli("cache", "data verify, clean copy", verify, copy("cache"), expect="accept"))
    return cases


RUN = "run/tiny"
RUN_DAMAGE: list[tuple[str, str]] = [
    ("meta.json", "truncated-half"), ("meta.json", "random-bytes"), ("meta.json", "empty"), ("meta.json", "fifo"),
    ("meta.json", "directory"), ("meta.json", "json-nesting-bomb"), ("records.parquet", "truncated-half"),
    ("records.parquet", "flip-1-bit"), ("records.parquet", "flip-64-bits"), ("records.parquet", "random-bytes"),
    ("records.parquet", "empty"), ("records.parquet", "directory"), ("records.parquet", "fifo"),
    ("records.parquet", "missing"), ("predictions.parquet", "truncated-half"), ("timings.parquet", "random-bytes"),
]
JOURNAL_DAMAGE: list[tuple[str, Callable[[bytes], bytes], str]] = [
    ("last line cut (a killed run)", lambda d: d[:-5], "accept"),
    ("garbage line before the last", lambda d: b"{garbage\n" + d, "error"),
    ("binary garbage", lambda d: _rng("journal").randbytes(512), "error"),
    ("entry without its values", lambda d: json.dumps({"key": json.loads(d.splitlines()[0])["key"]}).encode() + b"\n",
     "error"),
    ("entry of another grid", lambda d: d + json.dumps({"key": "xgb|f0|n20|s0"}).encode() + b"\n", "either"),
    ("10 MB line", lambda d: b'{"key": "' + b"x" * (10 << 20) + b'"}\n' + d, "either"),
]


def run_dir_cases() -> list[Case]:
    cases: list[Case] = []
    report = ["report", "{ws}/run/tiny"]
    resume = ["run", "{base}/tiny.toml", "--results", "{ws}/run"]
    for rel, mutation in RUN_DAMAGE:
        setup = chain(copy("run"), damage_copied(f"{RUN}/{rel}", mutation))
        expect = "either" if mutation == "flip-1-bit" else "error"
        quick = (rel, mutation) in {("records.parquet", "truncated-half"), ("meta.json", "fifo")}
        cases.append(cli("run-dir", f"report, {rel} {mutation}", report, setup, expect=expect, quick=quick))
    for name, edit in (("meta.json is a list", "[]"), ("meta.json without kind", "{}"),
                       ("meta.json kind = nope", '{"kind": "nope"}'), ("meta.json kind = 5", '{"kind": 5}'),
                       ("20 MB meta.json", lambda: b" " * (20 << 20) + b"{}"),
                       ("records.parquet of another table", _foreign_parquet)):
        target = "records.parquet" if "records" in name else "meta.json"
        cases.append(cli("run-dir", f"report, {name}", report, chain(copy("run"), write(f"{RUN}/{target}", edit))))
    for name, edit, expect in JOURNAL_DAMAGE:
        def setup(ws: Path, base: Path, edit=edit) -> None:
            copy("run")(ws, base)
            path = ws / RUN / "cells.jsonl"
            path.write_bytes(edit(path.read_bytes()))

        cases.append(cli("run-dir", f"resume, journal {name}", resume, setup, expect=expect,
                         quick=name.startswith("last line")))
    for kind in ("fifo", "directory"):
        cases.append(cli("run-dir", f"resume, journal is a {kind}", resume,
                         chain(copy("run"), damage_copied(f"{RUN}/cells.jsonl", kind))))
        cases.append(cli("run-dir", f"resume, config.toml is a {kind}", resume,
                         chain(copy("run"), damage_copied(f"{RUN}/config.toml", kind))))
    cases.append(cli("run-dir", "resume, config.toml of another spec", resume,
                     chain(copy("run"), write(f"{RUN}/config.toml", TINY.replace("seeds = 1", "seeds = 2")))))
    cases.append(cli("run-dir", "resume, clean run", resume, copy("run"), expect="accept"))
    cases.append(cli("run-dir", "report, clean run", report, copy("run"), expect="accept"))
    return cases


def _foreign_parquet() -> bytes:
    import pandas as pd

    buf = io.BytesIO()
    pd.DataFrame({"a": [1, 2]}).to_parquet(buf)
    return buf.getvalue()


API_CASES: list[tuple[str, str, str]] = [
    ("load('nb999')", "suite.load('nb999')", "error"),
    ("load('nb201', 'svhn')", "suite.load('nb201', 'svhn')", "error"),
    ("load(None)", "suite.load(None)", "error"),
    ("load(123)", "suite.load(123)", "error"),
    ("load(root=a file)", "suite.load('nb201', root=BASE + '/afile')", "error"),
    ("load(root=missing)", "suite.load('nb201', root=WS + '/missing')", "error"),
    ("metric('nope')", "B.metric('nope')", "error"),
    ("metric(None)", "B.metric(None)", "error"),
    ("metric(epoch=10**9)", "B.metric('valid_acc', epoch=10**9)", "error"),
    ("metric(epoch=-1)", "B.metric('valid_acc', epoch=-1)", "error"),
    ("metric(epoch=1.5)", "B.metric('valid_acc', epoch=1.5)", "error"),
    ("metric(epoch=True)", "B.metric('valid_acc', epoch=True)", "error"),
    ("metric(seed=12345)", "B.metric('valid_acc', seed=12345)", "error"),
    ("metric(seed='nope')", "B.metric('valid_acc', seed='nope')", "error"),
    ("metric(seed='sample') without rng", "B.metric('valid_acc', seed='sample')", "either"),
    ("metric(schedule=7)", "B.metric('valid_acc', schedule=7)", "error"),
    ("curves(ids=[10**9])", "B.curves('valid_acc', ids=[10**9])", "error"),
    ("curves(ids=[-1])", "B.curves('valid_acc', ids=[-1])", "error"),
    ("curves(ids='x')", "B.curves('valid_acc', ids='x')", "error"),
    ("curves('params') (no curve)", "B.curves('params')", "either"),
    ("sample(-1)", "B.sample(-1)", "error"),
    ("sample(10**12)", "B.sample(10**12)", "error"),
    ("sample('3')", "B.sample('3')", "error"),
    ("sample(3.5)", "B.sample(3.5)", "error"),
    ("sample(True)", "B.sample(True)", "error"),
    ("sample(5, rng='x')", "B.sample(5, rng='x')", "error"),
    ("index_of('garbage')", "B.index_of('garbage')", "error"),
    ("index_of(None)", "B.index_of(None)", "error"),
    ("index_of(12345) (a valid id)", "B.index_of(12345)", "accept"),
    ("index_of('|' * 100000)", "B.index_of('|' * 100000)", "error"),
    ("find(['x']) (-1: documented)", "B.find(['x'])", "accept"),
    ("find(None)", "B.find(None)", "error"),
    ("arch(10**9)", "B.arch(10**9)", "error"),
    ("arch(-1)", "B.arch(-1)", "error"),
    ("arch('x')", "B.arch('x')", "error"),
    ("arch(1.5)", "B.arch(1.5)", "error"),
    ("columns(['nope'])", "B.columns(['nope'])", "error"),
    ("columns('valid_acc')", "B.columns('valid_acc')", "either"),
    ("info('nope')", "B.info('nope')", "error"),
    ("schedules('nope')", "B.schedules('nope')", "error"),
    ("predictors.make('nope')", "import suite.predictors as P; P.make('nope', B)", "error"),
    ("predictors.make('ols', bogus=1)", "import suite.predictors as P; P.make('ols', B, bogus=1)", "error"),
    ("load_spec(a FIFO)", "import os; os.mkfifo(WS + '/s.toml'); from suite.experiment import load_spec; "
                          "load_spec(WS + '/s.toml')", "error"),
    ("report_run(a file)", "from suite.experiment.kinds import report_run; report_run(BASE + '/afile')", "error"),
]
QUICK_API = {"metric('nope')", "sample(-1)", "index_of('garbage')", "arch(10**9)"}

HARNESS = """\
import sys
sys.path.insert(0, {repo!r})
WS, BASE = {ws!r}, {base!r}
import suite
from suite.errors import NasSuiteError
try:
    B = suite.load("nb201", "cifar10") if {needs_bench!r} else None
    {body}
except NasSuiteError as err:
    print("nas-suite: error: " + " ".join(str(err).split()), file=sys.stderr)
    sys.exit(2)
"""


def api_cases() -> list[Case]:
    return [api(name, body, expect=expect, quick=name in QUICK_API) for name, body, expect in API_CASES]


def all_cases(have: dict[str, bool]) -> list[Case]:
    return [*cli_cases(), *override_cases(), *spec_cases(), *importer_cases(have), *cache_cases(), *run_dir_cases(),
            *api_cases()]


# -- running and classifying ------------------------------------------------------------------------------


def classify(rc: int | None, stderr: str, timed_out: bool) -> str:
    if timed_out:
        return "hang"
    if "Traceback (most recent call last)" in stderr or (rc is not None and rc not in (0, 2)):
        return "traceback"
    if rc == 0:
        return "accepted"
    lines = [line for line in stderr.splitlines() if line.strip() and not line.startswith("nas-suite: warning:")]
    if len(lines) == 1 and lines[0].startswith("nas-suite: error: "):
        return "clean"
    return "messy"


def _command(case: Case, ws: Path, base: Path, python: str, debug: bool = False) -> list[str]:
    if case.code is not None:
        code = HARNESS.format(repo=str(REPO), ws=str(ws), base=str(base), needs_bench="B." in case.code,
                              body=case.code)
        return [python, "-c", code]
    argv = [a.replace("{ws}", str(ws)).replace("{base}", str(base)) for a in (case.argv or [])]
    return [python, "-m", "suite.cli", *argv, *(["--debug"] if debug else [])]


def _execute(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float) -> tuple[int | None, str, bool, float]:
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)
    try:
        _, err = proc.communicate(timeout=timeout)
        return proc.returncode, err.decode("utf-8", "replace"), False, time.perf_counter() - t0
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the case's own process group: its workers go too
        _, err = proc.communicate()
        return None, err.decode("utf-8", "replace"), True, time.perf_counter() - t0


def run_case(index: int, case: Case, root: Path, base: Path, python: str, env: dict[str, str], timeout: float) -> Outcome:
    ws = root / f"case{index:04d}"
    ws.mkdir()
    case_env = {**env, "XDG_DATA_HOME": str(ws / "xdg")}
    try:
        if case.setup is not None:
            case.setup(ws, base)
        cmd = _command(case, ws, base, python)
        rc, err, timed_out, seconds = _execute(cmd, ws, case_env, case.timeout or timeout)
        outcome = classify(rc, err, timed_out)
        tb = ""
        if outcome == "traceback":
            if case.code is None:  # run it again with --debug for the traceback
                shutil.rmtree(ws)
                ws.mkdir()
                if case.setup is not None:
                    case.setup(ws, base)
                _, tb, _, _ = _execute(_command(case, ws, base, python, debug=True), ws, case_env, case.timeout or timeout)
            else:
                tb = err
        def scrub(text: str) -> str:  # scratch paths differ on every run: write them as placeholders
            return text.replace(str(ws), "{ws}").replace(str(base), "{base}").replace(str(REPO), "{repo}")

        shown = [scrub(c) for c in (cmd[2:] if case.code is None else [case.code])]
        display = [c if len(c) < 120 else c[:60] + "..." for c in shown]
        return Outcome(case, outcome, rc, round(seconds, 2), scrub(_tail(err, 3)), scrub(_tail(tb, 14)), display)
    finally:
        shutil.rmtree(ws, ignore_errors=True)


def _tail(text: str, lines: int) -> str:
    kept = text.strip().splitlines()[-lines:]
    return "\n".join(line if len(line) < 400 else line[:400] + "..." for line in kept)


def summarise(outcomes: list[Outcome]) -> dict[str, object]:
    def counts(items: list[Outcome]) -> dict[str, int]:
        c = Counter(o.outcome for o in items)
        return {"inputs_tried": len(items), "clean_errors": c["clean"], "tracebacks": c["traceback"],
                "hangs": c["hang"], "accepted": c["accepted"], "messy": c["messy"],
                "accepted_hostile": sum(o.outcome == "accepted" and o.case.expect == "error" for o in items),
                "refused_valid": sum(o.outcome != "accepted" and o.case.expect == "accept" for o in items)}

    groups: dict[str, list[Outcome]] = {}
    for o in outcomes:
        groups.setdefault(o.case.group, []).append(o)
    return {**counts(outcomes), "by_group": {g: counts(items) for g, items in groups.items()}}


def _git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "suite"], cwd=REPO, capture_output=True, text=True).stdout
        return out.stdout.strip() + ("+uncommitted" if dirty.strip() else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small subset (one or two cases per group)")
    parser.add_argument("--group", action="append", help="only these groups (repeatable): cli, override, spec, "
                                                         "importer, cache, run-dir, api")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds before a case counts as a hang (default 60)")
    parser.add_argument("--jobs", type=int, default=2, help="cases run at once (default 2)")
    parser.add_argument("--out", type=Path, default=None,
                        help="JSON written (default benchmarks/results/fuzz_inputs.json, or fuzz_inputs_quick.json)")
    parser.add_argument("--show", action="append", default=[], choices=OUTCOMES,
                        help="print these outcomes' stderr (repeatable)")
    args = parser.parse_args(argv)
    python = sys.executable
    env = {k: v for k, v in os.environ.items() if k != "NAS_SUITE_DATA"}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])])
    env["CI"] = "1"
    root = Path(tempfile.mkdtemp(prefix="nas-suite-fuzz-"))
    t0 = time.perf_counter()
    try:
        base = root / "base"
        base.mkdir()
        have = build_fixtures(base, python, {**env, "XDG_DATA_HOME": str(base / "xdg")})
        cases = [c for c in all_cases(have) if (c.quick or not args.quick) and (not args.group or c.group in args.group)]
        print(f"{len(cases)} cases, {args.jobs} at a time, {args.timeout:g} s each at most", flush=True)
        outcomes: list[Outcome] = []
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            futures = [pool.submit(run_case, i, c, root, base, python, env, args.timeout) for i, c in enumerate(cases)]
            for future in futures:
                o = future.result()
                outcomes.append(o)
                mark = "" if o.outcome == "clean" or (o.outcome == "accepted" and o.case.expect != "error") else " <--"
                print(f"  {o.outcome:9s} {o.seconds:6.1f}s  [{o.case.group}] {o.case.name}{mark}", flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    summary = summarise(outcomes)
    result = {**summary, "quick": args.quick, "timeout_s": args.timeout, "jobs": args.jobs,
              "wall_s": round(time.perf_counter() - t0, 1), "commit": _git_commit(),
              "python": sys.version.split()[0], "machine": machine(),
              "date": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
              "cases": [{"group": o.case.group, "name": o.case.name, "expect": o.case.expect, "outcome": o.outcome,
                         "rc": o.rc, "seconds": o.seconds, "command": o.command, "stderr": o.stderr,
                         **({"traceback": o.traceback} if o.traceback else {})} for o in outcomes]}
    out = args.out or RESULTS / ("fuzz_inputs_quick.json" if args.quick else "fuzz_inputs.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"\n{'group':10s} {'tried':>6s} {'clean':>6s} {'tracebk':>7s} {'hang':>5s} {'accept':>6s} {'messy':>6s} "
          f"{'acc.hostile':>11s} {'ref.valid':>9s}")
    for name, c in [*summary["by_group"].items(), ("total", summary)]:  # type: ignore[union-attr]
        print(f"{name:10s} {c['inputs_tried']:6d} {c['clean_errors']:6d} {c['tracebacks']:7d} {c['hangs']:5d} "
              f"{c['accepted']:6d} {c['messy']:6d} {c['accepted_hostile']:11d} {c['refused_valid']:9d}")
    for o in outcomes:
        if o.outcome in args.show:
            print(f"\n[{o.outcome}] [{o.case.group}] {o.case.name}\n{o.traceback or o.stderr}")
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
