"""The official raw files that ``nas-suite data download NAME`` can fetch, listed in one place.

Nothing in nas-suite downloads implicitly: these entries are only used when the user asks for a
download by name (:func:`suite.data.download.download`). Each entry says where the publisher
hosts the file, what checksum the publisher gives for it, which importer of
:data:`suite.data.registry.IMPORTERS` converts it into a cache, and its licence and citation.

Checksum policy (enforced by :func:`suite.data.download.download`):

* ``sha256`` holds a checksum **only where the publisher states one** (the NAS-Bench-101
  README gives SHA256 for both tfrecords). It is never computed by us and pasted in.
* Where none is published (NAS-Bench-201 ``.pth`` files, the NATS-Bench archive), ``sha256`` is
  ``None`` and a download is refused unless the user either passes a sha256 they trust
  (``--sha256 HEX``, e.g. from a colleague's copy) or explicitly accepts an unverified file
  (``--no-verify``). In both cases the computed sha256 and md5 are recorded next to the file
  (``<file>.download.json``) so that the cache built from it can be traced.
* ``name_tag`` is the short hex string embedded in the publisher's file name (``e61699``,
  ``096897``, ``3ffb9``). The NAS-Bench-201 README calls it "the last six digits for this
  file" and the NATS-Bench README writes the pattern ``NATS-[tss/sss]-[version]-[md5sum]``;
  neither says which bytes are hashed, with which algorithm for NB-201, or at which end of the
  digest the tag sits. It is therefore **advisory only**: the downloader records whether the
  file's md5 starts or ends with the tag, but never accepts or rejects a file because of it.

The Google Drive entries use Drive's direct-download endpoint; Drive may still answer with an
HTML page (quota exceeded, sign-in wall). The downloader detects that and tells the user to
fetch the file in a browser from ``page`` and run the importer on it.

A mirror (``$NAS_SUITE_MIRROR`` or the ``mirror=`` argument) replaces the publisher's host:
entry ``e`` is then fetched from ``<mirror>/<e.filename>``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import DownloadError
from .registry import NB101_CITATION, NB201_CITATION

NB101_README = "https://github.com/google-research/nasbench#download-the-dataset"
NB201_README = "https://github.com/D-X-Y/NAS-Bench-201#preparation-and-download"
NATS_README = "https://github.com/D-X-Y/NATS-Bench#preparation-and-download"


def _drive(file_id: str) -> str:
    """Direct-download URL of a public Google Drive file (skips the large-file warning page)."""
    return f"https://drive.usercontent.google.com/download?id={file_id}&export=download&confirm=t"


@dataclass(frozen=True)
class SourceFile:
    """One downloadable official file.

    Attributes:
        name: the name users type (``nas-suite data download NAME``).
        url: where the publisher hosts it (direct-download form).
        filename: the publisher's file name; the download is saved under it.
        importer: key of :data:`suite.data.registry.IMPORTERS` that converts it.
        sha256: publisher-stated SHA-256 (lower-case hex), or ``None`` where none is published.
        size: exact size in bytes where the publisher states it, else ``None``.
        approx_size: the publisher's rough size, for display (``"~499 MB"``).
        name_tag: hex tag embedded in the file name (advisory; see module docstring).
        archive: ``"tar"`` if the file must be unpacked before its importer can read it.
        page: the official page that lists the URL and checksum (cite this, not the URL).
        licence: licence of the repository that publishes the file.
        citation: what to cite when using it.
        note: anything a user must know about this file.
    """

    name: str
    url: str
    filename: str
    importer: str
    sha256: str | None
    size: int | None
    approx_size: str
    name_tag: str | None
    archive: str | None
    page: str
    licence: str
    citation: str
    note: str = ""


SOURCES: dict[str, SourceFile] = {
    entry.name: entry
    for entry in (
        SourceFile(
            name="nb101-full",
            url="https://storage.googleapis.com/nasbench/nasbench_full.tfrecord",
            filename="nasbench_full.tfrecord",
            importer="nb101-tfrecord",
            sha256="3d64db8180fb1b0207212f9032205064312b6907a3bbc81eabea10db2f5c7e9c",
            size=None,
            approx_size="~1.95 GB",
            name_tag=None,
            archive=None,
            page=NB101_README,
            licence="Apache-2.0",
            citation=NB101_CITATION,
            note="all 423,624 cells at budgets 4/12/36/108, 3 repeats, halfway and final metrics",
        ),
        SourceFile(
            name="nb101-only108",
            url="https://storage.googleapis.com/nasbench/nasbench_only108.tfrecord",
            filename="nasbench_only108.tfrecord",
            importer="nb101-tfrecord",
            sha256="4c39c3936e36a85269881d659e44e61a245babcb72cb374eacacf75d0e5f4fd1",
            size=None,
            approx_size="~499 MB",
            name_tag=None,
            archive=None,
            page=NB101_README,
            licence="Apache-2.0",
            citation=NB101_CITATION,
            note="the 108-epoch budget only",
        ),
        SourceFile(
            name="nb201-v1_0",
            url=_drive("1SKW0Cu0u8-gb18zDpaAGi0f74UdXeGKs"),
            filename="NAS-Bench-201-v1_0-e61699.pth",
            importer="nb201-pth",
            sha256=None,
            size=None,
            approx_size="~2.2 GB",
            name_tag="e61699",
            archive=None,
            page=NB201_README,
            licence="MIT",
            citation=NB201_CITATION,
            note="deprecated by the authors in favour of v1_1 (fewer trials; 12-epoch runs only for cifar10-valid)",
        ),
        SourceFile(
            name="nb201-v1_1",
            url=_drive("16Y0UwGisiouVRxW-W5hEtbxmcHw_0hF_"),
            filename="NAS-Bench-201-v1_1-096897.pth",
            importer="nb201-pth",
            sha256=None,
            size=None,
            approx_size="~4.7 GB",
            name_tag="096897",
            archive=None,
            page=NB201_README,
            licence="MIT",
            citation=NB201_CITATION,
            note="the NB-201 file the authors recommend; a torch pickle (importer needs --allow-pickle and torch)",
        ),
        SourceFile(
            name="nats-tss-simple",
            url=_drive("17_saCsj_krKjlCBLOJEpNtzPXArMCqxU"),
            filename="NATS-tss-v1_0-3ffb9-simple.tar",
            importer="nb201-nats",
            sha256=None,
            size=None,
            approx_size="size not published",
            name_tag="3ffb9",
            archive="tar",
            page=NATS_README,
            licence="MIT",
            citation=NB201_CITATION,
            note="unpack with `tar xf` first; the importer reads the NATS-tss-v1_0-3ffb9-simple/ directory",
        ),
    )
}


def source_file(name: str) -> SourceFile:
    """Look up a downloadable file by name; unknown names raise :class:`DownloadError`."""
    try:
        return SOURCES[name]
    except KeyError:
        raise DownloadError(
            f"no downloadable file named {name!r}; choose one of {', '.join(SOURCES)} or give a URL"
        ) from None


def name_tag_in_md5(entry: SourceFile, md5_hex: str) -> bool | None:
    """Whether the md5 digest starts or ends with the entry's file-name tag (``None``: no tag).

    Advisory only: ``False`` is not proof of a bad file, because the publishers do not say
    what the tag is a digest of (see the module docstring).
    """
    if entry.name_tag is None:
        return None
    md5_hex = md5_hex.lower()
    return md5_hex.startswith(entry.name_tag) or md5_hex.endswith(entry.name_tag)
