"""The documentation: the pages' code runs as written, and the site builds in strict mode.

* Every fenced block of ``docs/guides/*.md``, of the user guide ``docs/usage/*.md`` and of the
  front page ``README.md`` is executed or explicitly marked as not executed (conventions:
  ``tests/docs_blocks.py``). Each page runs in a fresh directory in its own
  process (so a guide that registers a searcher cannot leak it into other tests), with an empty
  ``$NAS_SUITE_DATA`` and per-user directory: loads fall back to the embedded ``data/``, and
  imports write under the temporary directory.
* ``mkdocs build --strict`` (the ``docs`` extra) fails on a broken link or anchor, a page missing
  from the navigation or an unresolved cross-reference; the figure hook is checked on its own.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from docs_blocks import page_options, problems, read_blocks
from extras import needs_extra

REPO = Path(__file__).resolve().parents[1]
GUIDES = sorted((REPO / "docs" / "guides").glob("*.md"))
#: every page whose blocks run: the guides, the user guide and the README (the front page)
PAGES = [*GUIDES, *sorted((REPO / "docs" / "usage").glob("*.md")), REPO / "README.md"]
RUNNER = Path(__file__).resolve().parent / "docs_blocks.py"
#: seconds one page may take (the whole set runs in about a minute and a half on 2 cores)
GUIDE_TIMEOUT = 300


def _guide_param(page: Path) -> object:
    options = page_options(page)
    marks = [pytest.mark.slow] if "slow" in options else []
    if options.get("extra"):
        marks.append(getattr(pytest.mark, f"needs_{options['extra']}"))
    return pytest.param(page, marks=marks, id=page.relative_to(REPO).with_suffix("").as_posix())


def test_there_are_guides():
    assert len(GUIDES) >= 8, [p.name for p in GUIDES]


def test_there_are_user_guide_pages_and_a_readme():
    assert len(PAGES) - len(GUIDES) >= 2 and PAGES[-1].is_file(), [p.name for p in PAGES]


def test_every_block_is_executed_or_marked():
    found = [p for page in PAGES for p in problems(read_blocks(page, str(page.relative_to(REPO))))]
    assert not found, "\n".join(found)


def test_block_conventions(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "```python\n# pkg/mod.py\nX = 1\n```\n\n<!-- not-executed: needs a cluster -->\n\n```bash\nrm -rf /\n```\n"
        "<!-- executed-with: --set seeds=1 -->\n```bash\nnas-suite reproduce quickstart --jobs 2  # note\n"
        "nas-suite report results/quickstart\n```\n\n  ```console\n  $ nas-suite data list\n  output\n  ```\n"
        "```text\nresults/\n```\n<!-- not-executed:  -->\n```toml\n[a]\nb = 1\n```\n")
    blocks = read_blocks(page)
    assert [b.action for b in blocks] == ["file", "skipped", "shell", "shell", "unhandled", "skipped"]
    assert blocks[0].file == "pkg/mod.py" and blocks[1].skip == "needs a cluster"
    assert blocks[2].script() == ("nas-suite reproduce quickstart --jobs 2 --set seeds=1  # note\n"
                                  "nas-suite report results/quickstart")
    assert blocks[3].script() == "nas-suite data list\n" and blocks[3].line == 17
    found = problems(blocks)
    assert any(":21: a ```text block is neither executed nor marked" in p for p in found)
    assert any(":25: a not-executed marker needs a reason" in p for p in found)


def _guide_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "NAS_SUITE_DATA": str(tmp_path / "nas-suite-data"),  # empty: loads fall back to the embedded data/
        "XDG_DATA_HOME": str(tmp_path / "xdg"),
        "MPLBACKEND": "Agg",
        "OMP_NUM_THREADS": "1",
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]),
    })
    return env


@pytest.mark.parametrize("page", [_guide_param(p) for p in PAGES])
def test_page_runs(page: Path, tmp_path: Path):
    extra = page_options(page).get("extra")
    if extra:
        needs_extra(extra)
    work = tmp_path / "work"
    work.mkdir()
    (work / "configs").symlink_to(REPO / "configs")  # `nas-suite run configs/<name>.toml` as from a clone
    done = subprocess.run([sys.executable, str(RUNNER), str(page)], cwd=work, env=_guide_env(tmp_path),
                          capture_output=True, text=True, timeout=GUIDE_TIMEOUT)
    assert done.returncode == 0, f"{page.name} failed:\n{done.stdout[-6000:]}\n{done.stderr[-6000:]}"


# -- the site ------------------------------------------------------------------------------------

def _mkdocs(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run([sys.executable, "-m", "mkdocs", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.mark.needs_docs
def test_site_builds_in_strict_mode(tmp_path):
    needs_extra("docs", "mkdocs")
    needs_extra("docs", "mkdocstrings_handlers.python")
    done = _mkdocs(["build", "--strict", "--site-dir", str(tmp_path / "site")], REPO)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-8000:]
    site = tmp_path / "site"
    for page in ("index.html", "reproduction/index.html", "guides/your-optimiser/index.html",
                 "api/search/index.html"):
        assert (site / page).is_file(), page
    # the hook published the figures the report shows, and the report points at them
    html = (site / "reproduction" / "index.html").read_text(encoding="utf-8")
    assert 'src="../results/anytime-nb201/report/anytime_test_vs_cost.png"' in html
    assert (site / "results" / "anytime-nb201" / "report" / "anytime_test_vs_cost.png").is_file()
    # the API reference is generated from the docstrings, with their Sphinx roles turned into links
    api = (site / "api" / "search" / "index.html").read_text(encoding="utf-8")
    assert "run_search" in api and ":class:" not in api and ":func:" not in api


def _mini_site(root: Path, page: str) -> Path:
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "index.md").write_text(page, encoding="utf-8")
    (root / "results" / "run").mkdir(parents=True)
    (root / "results" / "run" / "fig.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (root / "mkdocs.yml").write_text(
        f"site_name: t\nhooks:\n  - {REPO / 'docs' / 'hooks' / 'repo_files.py'}\n", encoding="utf-8")
    return root


@pytest.mark.needs_docs
@pytest.mark.parametrize("page, error", [
    ('# T\n\n<img src="../results/run/fig.png">\n\n![fig](../results/run/fig.png)\n', None),
    ('# T\n\n<img src="../results/run/missing.png">\n', "shows '../results/run/missing.png', which does not exist"),
    ("# T\n\n[the readme](../README.md)\n", "links to '../README.md' outside docs/"),
])
def test_figure_hook_publishes_results_figures_and_fails_on_broken_ones(tmp_path, page, error):
    needs_extra("docs", "mkdocs")
    root = _mini_site(tmp_path / "project", page)
    done = _mkdocs(["build", "--strict", "--site-dir", str(tmp_path / "site")], root)
    if error is None:
        assert done.returncode == 0, done.stderr
        assert (tmp_path / "site" / "results" / "run" / "fig.png").is_file()
        html = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
        assert html.count('src="results/run/fig.png"') == 2  # raw HTML and Markdown, both rewritten
    else:
        assert done.returncode != 0 and error in done.stderr, done.stderr
