"""The sdist and the wheel carry the embedded data and the shipped configs (issue: pip install works
outside a checkout).

One build, as ``python -m build`` makes it (the sdist from the checkout, the wheel from that sdist,
so a file missing from ``MANIFEST.in`` is missing from the wheel too), offline (``--no-isolation``:
the test extra installs ``build`` and the setuptools that ``pyproject.toml`` requires). The archives
are only read, never installed; the last test imports ``suite`` from the unpacked wheel to check that
:mod:`suite._shipped` finds the copies there. CI's packaging phase installs the wheel for real.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
#: where setup.py puts the copies inside the wheel
WHEEL_DATA, WHEEL_CONFIGS = "suite/_shipped/data", "suite/_shipped/configs"


def _caches() -> list[Path]:
    """``<benchmark>/<dataset>`` of every embedded cache, relative to ``data/``."""
    return sorted(p.parent.relative_to(REPO / "data") for p in (REPO / "data").glob("*/*/metadata.json"))


def _expected(prefix: str, configs_prefix: str) -> dict[str, Path]:
    """``{archive member: source file}``: every cache's metadata.json and the files it lists,
    data/README.md, every configs/*.toml."""
    out = {f"{prefix}/README.md": REPO / "data" / "README.md"}
    for cache in _caches():
        meta = json.loads((REPO / "data" / cache / "metadata.json").read_text(encoding="utf-8"))
        for name in ["metadata.json", *meta["files"]]:
            out[f"{prefix}/{cache.as_posix()}/{name}"] = REPO / "data" / cache / name
    for path in sorted((REPO / "configs").glob("*.toml")):
        out[f"{configs_prefix}/{path.name}"] = path
    return out


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    pytest.importorskip("build", reason="the test extra installs build: pip install -e '.[test]'")
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(REPO)],
                   check=True, capture_output=True, text=True, timeout=600)
    return out


def _one(directory: Path, pattern: str) -> Path:
    found = sorted(directory.glob(pattern))
    assert len(found) == 1, f"expected one {pattern} in {directory}, found {[p.name for p in found]}"
    return found[0]


def test_the_repository_has_what_the_archives_must_carry():
    assert len(_caches()) >= 10 and (REPO / "data" / "nb201" / "cifar10") in [REPO / "data" / c for c in _caches()]
    assert len(list((REPO / "configs").glob("*.toml"))) >= 30 and (REPO / "configs" / "quickstart.toml").is_file()


def test_the_wheel_carries_every_embedded_cache_the_data_readme_and_every_config(dist):
    with zipfile.ZipFile(_one(dist, "*.whl")) as wheel:
        names = set(wheel.namelist())
        expected = _expected(WHEEL_DATA, WHEEL_CONFIGS)
        missing = sorted(set(expected) - names)
        assert not missing, f"{len(missing)} files missing from the wheel, e.g. {missing[:5]}"
        for member in ("suite/_shipped/data/README.md", "suite/_shipped/configs/quickstart.toml",
                       "suite/_shipped/data/nb201/cifar10/metadata.json"):
            assert wheel.read(member) == expected[member].read_bytes(), f"{member} differs from the repository's"
    assert not any(n.startswith(("data/", "configs/")) for n in names), "top-level data/ would clash in site-packages"


def test_the_sdist_carries_the_originals(dist):
    with tarfile.open(_one(dist, "*.tar.gz")) as sdist:
        names = sdist.getnames()
        root = names[0].split("/")[0]
        members = {n.removeprefix(root + "/") for n in names}
    missing = sorted(set(_expected("data", "configs")) - members)
    assert not missing, f"{len(missing)} files missing from the sdist, e.g. {missing[:5]}"
    assert {"setup.py", "MANIFEST.in", "pyproject.toml", "README.md", "LICENSE"} <= members


def test_the_unpacked_wheel_finds_its_own_copies(dist, tmp_path):
    """Import ``suite`` from the unpacked wheel (dependencies from this environment), away from the
    checkout: the embedded data and the configs are the wheel's, provenance names no checkout."""
    site = tmp_path / "site"
    with zipfile.ZipFile(_one(dist, "*.whl")) as wheel:
        wheel.extractall(site)
    script = (
        "import json, suite, suite._shipped as s, suite.data.paths as p\n"
        "from suite.cli import shipped_config\n"
        "from suite.experiment import files\n"
        "b = suite.load('nb201', 'cifar10')\n"
        "print(json.dumps({'installed': s.is_installed(), 'embedded': str(p.EMBEDDED_DIR), 'path': str(b.path),\n"
        "  'config': str(shipped_config('quickstart')), 'cache': files.portable_cache_location(b.path),\n"
        "  'commit': files.git_commit(), 'dirty': files.git_dirty(), 'root': files.REPO_ROOT is None}))\n"
    )
    env = {"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout.strip().splitlines()[-1])
    shipped = site / "suite" / "_shipped"
    assert got["installed"] and got["root"]
    assert got["embedded"] == str((shipped / "data").resolve())
    assert got["path"] == str((shipped / "data" / "nb201" / "cifar10").resolve())
    assert got["config"] == str((shipped / "configs" / "quickstart.toml").resolve())
    assert got["cache"] == "embedded:nb201/cifar10"
    assert got["commit"].startswith("nas-suite ") and "no git checkout" in got["commit"] and got["dirty"] is None
