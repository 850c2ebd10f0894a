"""Tests of :mod:`suite.data.download` against a real HTTP server on 127.0.0.1.

The server (``http.server`` in a thread, port 0, loopback only) serves files the tests write into
a temporary directory, supports ``Range`` / ``If-Range`` (with a variant that ignores ``Range``)
and records every request, so the tests can assert what was asked for and how many body bytes
were actually sent. Nothing here touches the internet.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import socket
import threading
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Iterator

import pytest

from suite.data.download import MIRROR_ENV, download, manifest_path, read_manifest
from suite.data.registry import IMPORTERS
from suite.data.sources import SOURCES, name_tag_in_md5
from suite.errors import DownloadError

SIZE = 300_007  # not a multiple of CHUNK, so the last read is short
CHUNK = 16 * 1024
TIMEOUT = 5.0


@dataclass
class Hit:
    """One request the server answered."""

    path: str
    range: str | None
    if_range: str | None
    status: int
    body_bytes: int


class FixtureServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, handler: type[BaseHTTPRequestHandler], root: Path) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.root = root
        self.hits: list[Hit] = []
        self.cut_after: int | None = None  # send only this many body bytes, then hang up
        self.content_type = "application/octet-stream"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class RangeHandler(BaseHTTPRequestHandler):
    """Serves ``server.root/<path>`` with single-range ``bytes=N-`` support and a strong ETag."""

    protocol_version = "HTTP/1.1"
    honour_range = True
    server: FixtureServer

    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        name = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path).lstrip("/")
        rng, if_range = self.headers.get("Range"), self.headers.get("If-Range")
        file = self.server.root / name
        if not name or not file.is_file():
            self._reply(404, b"not found", {}, name, rng, if_range)
            return
        data = file.read_bytes()
        etag = '"' + hashlib.sha256(data).hexdigest()[:16] + '"'
        headers = {"ETag": etag, "Content-Type": self.server.content_type}
        start, status = 0, 200
        if rng and self.honour_range and (if_range is None or if_range == etag):
            match = re.fullmatch(r"bytes=(\d+)-", rng)
            assert match, rng
            start = int(match.group(1))
            if start >= len(data):
                self._reply(416, b"", {"Content-Range": f"bytes */{len(data)}"}, name, rng, if_range)
                return
            status = 206
            headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
        self._reply(status, data[start:], headers, name, rng, if_range)

    def _reply(
        self, status: int, body: bytes, headers: dict[str, str], name: str, rng: str | None, if_range: str | None
    ) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))  # always the full length promised
        self.end_headers()
        cut = self.server.cut_after
        sent = body if cut is None else body[:cut]
        self.wfile.write(sent)
        self.wfile.flush()
        if cut is not None:
            self.close_connection = True
        self.server.hits.append(Hit("/" + name, rng, if_range, status, len(sent)))


class IgnoreRangeHandler(RangeHandler):
    """A server that answers every request with the whole file (``200``), as many do."""

    honour_range = False


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """No proxy may intercept 127.0.0.1, and no mirror from the environment may leak in."""
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.delenv(MIRROR_ENV, raising=False)


@pytest.fixture
def payload() -> bytes:
    return random.Random(20240501).randbytes(SIZE)


@pytest.fixture
def serve(tmp_path: Path, payload: bytes) -> Iterator[Callable[..., FixtureServer]]:
    """Start servers whose root holds ``data.bin`` and ``nasbench_only108.tfrecord`` (= payload)."""
    root = tmp_path / "srv"
    root.mkdir()
    (root / "data.bin").write_bytes(payload)
    (root / "nasbench_only108.tfrecord").write_bytes(payload)
    (root / "NAS-Bench-201-v1_1-096897.pth").write_bytes(payload)
    servers: list[FixtureServer] = []

    def start(handler: type[BaseHTTPRequestHandler] = RangeHandler) -> FixtureServer:
        server = FixtureServer(handler, root)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    return tmp_path / "dl"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def leftovers(directory: Path) -> set[str]:
    return {p.name for p in directory.iterdir()} if directory.exists() else set()


def test_full_download_is_verified_renamed_and_recorded(serve, dest, payload):
    server = serve()
    calls: list[tuple[int, int | None]] = []
    path = download(
        f"{server.base}/data.bin", dest, sha256=sha(payload), progress=lambda d, t: calls.append((d, t)),
        chunk=CHUNK, timeout=TIMEOUT,
    )
    assert path == dest / "data.bin" and path.read_bytes() == payload
    assert leftovers(dest) == {"data.bin", "data.bin.download.json"}  # no .part, no validator left
    assert [(h.status, h.range, h.body_bytes) for h in server.hits] == [(200, None, SIZE)]
    record = read_manifest(path)
    assert record["sha256"] == sha(payload) and record["md5"] == hashlib.md5(payload).hexdigest()
    assert record["bytes"] == SIZE and record["verified_by"] == "sha256 given by the user"
    # progress: starts at 0 with the total, grows by at most one chunk, ends at the total
    assert calls[0] == (0, SIZE) and calls[-1] == (SIZE, SIZE)
    steps = [b[0] - a[0] for a, b in zip(calls, calls[1:])]
    assert all(0 < s <= CHUNK for s in steps) and len(calls) == 1 + -(-SIZE // CHUNK)


def test_registry_name_is_fetched_from_mirror_argument_or_env(serve, dest, payload, monkeypatch):
    server = serve()
    path = download("nb101-only108", dest / "a", sha256=sha(payload), mirror=server.base + "/", timeout=TIMEOUT)
    assert path.name == "nasbench_only108.tfrecord" and path.read_bytes() == payload
    monkeypatch.setenv(MIRROR_ENV, server.base)
    path = download("nb101-only108", dest / "b", sha256=sha(payload), timeout=TIMEOUT)
    assert path.read_bytes() == payload
    assert [h.path for h in server.hits] == ["/nasbench_only108.tfrecord"] * 2
    assert read_manifest(path)["source"] == "nb101-only108" and read_manifest(path)["importer"] == "nb101-tfrecord"


def test_published_checksum_is_enforced_for_registry_names(serve, dest):
    # The fixture bytes are not the real nasbench_only108.tfrecord, so the README's sha256 must reject them.
    server = serve()
    with pytest.raises(DownloadError, match="sha256 mismatch.*published sha256") as info:
        download("nb101-only108", dest, mirror=server.base, timeout=TIMEOUT)
    assert "\n" not in str(info.value)
    assert leftovers(dest) == {"nasbench_only108.tfrecord.rejected"}


def test_resume_requests_only_the_missing_bytes(serve, dest, payload):
    server = serve()
    kept = 123_457
    dest.mkdir()
    (dest / "data.bin.part").write_bytes(payload[:kept])
    calls: list[tuple[int, int | None]] = []
    path = download(f"{server.base}/data.bin", dest, sha256=sha(payload), chunk=CHUNK,
                    progress=lambda d, t: calls.append((d, t)), timeout=TIMEOUT)
    assert path.read_bytes() == payload
    assert [(h.range, h.status, h.body_bytes) for h in server.hits] == [(f"bytes={kept}-", 206, SIZE - kept)]
    assert calls[0] == (kept, SIZE) and calls[-1] == (SIZE, SIZE)


def test_server_ignoring_range_restarts_the_file_cleanly(serve, dest, payload):
    # The .part holds garbage: appending the full body to it would break the checksum.
    server = serve(IgnoreRangeHandler)
    dest.mkdir()
    (dest / "data.bin.part").write_bytes(b"\xff" * 5000)
    path = download(f"{server.base}/data.bin", dest, sha256=sha(payload), timeout=TIMEOUT)
    assert path.read_bytes() == payload
    assert [(h.range, h.status, h.body_bytes) for h in server.hits] == [("bytes=5000-", 200, SIZE)]


def test_part_that_is_already_complete_is_finalised_without_a_body(serve, dest, payload):
    server = serve()
    dest.mkdir()
    (dest / "data.bin.part").write_bytes(payload)
    path = download(f"{server.base}/data.bin", dest, sha256=sha(payload), timeout=TIMEOUT)
    assert path.read_bytes() == payload
    assert [(h.range, h.status, h.body_bytes) for h in server.hits] == [(f"bytes={SIZE}-", 416, 0)]


def test_checksum_mismatch_raises_and_leaves_no_final_file(serve, dest, payload):
    server = serve()
    wrong = "0" * 64
    with pytest.raises(DownloadError, match=f"got {sha(payload)}, expected {wrong}") as info:
        download(f"{server.base}/data.bin", dest, sha256=wrong, timeout=TIMEOUT)
    assert "\n" not in str(info.value) and "--sha256" in str(info.value)
    assert leftovers(dest) == {"data.bin.rejected"}
    assert (dest / "data.bin.rejected").read_bytes() == payload  # kept for inspection, never reused
    # the next attempt starts from byte 0 instead of resuming from rejected bytes
    assert download(f"{server.base}/data.bin", dest, sha256=sha(payload), timeout=TIMEOUT).read_bytes() == payload
    assert server.hits[-1].range is None


def test_http_404_is_a_download_error(serve, dest):
    server = serve()
    with pytest.raises(DownloadError, match=r"HTTP 404 .*/missing\.bin"):
        download(f"{server.base}/missing.bin", dest, sha256="a" * 64, timeout=TIMEOUT)
    assert leftovers(dest) == set()


def test_unreachable_host_is_a_download_error(dest):
    with socket.socket() as probe:  # a loopback port that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(DownloadError, match="cannot reach"):
        download(f"http://127.0.0.1:{port}/data.bin", dest, sha256="a" * 64, timeout=TIMEOUT)


def test_interrupted_transfer_keeps_part_and_next_call_resumes(serve, dest, payload):
    server = serve()
    server.cut_after = 100_000
    with pytest.raises(DownloadError, match=r"stopped after 100,000 of 300,007 bytes.*run the same command again"):
        download(f"{server.base}/data.bin", dest, sha256=sha(payload), chunk=CHUNK, timeout=TIMEOUT)
    assert (dest / "data.bin.part").read_bytes() == payload[:100_000]
    assert not (dest / "data.bin").exists()
    server.cut_after = None
    path = download(f"{server.base}/data.bin", dest, sha256=sha(payload), chunk=CHUNK, timeout=TIMEOUT)
    assert path.read_bytes() == payload
    etag = '"' + sha(payload)[:16] + '"'
    assert [(h.range, h.if_range, h.status, h.body_bytes) for h in server.hits] == [
        (None, None, 200, 100_000),
        ("bytes=100000-", etag, 206, SIZE - 100_000),
    ]


def test_file_changed_on_server_is_refetched_not_spliced(serve, dest, payload, tmp_path):
    server = serve()
    server.cut_after = 50_000
    with pytest.raises(DownloadError):
        download(f"{server.base}/data.bin", dest, verify=False, timeout=TIMEOUT)
    changed = payload[::-1]
    (tmp_path / "srv" / "data.bin").write_bytes(changed)  # new ETag: If-Range no longer matches
    server.cut_after = None
    path = download(f"{server.base}/data.bin", dest, verify=False, timeout=TIMEOUT)
    assert path.read_bytes() == changed
    assert (server.hits[-1].range, server.hits[-1].status, server.hits[-1].body_bytes) == ("bytes=50000-", 200, SIZE)


def test_unpublished_checksum_needs_sha256_or_no_verify(serve, dest, payload):
    server = serve()
    with pytest.raises(DownloadError, match="no published checksum for nb201-v1_1.*--sha256 HEX.*--no-verify"):
        download("nb201-v1_1", dest, mirror=server.base, timeout=TIMEOUT)
    assert server.hits == [] and leftovers(dest) == set()  # refused before any network access
    path = download("nb201-v1_1", dest, mirror=server.base, verify=False, timeout=TIMEOUT)
    assert path.name == "NAS-Bench-201-v1_1-096897.pth" and path.read_bytes() == payload
    record = json.loads(manifest_path(path).read_text())
    assert record["verified_by"] == "not verified" and record["sha256"] == sha(payload)
    assert record["name_tag"] == "096897"
    assert record["name_tag_in_md5"] is name_tag_in_md5(SOURCES["nb201-v1_1"], hashlib.md5(payload).hexdigest())


def test_existing_final_file_is_reused_if_valid_and_never_touched_otherwise(serve, dest, payload):
    server = serve()
    dest.mkdir()
    (dest / "data.bin").write_bytes(payload)
    assert download(f"{server.base}/data.bin", dest, sha256=sha(payload), timeout=TIMEOUT).read_bytes() == payload
    (dest / "data.bin").write_bytes(b"something else")
    with pytest.raises(DownloadError, match="already exists but its sha256"):
        download(f"{server.base}/data.bin", dest, sha256=sha(payload), timeout=TIMEOUT)
    assert (dest / "data.bin").read_bytes() == b"something else"
    assert server.hits == []


def test_html_error_page_is_not_saved_as_the_file(serve, dest):
    server = serve()
    server.content_type = "text/html; charset=utf-8"
    expected = "web page instead of NAS-Bench-201-v1_1-096897.pth.*nas-suite data import nb201-pth"
    with pytest.raises(DownloadError, match=expected):
        download("nb201-v1_1", dest, mirror=server.base, verify=False, timeout=TIMEOUT)
    assert leftovers(dest) == set()


@pytest.mark.parametrize(
    "args, kwargs, message",
    [
        (("nb101-only108",), {"sha256": "xyz"}, "64 hexadecimal digits"),
        (("nb101-only108",), {"sha256": "a" * 64, "verify": False}, "contradict"),
        (("no-such-file",), {}, "no downloadable file named 'no-such-file'"),
        (("ftp://127.0.0.1/x.bin",), {"sha256": "a" * 64}, "must start with http"),
        (("nb101-only108",), {"mirror": "file:///tmp"}, "mirror 'file:///tmp' must start with http"),
        (("http://127.0.0.1:9/dir/",), {"sha256": "a" * 64}, "--filename"),
        (("http://127.0.0.1:9/x.bin",), {}, "no published checksum for http"),
    ],
)
def test_bad_requests_are_refused_before_any_network_access(dest, args, kwargs, message):
    with pytest.raises(DownloadError, match=re.escape(message)):
        download(*args, dest, timeout=TIMEOUT, **kwargs)
    assert not dest.exists()


def test_registry_entries_are_consistent():
    for entry in SOURCES.values():
        assert entry.importer in IMPORTERS, entry.name
        assert entry.sha256 is None or re.fullmatch(r"[0-9a-f]{64}", entry.sha256), entry.name
        assert entry.name_tag is None or entry.name_tag in entry.filename, entry.name
        assert (entry.archive == "tar") == entry.filename.endswith(".tar"), entry.name
        if "storage.googleapis.com" in entry.url:
            assert entry.url.rsplit("/", 1)[-1] == entry.filename, entry.name


def test_name_tag_is_matched_at_either_end_of_the_md5():
    entry = SOURCES["nb201-v1_0"]  # tag e61699
    assert name_tag_in_md5(entry, "e61699" + "0" * 26) is True
    assert name_tag_in_md5(entry, "0" * 26 + "E61699") is True
    assert name_tag_in_md5(entry, "0" * 13 + "e61699" + "0" * 13) is False
    assert name_tag_in_md5(SOURCES["nb101-full"], "0" * 32) is None


class RedirectHandler(RangeHandler):
    """Answers ``/moved.bin`` with a redirect to ``server.location``; serves files otherwise."""

    def do_GET(self) -> None:
        if self.path.startswith("/moved.bin"):
            self._reply(302, b"", {"Location": self.server.location}, "moved.bin", None, None)
            return
        super().do_GET()


def test_redirects_are_followed_only_to_http_and_https(serve, dest, payload):
    server = serve(RedirectHandler)
    server.location = f"{server.base}/data.bin"  # http -> http is fine
    assert download(f"{server.base}/moved.bin", dest / "a", sha256=sha(payload), timeout=TIMEOUT).read_bytes() == payload
    with socket.socket() as ftp:  # where an ftp:// redirect would connect to, if it were followed
        ftp.bind(("127.0.0.1", 0))
        ftp.listen(1)
        ftp.settimeout(0.2)
        server.location = f"ftp://127.0.0.1:{ftp.getsockname()[1]}/data.bin"
        with pytest.raises(DownloadError, match=r"redirected .* to ftp://.*only http:// and https://") as info:
            download(f"{server.base}/moved.bin", dest / "b", sha256=sha(payload), timeout=TIMEOUT)
        assert "\n" not in str(info.value)
        with pytest.raises(socket.timeout):
            ftp.accept()[0].close()  # nobody connected
    assert leftovers(dest / "b") == set()


def test_password_in_a_url_is_never_shown(serve, dest, payload):
    server = serve()
    port = server.server_address[1]
    for url in (f"http://alice:s3cr3t@127.0.0.1:{port}/missing.bin", f"http://alice:s3cr3t@127.0.0.1/x.bin",
                f"ftp://alice:s3cr3t@127.0.0.1/x.bin", f"http://alice:s3cr3t@127.0.0.1:{port}/dir/"):
        with pytest.raises(DownloadError) as info:
            download(url, dest, sha256=sha(payload), timeout=TIMEOUT)
        assert "s3cr3t" not in str(info.value) and "alice:***@" in str(info.value), str(info.value)
    with pytest.raises(DownloadError) as info:
        download("nb101-only108", dest, mirror="file://bob:hunter2@127.0.0.1/", timeout=TIMEOUT)
    assert "hunter2" not in str(info.value), str(info.value)


@pytest.mark.parametrize("record", ["[1, 2]", '{"url": 5, "if_range": ["x"]}', "\"text\"", "{not json"])
def test_damaged_resume_record_is_ignored_not_a_traceback(serve, dest, payload, record):
    server = serve()
    dest.mkdir()
    (dest / "data.bin.part").write_bytes(payload[:1000])
    (dest / "data.bin.part.json").write_text(record)
    path = download(f"{server.base}/data.bin", dest, sha256=sha(payload), timeout=TIMEOUT)
    assert path.read_bytes() == payload
    assert [(h.range, h.if_range) for h in server.hits] == [("bytes=1000-", None)]


def test_downloads_into_the_embedded_data_are_refused(serve, tmp_path, payload, monkeypatch):
    from suite.data import paths

    server = serve()
    embedded = tmp_path / "repo" / "data"
    embedded.mkdir(parents=True)
    monkeypatch.setattr(paths, "EMBEDDED_DIR", embedded)
    with pytest.raises(DownloadError, match="refusing to write .*embedded data/"):
        download(f"{server.base}/data.bin", embedded / "downloads", sha256=sha(payload), timeout=TIMEOUT)
    assert list(embedded.iterdir()) == [] and server.hits == []
