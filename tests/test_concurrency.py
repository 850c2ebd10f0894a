"""Two nas-suite processes at once (issue 24): downloads of one file, imports into one cache, and a
Benchmark that stays open while its cache is re-imported.

Each concurrency test holds the first process at a known point (the server stops half-way through
the body; the cache writer waits for a file) while the second one runs, so the overlap is certain
rather than a matter of timing. Every wait is bounded; a stuck child is killed by its own handle.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_download import CHUNK, TIMEOUT, Hit, RangeHandler, _loopback_only, payload, serve, sha  # noqa: F401

from suite.data import registry
from suite.data.benchmark import load
from suite.data.cache import CacheWriter, MetricInfo
from suite.data.download import download, read_manifest
from suite.errors import CacheError, DownloadError
from suite.testing.toy import TOY, write_toy_cache

WAIT = 30.0  # seconds any one step may take before the test gives up


class HoldingHandler(RangeHandler):
    """Sends half of the first reply's body, then holds the rest until ``server.release`` is set."""

    def _reply(self, status, body, headers, name, rng, if_range):
        server = self.server
        if getattr(server, "held", True):
            super()._reply(status, body, headers, name, rng, if_range)
            return
        server.held = True
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        half = len(body) // 2
        self.wfile.write(body[:half])
        self.wfile.flush()
        server.holding.set()
        server.release.wait(WAIT)
        self.wfile.write(body[half:])
        self.wfile.flush()
        server.hits.append(Hit("/" + name, rng, if_range, status, len(body)))


DOWNLOADER = """
import sys
from suite.data.download import download
download(sys.argv[1], sys.argv[2], sha256=sys.argv[3], chunk=4096, timeout=60)
print("downloaded")
"""


def _finish(proc: subprocess.Popen) -> tuple[int, str]:
    try:
        out, err = proc.communicate(timeout=WAIT * 2)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=WAIT)
    return proc.returncode, out + err


def test_two_downloads_of_one_file_exclude_each_other(serve, tmp_path, payload):
    server = serve(HoldingHandler)
    server.held, server.holding, server.release = False, threading.Event(), threading.Event()
    dest, url = tmp_path / "dl", f"{server.base}/data.bin"
    first = subprocess.Popen([sys.executable, "-c", DOWNLOADER, url, str(dest), sha(payload)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert server.holding.wait(WAIT), "the first download never started"
        assert first.poll() is None
        # the second process (this one) asks for the same file while the first is half-way
        with pytest.raises(DownloadError, match=rf"another nas-suite process \(pid {first.pid}\) is downloading") as info:
            download(url, dest, sha256=sha(payload), chunk=CHUNK, timeout=TIMEOUT)
        assert "\n" not in str(info.value)
    finally:
        server.release.set()
        code, output = _finish(first)
    assert code == 0 and "downloaded" in output, output
    final = dest / "data.bin"
    assert final.read_bytes() == payload
    record = read_manifest(final)
    assert record["sha256"] == sha(payload) and record["bytes"] == len(payload) == final.stat().st_size
    assert sorted(p.name for p in dest.iterdir()) == ["data.bin", "data.bin.download.json"]
    # once the first one is done, the file is simply there for everyone
    assert download(url, dest, sha256=sha(payload), timeout=TIMEOUT) == final


SLOW_IMPORT = """
import sys, time
from pathlib import Path
import numpy as np, pandas as pd
from suite.data.cache import CacheWriter, MetricInfo
root = Path(sys.argv[1])
with CacheWriter(root, "toy", "d1", converter="slow", converter_version="1", citation="", licence="",
                 sources=[], rebuild="rerun the slow import") as w:
    w.write_archs(pd.DataFrame({"id": [0, 1], "arch": ["a0", "a1"], "key": ["a0", "a1"]}),
                  {"id": "", "arch": "", "key": ""})
    w.add_metric("acc", MetricInfo("x"), np.array([1.0, 2.0]).reshape(2, 1, 1), schedule=None, epochs=None,
                 seeds=["mean"])
    (root / "ready").write_text("1")
    deadline = time.monotonic() + 60
    while not (root / "go").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
print("committed")
"""


def test_two_imports_into_one_cache_exclude_each_other(tmp_path, monkeypatch):
    monkeypatch.setitem(registry.BENCHMARKS, "toy", TOY)
    first = subprocess.Popen([sys.executable, "-c", SLOW_IMPORT, str(tmp_path)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + WAIT
        while not (tmp_path / "ready").exists():
            assert first.poll() is None and time.monotonic() < deadline, "the first import did not start"
            time.sleep(0.02)
        # the second import must neither delete the first one's work in progress nor interleave with it
        with pytest.raises(CacheError, match=rf"another nas-suite process \(pid {first.pid}\) is writing .*toy.*d1") as info:
            write_toy_cache(tmp_path)
        assert "\n" not in str(info.value)
    finally:
        (tmp_path / "go").write_text("1")
        code, output = _finish(first)
    assert code == 0 and "committed" in output, output
    np.testing.assert_array_equal(load("toy", "d1", root=tmp_path).metric("acc"), [1.0, 2.0])
    assert sorted(p.name for p in (tmp_path / "toy").iterdir()) == ["d1"]  # no temp dir, no lock file left
    write_toy_cache(tmp_path)  # and the next import goes through
    assert len(load("toy", "d1", root=tmp_path)) == 6


def _generation(root: Path, labels: list[int], partial: list[int]) -> None:
    """A toy cache whose row i is architecture ``a<labels[i]>`` with acc = 10 * label; ``part`` covers
    the rows ``partial`` only. Generations of equal length have files of equal sizes."""
    n = len(labels)
    frame = pd.DataFrame({"id": np.arange(n), "arch": [f"a{k}" for k in labels], "key": [f"a{k}" for k in labels]})
    acc = 10.0 * np.array(labels, dtype=float)
    with CacheWriter(root, "toy", "d1", converter="toy", converter_version="1", citation="", licence="",
                     sources=[], rebuild="rerun the test") as w:
        w.write_archs(frame, {"id": "row", "arch": "name", "key": "key"})
        w.add_metric("acc", MetricInfo("acc"), acc.reshape(n, 1, 1), schedule=None, epochs=None, seeds=["mean"])
        w.add_metric("part", MetricInfo("partial"), acc[partial].reshape(-1, 1, 1), schedule=None, epochs=None,
                     seeds=["mean"], rows=np.array(partial))


def test_open_benchmark_keeps_the_generation_it_opened(tmp_path, monkeypatch):
    monkeypatch.setitem(registry.BENCHMARKS, "toy", TOY)
    _generation(tmp_path, [0, 1, 2, 3, 4, 5], [0, 2])
    old = load("toy", "d1", root=tmp_path)  # opened, nothing read yet
    _generation(tmp_path, [5, 4, 3, 2, 1, 0], [1, 3])  # a re-import: same shapes, other order
    new = load("toy", "d1", root=tmp_path)
    assert new.arch(0) == "a5" and new.index_of("a0") == 5  # the new generation is visible to new objects
    # the open object answers from the generation it opened, never a mix of old metadata and new files
    assert old.arch(0) == "a0" and old.index_of("a0") == 0 and list(old.archs["arch"]) == [f"a{i}" for i in range(6)]
    np.testing.assert_array_equal(old.metric("acc"), 10.0 * np.arange(6))
    np.testing.assert_array_equal(old.metric("part"), [0.0, np.nan, 20.0, np.nan, np.nan, np.nan])
    np.testing.assert_array_equal(new.metric("part"), [np.nan, 40.0, np.nan, 20.0, np.nan, np.nan])
    old.verify()  # its files are still the ones its metadata lists
    new.verify()


def test_a_pickled_benchmark_reopens_only_its_own_generation(tmp_path, monkeypatch):
    import pickle

    monkeypatch.setitem(registry.BENCHMARKS, "toy", TOY)
    _generation(tmp_path, [0, 1, 2, 3, 4, 5], [0, 2])
    bench = load("toy", "d1", root=tmp_path)
    copy = pickle.loads(pickle.dumps(bench))  # how backends hand it to other processes
    np.testing.assert_array_equal(copy.metric("acc"), bench.metric("acc"))
    state = pickle.dumps(bench)
    _generation(tmp_path, [5, 4, 3, 2, 1, 0], [1, 3])
    with pytest.raises(CacheError, match="re-imported after this object was opened; load it again"):
        pickle.loads(state)
