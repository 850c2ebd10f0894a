"""Check that every number quoted in the project's Markdown equals the committed result it cites.

Run from anywhere: ``python scripts/check_quoted_numbers.py [--root DIR] [DOCS...]``. Without
DOCS it checks ``README.md`` and every ``docs/**/*.md`` of the repository (``--root``, default: the
repository this script lives in). Markers and the comparison rules are described in
:mod:`suite.report.quotes`. Prints one ``path:line: message`` per problem, then
``checked N numbers in M documents``; exits 1 if there was any problem, so CI can refuse stale
numbers.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from suite.report.quotes import check  # noqa: E402


def default_documents(root: Path) -> list[Path]:
    """``README.md`` (if present) and every ``docs/**/*.md`` under ``root`` (guides and API pages
    included: the documentation site publishes them all), in a stable order."""
    readme = root / "README.md"
    return ([readme] if readme.is_file() else []) + sorted((root / "docs").rglob("*.md"))


def main(argv: list[str] | None = None) -> int:
    """Check the documents; return the exit status (0: every quote matches, 1: problems)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("docs", nargs="*", type=Path, help="Markdown files (default: README.md and docs/**/*.md)")
    parser.add_argument("--root", type=Path, default=REPO, help="repository root that sources are relative to")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    docs = args.docs or default_documents(root)
    result = check(docs, root)
    for problem in result.problems:
        print(problem)
    print(f"checked {result.numbers} numbers in {result.documents} documents")
    return 1 if result.problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
