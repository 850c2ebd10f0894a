"""MkDocs hook: figures under the repository's ``results/`` that a page shows are published with it.

Why: every page under ``docs/`` is also read on GitHub, where a committed figure is linked
relative to the page, e.g. ``<img src="../results/<run>/report/<figure>.png">``. MkDocs publishes
only what lies under ``docs/``, and it never checks the ``src`` of raw HTML. So, at build time,
this hook

* finds each relative link (Markdown ``](...)``, HTML ``src="..."`` / ``href="..."``) of each page
  that leaves ``docs/``;
* publishes it if it is an image under ``results/`` (at the same path below the site root) and
  rewrites the link for the built page, so the Markdown source stays right for GitHub;
* warns about anything else, and about a figure that does not exist: under ``mkdocs build
  --strict`` a warning fails the build, as a broken link should.

Nothing but images under ``results/`` is copied; the committed files are never modified.
"""

from __future__ import annotations

import logging
import posixpath
import re
from pathlib import Path, PurePosixPath

from mkdocs.structure.files import File, Files

log = logging.getLogger("mkdocs.hooks.repo_files")

#: a relative link that starts by going up: Markdown ``](../x)`` or HTML ``src="../x"`` / ``href='../x'``
LINK = re.compile(r"""(?P<lead>\]\(|(?:src|href)=["'])(?P<path>(?:\.\./)+[^)"'\s#?]+)""")
#: what may be published from outside docs/
PUBLISHED_DIRS = ("results",)
IMAGE_SUFFIXES = {".png", ".svg", ".jpg", ".jpeg", ".gif", ".webp"}


def _target(page_src_uri: str, link: str, docs_dir: Path, repo: Path) -> str | None:
    """The repository-relative POSIX path ``link`` points to, or None if it stays inside docs/."""
    docs_rel = PurePosixPath(docs_dir.relative_to(repo).as_posix())
    joined = posixpath.normpath(str(docs_rel / PurePosixPath(page_src_uri).parent / link))
    if joined == str(docs_rel) or joined.startswith(f"{docs_rel}/"):
        return None
    return joined


def _publishable(rel: str) -> bool:
    path = PurePosixPath(rel)
    return path.parts[0] in PUBLISHED_DIRS and path.suffix.lower() in IMAGE_SUFFIXES


def on_files(files: Files, config) -> Files:
    """Add every existing ``results/`` image that a page links to; warn about other links out of docs/."""
    docs_dir = Path(config.docs_dir).resolve()
    repo = Path(config.config_file_path).resolve().parent
    for page in files.documentation_pages():
        for match in LINK.finditer(page.content_string):
            rel = _target(page.src_uri, match["path"], docs_dir, repo)
            if rel is None:
                continue
            if not _publishable(rel):
                log.warning("%s links to '%s' outside docs/: only images under %s/ are published; link it "
                            "differently", page.src_uri, match["path"], "/, ".join(PUBLISHED_DIRS))
            elif not (repo / rel).is_file():
                log.warning("%s shows '%s', which does not exist", page.src_uri, match["path"])
            elif files.get_file_from_path(rel) is None:
                files.append(File.generated(config, rel, abs_src_path=str(repo / rel)))
    return files


def on_page_markdown(markdown: str, page, config, files: Files) -> str:
    """Point each published figure's link at its copy in the site."""
    docs_dir = Path(config.docs_dir).resolve()
    repo = Path(config.config_file_path).resolve().parent

    def rewrite(match: re.Match[str]) -> str:
        rel = _target(page.file.src_uri, match["path"], docs_dir, repo)
        published = files.get_file_from_path(rel) if rel is not None and _publishable(rel) else None
        if published is None:
            return match[0]
        if match["lead"] == "](":  # Markdown: a docs-relative source path, which MkDocs validates and converts
            new = posixpath.relpath(published.src_uri, posixpath.dirname(page.file.src_uri) or ".")
        else:  # raw HTML is not converted by MkDocs: the final URL relative to the built page
            new = published.url_relative_to(page.file)
        return match["lead"] + new

    return LINK.sub(rewrite, markdown)
