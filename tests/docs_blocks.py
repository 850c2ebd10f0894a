"""The code blocks of the guides (``docs/guides/*.md``, ``docs/usage/*.md`` and ``README.md``): how they
are read, and a runner that executes them.

Every fenced block of a guide is either executed by ``tests/test_docs.py`` or explicitly marked
as not executed, so a guide cannot silently drift from the code. The conventions:

* ````python``: executed, in page order, in one namespace per page (a later block sees the names
  of an earlier one), in a fresh working directory. If its first line is a comment naming a file
  (``# knn_pred.py``, ``# mypkg/opt.py``), the block is that file's content: it is written there
  (the directory is on ``sys.path``), not executed.
* ````toml``: written to the file its first line names (``# knn.toml``); a block without such
  a line must parse as TOML (a fragment of a spec).
* ````bash`` / ````sh`` / ````shell``: run with ``bash -e -o pipefail`` in the same directory.
  ````console``: its ``$ ``-prefixed lines are the commands (the rest is their output, not
  checked). ``nas-suite`` is the command of the environment running the tests.
* ``<!-- executed-with: ARGS -->`` on the line(s) before a shell block appends ``ARGS`` to each
  ``nas-suite run`` / ``nas-suite reproduce`` command of it, so a guide can show the real command
  while the test runs a small version (``--set seeds=1``, ``--limit 2``).
* ``<!-- not-executed: REASON -->`` before any block opts it out; the reason is required (needs
  the official NB-101 file, needs a cluster, is a directory listing...). Python blocks opted out
  must still compile and TOML blocks must still parse.
* Any other block (another language, or none) that is not marked fails the test.
* ``<!-- docs-test: slow -->`` anywhere in a page marks its run ``slow``;
  ``<!-- docs-test: extra=dask -->`` makes it need that optional extra (``needs_dask``).

The runner (``python tests/docs_blocks.py PAGE``) executes one page in the current directory and
stops at the first failing block, naming its page and line; tracebacks of Python blocks point at
the lines of the Markdown file itself.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<lang>[\w+-]*)[^`]*$")
MARKER = re.compile(r"^\s*<!--\s*(?P<key>not-executed|executed-with)\s*:(?P<value>.*?)-->\s*$")
PAGE_OPTIONS = re.compile(r"<!--\s*docs-test\s*:(?P<value>.*?)-->")
FILE_HEADER = re.compile(r"^#\s*(?P<path>[\w.-]+(?:/[\w.-]+)*\.(?:py|toml|json|csv|txt|cfg|ini|yaml|yml))\s*$")
SHELL = {"bash", "sh", "shell", "console"}
#: nas-suite commands that compute (and so take the ``executed-with`` arguments)
HEAVY_COMMAND = re.compile(r"(?P<cmd>\bnas-suite\s+(?:run|reproduce)\b[^\n;&|#]*?)(?P<end>\s*(?:[;&|#\n]|$))")


@dataclass(frozen=True)
class Block:
    """One fenced block: where it is, its language and text (dedented), and how it is handled."""

    page: str
    line: int  # 1-based line of the opening fence
    lang: str
    text: str
    skip: str | None = None  # the reason of a ``not-executed`` marker
    extra_args: str = ""  # an ``executed-with`` marker's arguments

    @property
    def file(self) -> str | None:
        """The path a file block is written to (its first line's comment), else None."""
        first = self.text.split("\n", 1)[0].strip()
        match = FILE_HEADER.match(first) if self.lang in ("python", "py", "toml") else None
        return match["path"] if match else None

    @property
    def action(self) -> str:
        """``skipped``, ``file``, ``python``, ``toml`` (parsed only), ``shell`` or ``unhandled``."""
        if self.skip is not None:
            return "skipped"
        if self.file is not None:
            return "file"
        if self.lang in ("python", "py"):
            return "python"
        if self.lang == "toml":
            return "toml"
        if self.lang in SHELL:
            return "shell"
        return "unhandled"

    def where(self) -> str:
        return f"{self.page}:{self.line}"

    def script(self) -> str:
        """The shell script of a shell block, with the ``executed-with`` arguments added."""
        if self.lang == "console":
            lines = [line[2:] for line in self.text.splitlines() if line.startswith("$ ")]
            text = "\n".join(lines) + "\n"
        else:
            text = self.text
        if self.extra_args:
            text = HEAVY_COMMAND.sub(lambda m: f"{m['cmd']} {self.extra_args}{m['end']}", text)
        return text


def _dedent(lines: list[str], indent: str) -> str:
    return "\n".join(line[len(indent):] if line.startswith(indent) else line.lstrip() for line in lines)


def read_blocks(path: Path, page: str | None = None) -> list[Block]:
    """Every fenced block of a Markdown file, with the marker on the lines just before it."""
    page = page or str(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    out: list[Block] = []
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        indent, fence, lang = match["indent"], match["fence"], match["lang"].lower()
        end = i + 1
        while end < len(lines) and not (lines[end].strip().startswith(fence[0] * len(fence))
                                        and set(lines[end].strip()) == {fence[0]}):
            end += 1
        skip, extra = None, ""
        k = i - 1
        while k >= 0 and (not lines[k].strip() or MARKER.match(lines[k])):
            marker = MARKER.match(lines[k])
            if marker and marker["key"] == "not-executed":
                skip = marker["value"].strip()
            elif marker:
                extra = marker["value"].strip()
            k -= 1
        out.append(Block(page, i + 1, lang, _dedent(lines[i + 1:end], indent), skip, extra))
        i = end + 1
    return out


def page_options(path: Path) -> dict[str, str]:
    """``<!-- docs-test: slow, extra=dask -->`` -> ``{"slow": "", "extra": "dask"}``."""
    options: dict[str, str] = {}
    for match in PAGE_OPTIONS.finditer(path.read_text(encoding="utf-8")):
        for item in filter(None, (part.strip() for part in match["value"].split(","))):
            key, _, value = item.partition("=")
            options[key.strip()] = value.strip()
    return options


def problems(blocks: list[Block]) -> list[str]:
    """Blocks that are neither executed nor marked, markers without a reason, and blocks that cannot
    be valid (Python that does not compile, TOML that does not parse), whether executed or not."""
    out = []
    for b in blocks:
        if b.skip == "":
            out.append(f"{b.where()}: a not-executed marker needs a reason")
        if b.action == "unhandled":
            out.append(f"{b.where()}: a ```{b.lang or '(no language)'} block is neither executed nor marked "
                       "'<!-- not-executed: REASON -->' (see tests/docs_blocks.py)")
        if b.lang in ("python", "py"):
            try:
                compile(textwrap.dedent(b.text), b.where(), "exec")
            except SyntaxError as err:
                out.append(f"{b.where()}: Python block does not compile: {err}")
        if b.lang == "toml":
            try:
                tomllib.loads(b.text)
            except tomllib.TOMLDecodeError as err:
                out.append(f"{b.where()}: TOML block does not parse: {err}")
        if b.extra_args and b.action != "shell":
            out.append(f"{b.where()}: executed-with applies to shell blocks only")
    return out


def run_page(path: Path) -> None:
    """Execute the blocks of one page in the current directory, in order; exit non-zero at a failure."""
    here = Path.cwd()
    sys.path.insert(0, str(here))
    namespace: dict[str, object] = {"__name__": "__main__"}
    for block in read_blocks(path):
        action = block.action
        print(f"--- {block.where()} [{action}{': ' + block.skip if block.skip else ''}]", flush=True)
        if action == "unhandled":
            sys.exit(f"{block.where()}: block neither executed nor marked")
        if action == "file":
            target = here / block.file
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(block.text.split("\n", 1)[1] if "\n" in block.text else "", encoding="utf-8")
        elif action == "toml":
            tomllib.loads(block.text)
        elif action == "python":
            # leading newlines: tracebacks show the Markdown file's own line numbers
            code = compile("\n" * block.line + block.text, str(path), "exec")
            exec(code, namespace)  # noqa: S102 - the guide's own example code
        elif action == "shell":
            script = block.script()
            print(script.rstrip(), flush=True)
            done = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], check=False)
            if done.returncode != 0:
                sys.exit(f"{block.where()}: shell block failed with exit status {done.returncode}:\n{script}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(f"usage: python {shlex.quote(sys.argv[0])} PAGE.md")
    run_page(Path(sys.argv[1]).resolve())
