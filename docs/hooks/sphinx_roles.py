"""Griffe extension: the Sphinx roles of nas-suite's docstrings become links in the API reference.

Why: the docstrings name other objects the Sphinx way (``:class:`Benchmark```,
``:func:`~suite.search.run_search```), which Markdown would show as literal ``:class:`` text.
Each role becomes the object's name in code font, linked through mkdocs-autorefs where the object
is rendered in the API reference; an ``optional`` reference that finds no page stays plain code,
so an object the reference does not render (a private helper, numpy) never breaks the build.

A target is resolved in the scope of the documented object (griffe's ``Object.resolve``), so
``:class:`Benchmark``` in ``suite.data`` links to ``suite.data.benchmark.Benchmark``;
``~a.b.C`` shows ``C``. Only docstring text changes; the source files are never touched.
"""

from __future__ import annotations

import html
import re
from typing import Any

import griffe

#: ``:role:`target``` with the roles the docstrings use (and ``:py:role:`` spellings)
ROLE = re.compile(r":(?:py:)?(?:func|class|meth|mod|data|attr|exc|obj|const):`(?P<target>[^`]+)`")
PACKAGE = "suite"


def _identifier(obj: griffe.Object, target: str) -> str | None:
    """The full dotted path of ``target`` seen from ``obj``, or None if it is not part of the package."""
    first, _, rest = target.partition(".")
    if first != PACKAGE:
        try:
            first = obj.resolve(first)
        except (griffe.NameResolutionError, griffe.AliasResolutionError, KeyError):
            return None
    path = f"{first}.{rest}" if rest else first
    return path if path == PACKAGE or path.startswith(f"{PACKAGE}.") else None


def _replace(obj: griffe.Object, match: re.Match[str]) -> str:
    target = match["target"].strip()
    if "<" in target and target.endswith(">"):  # ``title <target>``
        shown, _, target = target[:-1].partition("<")
        shown = shown.strip()
    else:
        shown = None
    short = target.startswith("~")
    target = target.lstrip("~.").removesuffix("()")
    if shown is None:
        shown = target.rpartition(".")[2] if short else target
    code = f"<code>{html.escape(shown)}</code>"
    identifier = _identifier(obj, target)
    if identifier is None:
        return code
    return f'<autoref identifier="{html.escape(identifier)}" optional>{code}</autoref>'


class SphinxRoles(griffe.Extension):
    """Rewrite the Sphinx roles of every docstring in the package once it is loaded."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        stack: list[griffe.Object] = [pkg]
        while stack:
            obj = stack.pop()
            if obj.docstring is not None and ":" in obj.docstring.value:
                obj.docstring.value = ROLE.sub(lambda m, o=obj: _replace(o, m), obj.docstring.value)
            stack.extend(member for member in obj.members.values() if not member.is_alias)
