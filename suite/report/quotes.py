"""Numbers quoted in Markdown documents, checked against the committed result files they cite.

Why: numbers copied by hand into README tables go stale silently when a run is repeated. Each
quoted number carries an invisible HTML comment naming the file (and row, column) it came from;
:func:`check` recomputes every one, so a CI step can refuse a document whose numbers drifted.

Marker, right after the number (only whitespace and ``* % x × ) ] s`` may separate them)::

    93.73<!-- q: results/run/report/final.csv?method=random#test_mean -->
    <!-- q: SOURCE [scale=F] [abs] [agg=mean|median|std|min|max|count|sum] [table=N] -->

* The quoted number is the last number before the marker on its line (after any earlier marker
  there): optional sign (``-`` or ``−``), thousands commas, decimals, scientific notation.
* ``SOURCE`` is ``path?query#fragment``, the path relative to the repository root; query values
  and fragments are URL-decoded (``%20`` for a space).

  - ``.csv`` / ``.parquet``: query = row filters ``column=value`` (numeric equality when both
    sides parse as numbers, else string equality); fragment = column. Exactly one row must match
    unless ``agg`` is given (pandas semantics: NaN skipped, ``std`` with ddof=1).
  - ``.json``: no query; fragment = dotted path, integers index lists (``runs.0.spearman``);
    each part is URL-decoded after splitting, so ``%2E`` is a literal dot in a key.
  - ``.md``: the ``table=N``-th pipe table (0-based); query ``row=TEXT`` = the row's first cell
    without ``*``; fragment = column header, ``[k]`` suffix = k-th number of the cell
    (``#1000[1]`` is the ± part of ``0.515 ± 0.009``).
* Options: ``scale`` multiplies the value (fractions quoted as percent); ``abs`` compares the
  absolute value.

Comparison: the value is formatted with as many decimals as the quote (``f"{v:.{d}f}"``) and the
strings must be equal (commas dropped, ``−`` read as ``-``, ``-0.00`` == ``0.00``). A
scientific-notation quote must lie within half a unit of its last shown digit. A quote preceded by
``<`` or ``≤`` (``p < 1e-300``) is a bound: it passes when the value is <= the quoted number.

Coverage: between lines ``<!-- numbers: checked -->`` and ``<!-- /numbers -->``, every number in a
table column whose header starts with ``nas-suite``, ``ours`` or ``measured`` (case-insensitive,
bold stripped) must carry a marker. Outside such regions only the markers present are checked.
Fenced code blocks and inline code are ignored: examples of the syntax are not claims.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

__all__ = ["Problem", "Quote", "Checked", "markers", "check", "check_document", "check_documents"]

#: a number token; not glued to a preceding word or digit, except a multiplier ``x15.62``
NUMBER = re.compile(r"(?:(?<![\w.,])|(?<=[x×]))[-−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+−]?\d+)?(?!\d)")
#: what may stand between a quoted number and its marker: bold, percent, "6.03x", units, brackets
TRAILING = " \t*%x×)]s"
MARKER = re.compile(r"<!--\s*q:(.*?)-->")
MARKER_OPEN = re.compile(r"<!--\s*q:")
COMMENT = re.compile(r"<!--.*?-->")
CODE_SPAN = re.compile(r"`[^`]*`")
REGION_OPEN = re.compile(r"<!--\s*numbers:\s*checked\s*-->")
REGION_CLOSE = re.compile(r"<!--\s*/numbers\s*-->")
SEPARATOR = re.compile(r"\|?(\s*:?-+:?\s*\|)*\s*:?-+:?\s*\|?")
AGGREGATES = ("mean", "median", "std", "min", "max", "count", "sum")
COVERED_HEADERS = ("nas-suite", "ours", "measured")


@dataclass(frozen=True)
class Problem:
    """One stale, unverifiable or unmarked number; ``str`` gives ``path:line: message``."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class Quote:
    """A well-formed marker and the number it vouches for.

    ``text`` is the number as written; ``start`` its 0-based offset in the line; ``bound`` is
    True when ``<`` or ``≤`` precedes it (an upper bound, not a rounded value).
    """

    line: int
    text: str
    source: str
    options: dict[str, str] = field(default_factory=dict)
    start: int = 0
    bound: bool = False


@dataclass(frozen=True)
class Checked:
    """Outcome of :func:`check`: how many quotes were verified in how many documents, and what failed."""

    numbers: int
    documents: int
    problems: list[Problem]


@dataclass(frozen=True)
class _Row:
    line: int
    text: str  # the raw line; ``spans`` index into it
    spans: list[tuple[int, int]]

    @property
    def cells(self) -> list[str]:
        return [self.text[a:b].strip() for a, b in self.spans]


@dataclass(frozen=True)
class _Table:
    line: int  # line of the header row
    header: list[str]
    rows: list[_Row]


class _Lookup(Exception):
    """A source that cannot give a value; its message becomes a :class:`Problem`."""


def _blank(pattern: re.Pattern[str], text: str) -> str:
    """``text`` with every match of ``pattern`` replaced by spaces, so offsets stay valid."""
    return pattern.sub(lambda m: " " * len(m.group()), text)


def _plain(line: str) -> str:
    """The line without comments and inline code (same length): where numbers are sought."""
    return _blank(COMMENT, _blank(CODE_SPAN, line))


def _bare(cell: str) -> str:
    return cell.replace("*", "").strip()


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split()) or type(err).__name__


def _lines(text: str) -> list[tuple[int, str]]:
    """(1-based line number, line) for every line outside fenced code blocks."""
    out, fence = [], None
    for no, line in enumerate(text.splitlines(), 1):
        start = line.lstrip()[:3]
        if start in ("```", "~~~"):
            fence = start if fence is None else (None if start == fence else fence)
        elif fence is None:
            out.append((no, line))
    return out


def _cell_spans(line: str) -> list[tuple[int, int]] | None:
    """Spans of the cells of a pipe-table row (one starting with ``|``), or None for other lines."""
    s = _blank(COMMENT, line).rstrip()
    if not s.lstrip().startswith("|"):
        return None
    pipes = [i for i, c in enumerate(s) if c == "|" and (i == 0 or s[i - 1] != "\\")]
    spans = list(zip([p + 1 for p in pipes], pipes[1:]))
    return spans + [(pipes[-1] + 1, len(s))] if pipes[-1] < len(s) - 1 else spans


def _tables(lines: list[tuple[int, str]]) -> list[_Table]:
    """Pipe tables (header row, separator row, body rows on consecutive lines) in document order."""
    tables: list[_Table] = []
    i = 0
    while i + 1 < len(lines):
        (no, head), (no2, sep) = lines[i], lines[i + 1]
        spans = _cell_spans(head)
        if spans is None or no2 != no + 1 or not SEPARATOR.fullmatch(sep.strip()):
            i += 1
            continue
        rows, j = [], i + 2
        while j < len(lines) and lines[j][0] == lines[j - 1][0] + 1 and (cells := _cell_spans(lines[j][1])) is not None:
            rows.append(_Row(lines[j][0], lines[j][1], cells))
            j += 1
        tables.append(_Table(no, [head[a:b].strip() for a, b in spans], rows))
        i = j
    return tables


def _options(tokens: list[str]) -> dict[str, str]:
    """Validated ``key=value`` options (``abs`` is a bare flag); raises ValueError naming the bad one."""
    out: dict[str, str] = {}
    for tok in tokens:
        key, eq, value = tok.partition("=")
        if key == "abs" and not eq:
            out[key] = ""
        elif key == "scale" and eq and _finite(value):
            out[key] = value
        elif key == "agg" and value in AGGREGATES:
            out[key] = value
        elif key == "table" and value.isdigit():
            out[key] = value
        else:
            raise ValueError(f"bad option {tok!r} (options: scale=NUMBER, abs, agg={'|'.join(AGGREGATES)}, table=N)")
    return out


def _finite(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _scan(lines: list[tuple[int, str]], where: str) -> tuple[list[Quote], list[Problem]]:
    """Every marker of the document: well-formed ones as quotes, the rest as problems."""
    quotes: list[Quote] = []
    problems: list[Problem] = []
    for no, line in lines:
        code_free = _blank(CODE_SPAN, line)
        plain = _blank(COMMENT, code_free)
        start = 0
        for m in MARKER.finditer(code_free):
            try:
                source, *rest = m.group(1).split() or [""]
                if not source:
                    raise ValueError("empty marker: write <!-- q: PATH?QUERY#FIELD [OPTIONS] -->")
                options = _options(rest)
                end = start + len(plain[start:m.start()].rstrip(TRAILING))
                found = list(NUMBER.finditer(plain, start, end))
                if not found or found[-1].end() != end:
                    raise ValueError(f"no number right before the marker for {source} (only whitespace and "
                                     f"'{TRAILING.strip()}' may stand between them)")
                num = found[-1]
                bound = plain[:num.start()].rstrip(" *").endswith(("<", "≤"))
                quotes.append(Quote(no, num.group(), source, options, num.start(), bound))
            except ValueError as err:
                problems.append(Problem(where, no, str(err)))
            start = m.end()
        if MARKER_OPEN.search(code_free, start):
            problems.append(Problem(where, no, "unclosed marker: '<!-- q: ...' must end with '-->' on the same line"))
    return quotes, problems


def markers(doc: Path) -> list[Quote]:
    """The well-formed markers of ``doc`` in order (malformed ones are reported by :func:`check_document`)."""
    return _scan(_lines(Path(doc).read_text(encoding="utf-8")), str(doc))[0]


# --- reading sources --------------------------------------------------------------------------

def _read_frame(path: Path) -> Any:
    import pandas as pd

    return pd.read_parquet(path) if path.suffix.lower() == ".parquet" else pd.read_csv(path)


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _read_tables(path: Path) -> list[_Table]:
    return _tables(_lines(path.read_text(encoding="utf-8")))


READERS: dict[str, Callable[[Path], Any]] = {".csv": _read_frame, ".parquet": _read_frame, ".json": _read_json,
                                              ".md": _read_tables}


class _Files:
    """Parsed source files, read once per :func:`check` however many quotes cite them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._loaded: dict[Path, Any] = {}

    def load(self, rel: str) -> Any:
        path = self.root / rel
        if path not in self._loaded:
            try:
                self._loaded[path] = READERS[path.suffix.lower()](path)
            except FileNotFoundError:
                self._loaded[path] = _Lookup(f"{rel} does not exist (relative to {self.root})")
            except (OSError, ValueError, ImportError) as err:  # pandas/pyarrow/json parse errors are ValueErrors
                self._loaded[path] = _Lookup(f"cannot read {rel}: {_one_line(err)}")
        if isinstance(self._loaded[path], _Lookup):
            raise self._loaded[path]
        return self._loaded[path]


def _number(value: Any, what: str) -> float:
    """``value`` as a float; booleans are refused (True is not the number 1 in a results table)."""
    try:
        if isinstance(value, bool) or type(value).__name__ == "bool_":
            raise TypeError
        return float(value)
    except (TypeError, ValueError):
        raise _Lookup(f"{what} is {value!r}, not a number") from None


def _token_value(token: str) -> float:
    return float(token.replace(",", "").replace("−", "-"))


def _equal(cell: Any, wanted: str) -> bool:
    """Filter equality: numeric when both sides parse as numbers, else as strings."""
    try:
        return float(cell) == float(wanted)
    except (TypeError, ValueError):
        return str(cell) == wanted


def _from_frame(frame: Any, filters: dict[str, str], column: str, agg: str | None) -> float:
    names = {str(c): c for c in frame.columns}
    rows = frame
    for key, wanted in filters.items():
        if key not in names:
            raise _Lookup(f"no column {key!r} to filter on (columns: {', '.join(names)})")
        rows = rows[rows[names[key]].map(lambda cell: _equal(cell, wanted)).astype(bool)]
    if not column:
        raise _Lookup("a table source needs #column")
    if column not in names:
        raise _Lookup(f"no column {column!r} (columns: {', '.join(names)})")
    values, where = rows[names[column]], "&".join(f"{k}={v}" for k, v in filters.items()) or "the table"
    if agg == "count":
        return float(values.count())
    if agg is None and len(values) != 1:
        raise _Lookup(f"{len(values)} rows match {where}; exactly one must (add filters, or agg={'|'.join(AGGREGATES)})")
    if len(values) == 0:
        raise _Lookup(f"no row matches {where}")
    if agg is None:
        return _number(values.iloc[0], f"the {column!r} cell")
    try:
        return float(getattr(values.astype(float), agg)())
    except (TypeError, ValueError):
        raise _Lookup(f"column {column!r} of the {len(values)} rows matching {where} is not numeric") from None


def _from_json(data: Any, fragment: str) -> float:
    if not fragment:
        raise _Lookup("a .json source needs #dotted.path")
    node, trail = data, "the top level"
    for key in map(unquote, fragment.split(".")):
        if isinstance(node, dict):
            if key not in node:
                raise _Lookup(f"no key {key!r} under {trail} (keys: {', '.join(list(map(str, node))[:12])})")
            node = node[key]
        elif isinstance(node, list):
            if not re.fullmatch(r"-?\d+", key) or not -len(node) <= int(key) < len(node):
                raise _Lookup(f"{trail} is a list of {len(node)}; {key!r} is not an index of it")
            node = node[int(key)]
        else:
            raise _Lookup(f"{trail} is {node!r}; cannot look up {key!r} in it")
        trail = key if trail == "the top level" else f"{trail}.{key}"
    return _number(node, trail)


def _from_tables(tables: list[_Table], filters: dict[str, str], fragment: str, index: int) -> float:
    if index >= len(tables):
        raise _Lookup(f"has {len(tables)} pipe table(s); there is no table={index}")
    if list(filters) != ["row"]:
        raise _Lookup("a .md source selects its row with ?row=TEXT (the first cell, bold stripped)")
    suffix = re.fullmatch(r"(.*?)(?:\[(\d+)\])?", fragment, re.S)
    assert suffix is not None  # the pattern matches every string
    header, k = _bare(unquote(suffix.group(1))), int(suffix.group(2) or 0)
    table = tables[index]
    heads = [_bare(h) for h in table.header]
    if header not in heads:
        raise _Lookup(f"no column {header!r} in table {index} (columns: {', '.join(heads)})")
    rows = [r for r in table.rows if r.cells and _bare(r.cells[0]) == filters["row"]]
    if len(rows) != 1:
        raise _Lookup(f"{len(rows)} rows of table {index} start with {filters['row']!r}; exactly one must")
    cells = rows[0].cells
    cell = cells[heads.index(header)] if heads.index(header) < len(cells) else ""
    numbers = [m.group() for m in NUMBER.finditer(_plain(cell))]
    if k >= len(numbers):
        raise _Lookup(f"cell {cell!r} holds {len(numbers)} number(s); there is no [{k}]")
    return _token_value(numbers[k])


def _value(quote: Quote, files: _Files) -> float:
    """The number ``quote.source`` points at (before scale/abs); raises :class:`_Lookup`."""
    head, _, fragment = quote.source.partition("#")
    rel, _, query = head.partition("?")
    rel = unquote(rel)
    suffix = Path(rel).suffix.lower()
    if suffix not in READERS:
        raise _Lookup(f"unsupported source type {suffix or rel!r} (use .csv, .parquet, .json or .md)")
    if Path(rel).is_absolute() or ".." in Path(rel).parts:
        raise _Lookup(f"{rel} must be a path inside the repository, relative to its root")
    filters = {}
    for pair in filter(None, query.split("&")):
        key, eq, value = pair.partition("=")
        if not eq:
            raise _Lookup(f"query part {pair!r} is not key=value")
        filters[unquote(key)] = unquote(value)
    if "agg" in quote.options and suffix not in (".csv", ".parquet"):
        raise _Lookup("agg= applies to .csv/.parquet sources only")
    if "table" in quote.options and suffix != ".md":
        raise _Lookup("table= applies to .md sources only")
    data = files.load(rel)
    if suffix == ".json":
        if filters:
            raise _Lookup("a .json source takes no ?query; put the path in #dotted.path")
        return _from_json(data, fragment)
    if suffix == ".md":
        return _from_tables(data, filters, fragment, int(quote.options.get("table", "0")))
    return _from_frame(data, filters, unquote(fragment), quote.options.get("agg"))


# --- comparing ---------------------------------------------------------------------------------

def _unsigned_zero(text: str) -> str:
    return text[1:] if text.startswith("-") and not any(c in "123456789" for c in text) else text


def _mismatch(quote: Quote, value: float) -> str | None:
    """None when the quote agrees with ``value``; else what the document should say instead."""
    v = abs(value) if "abs" in quote.options else value
    v *= float(quote.options.get("scale", "1"))
    text = quote.text.replace(",", "").replace("−", "-")
    mantissa, e, exponent = text.lower().partition("e")
    if quote.bound:
        return None if v <= float(text) else f"a value above the bound: {v:.6g}"
    decimals = len(mantissa.partition(".")[2])
    if e:
        half_unit = 0.5 * 10.0 ** (int(exponent) - decimals)
        return None if abs(v - float(text)) <= half_unit * (1 + 1e-9) else f"{v:.{decimals}e}"
    shown = _unsigned_zero(f"{v:.{decimals}f}")
    return None if shown == _unsigned_zero(text) else shown


# --- checking ----------------------------------------------------------------------------------

def _regions(lines: list[tuple[int, str]], where: str) -> tuple[set[int], list[Problem]]:
    """Line numbers inside ``<!-- numbers: checked -->`` regions, and problems with their nesting."""
    inside: set[int] = set()
    problems: list[Problem] = []
    opened: int | None = None
    for no, line in lines:
        if REGION_OPEN.fullmatch(line.strip()):
            if opened is not None:
                problems.append(Problem(where, no, f"checked region opened again before closing the one of line {opened}"))
            opened = no
        elif REGION_CLOSE.fullmatch(line.strip()):
            if opened is None:
                problems.append(Problem(where, no, "'<!-- /numbers -->' closes no '<!-- numbers: checked -->' region"))
            opened = None
        elif opened is not None:
            inside.add(no)
    if opened is not None:
        problems.append(Problem(where, opened, "checked region never closed: add a '<!-- /numbers -->' line"))
    return inside, problems


def _unmarked(lines: list[tuple[int, str]], quotes: list[Quote], where: str) -> list[Problem]:
    """Numbers without a marker in our-measurement columns of tables inside checked regions."""
    inside, problems = _regions(lines, where)
    marked = {(q.line, q.start) for q in quotes}
    for table in _tables(lines):
        if table.line not in inside:
            continue
        columns = [i for i, h in enumerate(table.header) if _bare(h).lower().startswith(COVERED_HEADERS)]
        for row in table.rows:
            plain = _plain(row.text)
            for i in (i for i in columns if i < len(row.spans)):
                for num in NUMBER.finditer(plain, *row.spans[i]):
                    if (row.line, num.start()) not in marked:
                        problems.append(Problem(where, row.line, (
                            f"unmarked number {num.group()} in column {table.header[i]!r} (row {row.cells[0]!r}) of a "
                            f"checked region: add <!-- q: SOURCE --> right after it")))
    return problems


def _check(doc: Path, files: _Files) -> tuple[int, list[Problem]]:
    root = files.root
    try:
        where = str(doc.resolve().relative_to(root.resolve()))
    except ValueError:
        where = str(doc)
    try:
        lines = _lines(doc.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as err:
        return 0, [Problem(where, 0, f"cannot read the document: {_one_line(err)}")]
    quotes, problems = _scan(lines, where)
    for q in quotes:
        try:
            value = _value(q, files)
        except _Lookup as err:
            problems.append(Problem(where, q.line, f"{q.text}: {q.source}: {_one_line(err)}"))
            continue
        wrong = _mismatch(q, value)
        if wrong is not None:
            how = "".join(f" {k}={v}" if v else f" {k}" for k, v in q.options.items())
            problems.append(Problem(where, q.line, (
                f"stale number: the document says {q.text} but {q.source}{how} gives {wrong} (raw value {value:.6g})")))
    problems += _unmarked(lines, quotes, where)
    return len(quotes), sorted(problems, key=lambda p: p.line)


def check(docs: Iterable[Path], root: Path) -> Checked:
    """Check every document against sources under ``root`` (the repository root); never raises for bad input."""
    files = _Files(Path(root))
    numbers, problems, n_docs = 0, [], 0
    for doc in docs:
        n, found = _check(Path(doc), files)
        numbers, n_docs = numbers + n, n_docs + 1
        problems += found
    return Checked(numbers, n_docs, problems)


def check_document(doc: Path, root: Path) -> list[Problem]:
    """Problems of one document: stale or unverifiable quotes, malformed markers, unmarked numbers."""
    return check([doc], root).problems


def check_documents(docs: Iterable[Path], root: Path) -> list[Problem]:
    """Problems of several documents, reading each cited source file once."""
    return check(docs, root).problems
