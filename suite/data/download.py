"""Resumable, verified download of one official raw file (standard library only).

Called only when a user asks for it (``nas-suite data download NAME``); nothing in nas-suite
downloads implicitly. The contract of :func:`download`:

* **Files in the destination directory** (``F`` = the final file name)::

      F                  the verified file; appears only after verification, by atomic rename
      F.part             bytes received so far; a later call resumes from its end
      F.part.json        the server's validator (ETag / Last-Modified) for safe resumption
      F.rejected         bytes that failed the checksum, kept for inspection, never used again
      F.download.json    what was fetched: url, bytes, sha256, md5, how it was verified

* **Resumption.** If ``F.part`` exists the request carries ``Range: bytes=<size>-`` (and
  ``If-Range`` with the validator recorded by the first response, so a file that changed on
  the server is refetched instead of spliced). A ``206`` reply is appended; a ``200`` reply
  (server ignores ranges, or the file changed) restarts the file from byte 0; a ``416`` reply
  whose ``Content-Range`` says the file is exactly as long as ``F.part`` means the part is
  already complete.
* **Verification.** The expected sha256 is the ``sha256`` argument, else the publisher's
  checksum from :mod:`suite.data.sources`. Where neither exists the call is refused *before any
  network access* unless ``verify=False``; the policy is explained in :mod:`suite.data.sources`.
  A mismatch moves ``F.part`` to ``F.rejected`` (so the next call starts clean), leaves no ``F``
  and raises :class:`~suite.errors.DownloadError`. An existing ``F`` is never deleted or
  overwritten: if it matches it is returned without network access, otherwise the call fails.
* **Errors.** Every failure (HTTP error, unreachable host, connection dropped mid-transfer,
  HTML page instead of the file, full disk) raises :class:`~suite.errors.DownloadError` with a
  one-line message; an interrupted transfer keeps ``F.part`` and says to run again.
* **Mirrors.** ``mirror=`` or ``$NAS_SUITE_MIRROR`` (an ``http(s)://`` base URL) replaces the
  publisher's host for registry names: ``<mirror>/<filename>``. Explicit URLs are used as given.
* **Redirects** are followed only to ``http://`` and ``https://`` URLs; any other scheme
  (``ftp://``, ``file://``) is refused with a :class:`~suite.errors.DownloadError`.
* **Passwords.** A password in a URL (``user:password@host``) never appears in a message or in
  the files above: it is shown and recorded as ``user:***@host``.
* **No output.** Progress goes to an optional callback ``progress(done_bytes, total_bytes)``
  (``total_bytes`` is ``None`` when the server does not say); it is called once before the
  first byte (with the resume offset) and after every chunk.

* **One writer per file.** A call holds the lock of ``F`` (:func:`suite.atomic.exclusive_lock`,
  the file ``.F.lock`` beside it, removed when done) from before it looks for ``F`` until ``F``
  and its record are in place. A second process asking for the same file meanwhile fails at once
  with a one-line :class:`~suite.errors.DownloadError` naming the first one's pid (it never
  appends to the first one's ``.F.part``); once the first has finished, the same call returns the
  verified ``F``. A killed process leaves no lock behind (the OS releases it).
* **Never into the embedded data.** A destination inside the repository's embedded ``data/`` is
  refused (:func:`suite.data.paths.check_not_embedded`).

Why not ``pooch`` (1.9): it checks a hash and renames a temporary into place, but it does not
resume (each call streams the whole file from byte 0 into a fresh random temporary: no ``Range``,
no ``If-Range``, no ``416`` handling), deletes bytes that fail the checksum (the contract keeps
``F.rejected``), raises multi-line ``ValueError`` / ``requests`` exceptions, counts progress in
nominal chunks rather than bytes received, and would bring ``requests`` (and its four
dependencies) into the core install. Wrapping it to restore this contract would be longer than
the transfer code below, so this module keeps the standard library.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import shutil
import urllib.error
import urllib.parse
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO, Callable

from ..atomic import durable_replace, exclusive_lock, write_atomic
from ..errors import DownloadError
from .paths import check_not_embedded
from .sources import SourceFile, name_tag_in_md5, source_file

MIRROR_ENV = "NAS_SUITE_MIRROR"
USER_AGENT = "nas-suite-download/1"

#: ``progress(done_bytes, total_bytes_or_None)``
Progress = Callable[[int, "int | None"], None]

_HEX64 = re.compile(r"[0-9a-f]{64}")
_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")
_UNSATISFIED_RANGE = re.compile(r"bytes\s+\*/(\d+)")


@dataclass(frozen=True)
class _Plan:
    """What to fetch, where to put it and how to check it (resolved before any network use)."""

    url: str
    filename: str
    expected: str | None
    verified_by: str  # "published sha256" | "sha256 given by the user" | "not verified"
    entry: SourceFile | None


@dataclass
class _Received:
    """Digests and size of the complete ``.part`` file."""

    sha256: str
    md5: str
    size: int


def download(
    name_or_url: str,
    dest_dir: str | os.PathLike[str],
    *,
    sha256: str | None = None,
    verify: bool = True,
    filename: str | None = None,
    mirror: str | None = None,
    progress: Progress | None = None,
    chunk: int = 1 << 20,
    timeout: float = 60.0,
) -> Path:
    """Download a registered official file (or a URL) into ``dest_dir``; return the final path.

    Args:
        name_or_url: a name from :data:`suite.data.sources.SOURCES` (e.g. ``"nb101-only108"``)
            or an ``http(s)://`` URL.
        dest_dir: directory to save into (created if missing).
        sha256: expected SHA-256 (64 hex digits); overrides the publisher's checksum.
        verify: ``False`` accepts the file without any checksum (the computed sha256 and md5
            are still recorded in ``<file>.download.json``). Cannot be combined with ``sha256``.
        filename: save under this name (default: the registry's file name, or the URL's last
            path component). Required for URLs whose path does not end in a file name.
        mirror: base URL replacing the publisher's host for registry names (default:
            ``$NAS_SUITE_MIRROR``).
        progress: callback ``progress(done_bytes, total_bytes_or_None)``.
        chunk: bytes per read (also the granularity of progress calls).
        timeout: seconds any single socket operation may block.

    Raises:
        DownloadError: anything that keeps a verified file from being produced; the message
            is one line and says what to do.
    """
    urls = [name_or_url, mirror if mirror is not None else os.environ.get(MIRROR_ENV, "")]
    try:
        return _download(name_or_url, dest_dir, sha256=sha256, verify=verify, filename=filename, mirror=mirror,
                         progress=progress, chunk=chunk, timeout=timeout)
    except DownloadError as err:
        message = _scrub(str(err), urls)
        if message != str(err):
            raise DownloadError(message) from None
        raise


def _download(
    name_or_url: str,
    dest_dir: str | os.PathLike[str],
    *,
    sha256: str | None,
    verify: bool,
    filename: str | None,
    mirror: str | None,
    progress: Progress | None,
    chunk: int,
    timeout: float,
) -> Path:
    """:func:`download` before passwords are scrubbed from its messages."""
    if chunk <= 0:
        raise DownloadError(f"chunk must be a positive number of bytes, got {chunk}")
    plan = _plan(name_or_url, sha256=sha256, verify=verify, filename=filename, mirror=mirror)
    dest = Path(dest_dir)
    check_not_embedded(dest, DownloadError)
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise DownloadError(f"cannot create {dest}: {err.strerror}; choose another directory") from None
    final = dest / plan.filename
    if final.exists():
        return _existing(final, plan)
    with ExitStack() as held:
        try:
            held.enter_context(exclusive_lock(final, doing="downloading", error=DownloadError))
        except OSError as err:
            raise DownloadError(f"cannot write {dest}: {err.strerror or err}; choose another directory") from None
        if final.exists():  # another process finished it between the check above and our lock
            return _existing(final, plan)
        return _fetch_verified(plan, final, progress=progress, chunk=chunk, timeout=timeout)


def _fetch_verified(plan: _Plan, final: Path, *, progress: Progress | None, chunk: int, timeout: float) -> Path:
    """Fetch into ``F.part``, verify, rename to ``final`` and record it (the caller holds the lock)."""
    part = final.with_name(final.name + ".part")
    received = _fetch(plan, part, progress=progress, chunk=chunk, timeout=timeout)
    if plan.expected is not None and received.sha256 != plan.expected:
        rejected = final.with_name(final.name + ".rejected")
        os.replace(part, rejected)
        _validator_path(part).unlink(missing_ok=True)
        raise DownloadError(
            f"sha256 mismatch for {plan.filename}: got {received.sha256}, expected {plan.expected} "
            f"({plan.verified_by}); the bytes were moved to {rejected.name} - delete it and run again"
            + (", or check the --sha256 value" if plan.verified_by.endswith("user") else "")
        )
    _write_json(manifest_path(final), _manifest(plan, received))  # first: whoever sees F also finds its record
    durable_replace(part, final)
    _validator_path(part).unlink(missing_ok=True)
    return final


def manifest_path(path: str | os.PathLike[str]) -> Path:
    """Where :func:`download` records what it fetched for the file at ``path``."""
    p = Path(path)
    return p.with_name(p.name + ".download.json")


def read_manifest(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The download record of ``path`` (url, bytes, sha256, md5, verified_by, ...), if any."""
    record = manifest_path(path)
    if not record.is_file():
        return None
    return json.loads(record.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------------------------
# planning: everything that can be refused without touching the network


def _plan(
    name_or_url: str, *, sha256: str | None, verify: bool, filename: str | None, mirror: str | None
) -> _Plan:
    entry: SourceFile | None = None
    if "://" in name_or_url:
        url = _checked_url(name_or_url, "URL")
        path_name = urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1])
        name = filename or path_name
        what = url
    else:
        entry = source_file(name_or_url)
        base = mirror if mirror is not None else os.environ.get(MIRROR_ENV, "")
        if base:
            base = _checked_url(base, "mirror")
            url = base.rstrip("/") + "/" + urllib.parse.quote(entry.filename)
        else:
            url = entry.url
        name = filename or entry.filename
        what = entry.name
    name = _checked_filename(name, url)

    if sha256 is not None:
        if not verify:
            raise DownloadError("--sha256 and --no-verify contradict each other; give only one")
        expected = sha256.strip().lower()
        if not _HEX64.fullmatch(expected):
            raise DownloadError(f"--sha256 must be 64 hexadecimal digits, got {sha256!r}")
        return _Plan(url, name, expected, "sha256 given by the user", entry)
    if not verify:
        return _Plan(url, name, None, "not verified", entry)
    if entry is not None and entry.sha256 is not None:
        return _Plan(url, name, entry.sha256, "published sha256", entry)
    raise DownloadError(
        f"no published checksum for {what}; pass --sha256 HEX to check it against a checksum you "
        f"trust, or --no-verify to accept it unverified (its sha256 is then recorded in "
        f"{name}.download.json)"
    )


def _redact(url: str) -> str:
    """``url`` with the password of ``user:password@host`` replaced by ``***``."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    netloc, slash, path = rest.partition("/")
    userinfo, at, host = netloc.rpartition("@")
    if not at or ":" not in userinfo:
        return url
    return f"{scheme}://{userinfo.split(':', 1)[0]}:***@{host}{slash}{path}"


def _scrub(message: str, urls: list[str]) -> str:
    """``message`` with every password of ``urls`` (as written and percent-decoded) replaced by ``***``."""
    for url in urls:
        try:
            password = urllib.parse.urlsplit(url).password if url and "@" in url else None
        except ValueError:
            password = None
        for secret in {password, urllib.parse.unquote(password or "")} - {None, ""}:
            message = message.replace(f"{secret}@", "***@")
    return message


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follows redirects to ``http(s)://`` only (urllib would also follow ``ftp://``)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001 (urllib's signature)
        if urllib.parse.urlsplit(newurl).scheme.lower() not in ("http", "https"):
            fp.close()
            raise DownloadError(
                f"{_redact(req.full_url)} redirected (HTTP {code}) to {_redact(newurl)}; only http:// and "
                "https:// redirects are followed - download it yourself if you trust that address"
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _checked_url(url: str, what: str) -> str:
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise DownloadError(f"{what} {url!r} must start with http:// or https://")
    return url


def _checked_filename(name: str, url: str) -> str:
    if not name or name in (".", "..") or any(c in name for c in "/\\\0"):
        raise DownloadError(f"cannot tell a file name from {url}; pass --filename NAME")
    return name


# --------------------------------------------------------------------------------------------
# transfer


def _fetch(
    plan: _Plan, part: Path, *, progress: Progress | None, chunk: int, timeout: float
) -> _Received:
    """Bring ``part`` to the complete file (resuming if it exists) and return its digests."""
    validator = _read_validator(part, plan.url)
    offset = part.stat().st_size if part.is_file() else 0
    for _ in range(2):  # a second round only after discarding a .part the server cannot extend
        headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
        if offset:
            headers["Range"] = f"bytes={offset}-"
            if validator:
                headers["If-Range"] = validator
        try:
            response = urllib.request.build_opener(_HttpOnlyRedirects).open(
                urllib.request.Request(plan.url, headers=headers), timeout=timeout
            )
        except urllib.error.HTTPError as err:
            content_range = (err.headers.get("Content-Range") if err.headers else None) or ""
            err.close()
            if err.code == 416 and offset:
                match = _UNSATISFIED_RANGE.fullmatch(content_range.strip())
                if match and int(match.group(1)) == offset:
                    return _digest_file(part)  # the .part is already the whole file
                _discard(part)  # longer than the file on the server: start over
                offset, validator = 0, None
                continue
            raise DownloadError(f"HTTP {err.code} {err.reason} for {plan.url}") from None
        except urllib.error.URLError as err:
            raise DownloadError(
                f"cannot reach {plan.url}: {err.reason}; check the network or set {MIRROR_ENV}"
            ) from None
        except (OSError, http.client.HTTPException, ValueError) as err:  # ValueError: a URL urllib cannot parse
            raise DownloadError(f"cannot reach {plan.url}: {err}; check the network and run again") from None

        with response:
            _refuse_web_page(response, plan)
            if offset and response.status == 206:
                match = _CONTENT_RANGE.fullmatch((response.headers.get("Content-Range") or "").strip())
                if not match or int(match.group(1)) != offset:
                    _discard(part)  # a range we did not ask for: start over
                    offset, validator = 0, None
                    continue
                end = int(match.group(2)) + 1
                total = int(match.group(3)) if match.group(3) != "*" else end
                return _stream(response, part, plan.url, offset, total, progress, chunk)
            if response.status != 200:
                raise DownloadError(f"unexpected HTTP {response.status} for {plan.url}; run again or use a mirror")
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            _write_validator(part, plan.url, response.headers)
            return _stream(response, part, plan.url, 0, total, progress, chunk)
    raise DownloadError(f"the server of {plan.url} does not resume downloads consistently; delete {part} and run again")


def _stream(
    response: http.client.HTTPResponse,
    part: Path,
    url: str,
    offset: int,
    total: int | None,
    progress: Progress | None,
    chunk: int,
) -> _Received:
    """Append the response body to ``part`` from byte ``offset`` (0: truncate) and hash it all."""
    sha, md5 = hashlib.sha256(), hashlib.md5(usedforsecurity=False)
    if offset:
        with open(part, "rb") as handle:
            _hash_into(handle, chunk, sha, md5)
    if total is not None:
        free = shutil.disk_usage(part.parent).free
        if free < total - offset:
            raise DownloadError(
                f"{part.parent} has {free:,} bytes free but {total - offset:,} more are needed; "
                "free space or choose another directory"
            )
    done = offset
    if progress is not None:
        progress(done, total)
    try:
        out = open(part, "ab" if offset else "wb")
    except OSError as err:
        raise DownloadError(f"cannot write {part}: {err.strerror}; choose another directory") from None
    with out:
        while True:
            try:
                block = response.read(chunk)
            except (OSError, http.client.HTTPException) as err:
                raise _interrupted(url, part, done, total, str(err) or type(err).__name__) from None
            if not block:
                break
            try:
                out.write(block)
            except OSError as err:
                raise DownloadError(
                    f"cannot write {part}: {err.strerror}; free space or choose another directory"
                ) from None
            sha.update(block)
            md5.update(block)
            done += len(block)
            if progress is not None:
                progress(done, total)
        out.flush()
        os.fsync(out.fileno())
    if total is not None and done != total:
        raise _interrupted(url, part, done, total, "connection closed early")
    return _Received(sha.hexdigest(), md5.hexdigest(), done)


def _interrupted(url: str, part: Path, done: int, total: int | None, why: str) -> DownloadError:
    of = f" of {total:,}" if total is not None else ""
    return DownloadError(
        f"download of {url} stopped after {done:,}{of} bytes ({why}); {part.name} was kept - "
        "run the same command again to resume"
    )


def _refuse_web_page(response: http.client.HTTPResponse, plan: _Plan) -> None:
    """An HTML reply where a data file is expected is an error page, not the file."""
    if not (response.headers.get("Content-Type") or "").lower().startswith("text/html"):
        return
    if plan.entry is not None:
        raise DownloadError(
            f"{plan.url} answered with a web page instead of {plan.filename} (Google Drive does this when its "
            f"download quota is exceeded); download it in a browser from {plan.entry.page} and run "
            f"`nas-suite data import {plan.entry.importer} <file>`"
        )
    raise DownloadError(f"{plan.url} answered with a web page instead of a file; check the URL")


def _existing(final: Path, plan: _Plan) -> Path:
    """An existing final file is returned if it verifies; it is never modified or removed."""
    if plan.expected is None:
        return final
    with open(final, "rb") as handle:
        sha = _hash_into(handle, 1 << 20, hashlib.sha256())[0]
    if sha != plan.expected:
        raise DownloadError(
            f"{final} already exists but its sha256 is {sha}, not {plan.expected} ({plan.verified_by}); "
            f"move it away and run again"
        )
    return final


# --------------------------------------------------------------------------------------------
# small file helpers


def _hash_into(handle: BinaryIO, chunk: int, *hashers: Any) -> list[str]:
    while block := handle.read(chunk):
        for h in hashers:
            h.update(block)
    return [h.hexdigest() for h in hashers]


def _digest_file(path: Path) -> _Received:
    with open(path, "rb") as handle:
        sha, md5 = _hash_into(handle, 1 << 20, hashlib.sha256(), hashlib.md5(usedforsecurity=False))
    return _Received(sha, md5, path.stat().st_size)


def _discard(part: Path) -> None:
    part.unlink(missing_ok=True)
    _validator_path(part).unlink(missing_ok=True)


def _validator_path(part: Path) -> Path:
    return part.with_name(part.name + ".json")


def _read_validator(part: Path, url: str) -> str | None:
    """The ``If-Range`` value recorded when ``part`` was started from ``url`` (else ``None``)."""
    if not part.is_file():
        return None
    try:
        record = json.loads(_validator_path(part).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("url") != _redact(url):
        return None
    value = record.get("if_range")
    return value if isinstance(value, str) and value.isprintable() else None


def _write_validator(part: Path, url: str, headers: Any) -> None:
    """Record a strong ETag (or Last-Modified) so a resumed request can use ``If-Range``."""
    etag = headers.get("ETag")
    value = etag if etag and not etag.startswith("W/") else headers.get("Last-Modified")
    if value:
        _write_json(_validator_path(part), {"url": _redact(url), "if_range": value})
    else:
        _validator_path(part).unlink(missing_ok=True)


def _manifest(plan: _Plan, received: _Received) -> dict[str, Any]:
    entry = plan.entry
    return {
        "source": entry.name if entry else None,
        "file": plan.filename,
        "url": _redact(plan.url),
        "bytes": received.size,
        "sha256": received.sha256,
        "md5": received.md5,
        "verified_by": plan.verified_by,
        "name_tag": entry.name_tag if entry else None,
        "name_tag_in_md5": name_tag_in_md5(entry, received.md5) if entry else None,
        "importer": entry.importer if entry else None,
        "downloaded_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def _write_json(path: Path, payload: dict[str, Any]) -> None:
    write_atomic(path, json.dumps(payload, indent=2, sort_keys=True) + "\n")
