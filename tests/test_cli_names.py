"""Names follow the field (issue 7): benchmark spellings, one name per proxy, one-line errors for every
missing extra, ``reproduce`` without a name, ``--debug`` anywhere, and a headline table after a run."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest

import suite
import suite.encodings
import suite.predictors as P
from suite.cli import build_parser, main
from suite.data.paths import EMBEDDED_DIR
from suite.data.registry import benchmark_spec
from suite.errors import NasSuiteError

REPO = Path(__file__).resolve().parents[1]
CONFIG = str(REPO / "configs" / "quickstart.toml")
SMALL = ["--set", "predictors=[ols,ridge]", "--set", "seeds=2", "--set", "train_sizes=[20]", "--set", "test_size=50"]

ALIASES = {
    "nb201": ["nasbench201", "nasbench-201", "nb-201", "nas-bench-201", "nats-tss", "natsbench-tss", "NAS-Bench-201"],
    "nb101": ["nasbench101", "nas-bench-101", "nb-101"],
    "nbmacro": ["nasbenchmacro", "nas-bench-macro"],
    "nbgraph": ["nasbenchgraph", "nas-bench-graph"],
    "nbnlp": ["nasbenchnlp", "nas-bench-nlp"],
}


# -- benchmark spellings ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, alias", [(n, a) for n, spellings in ALIASES.items() for a in spellings])
def test_every_field_spelling_names_its_benchmark(name, alias):
    assert benchmark_spec(alias).name == name
    assert suite.encodings.available(alias) == suite.encodings.available(name)


def test_aliases_work_in_load_specs_and_the_cli(tmp_path, capsys):
    from suite.experiment import load_spec
    from suite.experiment.proxy_runs import ProxyJob

    assert suite.load("nas-bench-macro", "cifar10", root=EMBEDDED_DIR).name == "nbmacro"
    assert suite.encodings.graph_shape("nats-tss") == (8, 7)
    spec = tmp_path / "s.toml"
    spec.write_text('benchmark = "nas-bench-201"\npredictors = ["ols"]\ntrain_sizes = [10]\n')
    assert load_spec(spec).benchmark == "nb201"
    assert ProxyJob("nats-tss", "cifar10", ("params",)).name == ProxyJob("nb201", "cifar10", ("params",)).name
    args = build_parser().parse_args(["proxies", "compute", "--benchmark", "NAS-Bench-101", "--proxy", "params"])
    assert args.benchmark == "nb101"
    assert main(["--root", str(EMBEDDED_DIR), "data", "info", "nasbenchmacro/cifar10"]) == 0
    assert "NAS-Bench-Macro / cifar10: 6561 architectures" in capsys.readouterr().out
    with pytest.raises(SystemExit) as info:  # a benchmark without networks stays a one-line usage error
        main(["verify", "--benchmark", "nas-bench-macro", "--schedule", "50", "--n-archs", "1"])
    err = capsys.readouterr().err.strip().splitlines()
    assert info.value.code == 2 and len(err) == 1 and "invalid choice: 'nas-bench-macro' (choose from nb101, nb201)" in err[0]


# -- one name per proxy ------------------------------------------------------------------------------------------
def test_naswot_is_the_name_and_nwot_a_deprecated_alias(tmp_path):
    from suite.experiment import load_spec
    from suite.experiment.kinds import run_spec

    assert "naswot" in P.available() and "nwot" not in P.available()
    assert P.spec("naswot").inputs.proxies == ("nbsz_nwot",)  # NAS-Bench-Suite-Zero's own column key
    with pytest.warns(DeprecationWarning, match="'nwot' is now called 'naswot'"):
        assert P.spec("nwot") is P.spec("naswot")
    with pytest.warns(DeprecationWarning):
        P.make("nwot")
    spec = tmp_path / "old.toml"
    spec.write_text('benchmark = "nb201"\npredictors = ["nwot"]\ntrain_sizes = [10]\ntest_size = 50\n')
    with pytest.warns(DeprecationWarning, match="'nwot' is now called 'naswot'"):  # an old config still runs
        result = run_spec(load_spec(spec), tmp_path / "results")
    assert result.complete and len(result.records)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in P.available():  # no registered name warns
            P.spec(name)


# -- missing extras are one line -----------------------------------------------------------------------------------
_HIDE = textwrap.dedent("""
    import os, sys
    HIDDEN = tuple(m for m in os.environ.get("HIDE_MODULES", "").split(",") if m)

    class Hide:  # these modules are not installed
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in HIDDEN:
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)

    sys.meta_path.insert(0, Hide())
""")


def _cli_without(tmp_path: Path, modules: str, *argv: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "sitecustomize.py").write_text(_HIDE)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO)]), "HIDE_MODULES": modules,
           "XDG_DATA_HOME": str(tmp_path / "xdg")}
    env.pop("NAS_SUITE_DATA", None)
    return subprocess.run([sys.executable, "-m", "suite.cli", *argv], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=120)


def test_commands_without_torch_list_or_fail_in_one_line(tmp_path):
    listing = _cli_without(tmp_path, "torch", "proxies", "list")
    assert listing.returncode == 0 and "naswot" in listing.stdout and not listing.stderr
    for argv in (["proxies", "compute", "--benchmark", "nb201", "--proxy", "naswot", "--archs", "2"],
                 ["verify", "--benchmark", "nb201", "--schedule", "12", "--n-archs", "1"]):
        out = _cli_without(tmp_path, "torch", *argv)
        lines = out.stderr.strip().splitlines()
        assert out.returncode == 2 and len(lines) == 1, out.stderr
        assert lines[0].startswith("nas-suite: error: ") and "pip install 'nas-suite[torch]'" in lines[0]


@pytest.mark.parametrize("module, extra", [("optuna", "optuna"), ("smac", "smac"), ("nas_bench_graph", "graph"),
                                           ("xgboost", "boost"), ("ConfigSpace", "smac")])
def test_an_extra_imported_anywhere_is_one_line(monkeypatch, capsys, module, extra):
    import suite.cli as cli

    def command(args):
        raise ModuleNotFoundError(f"No module named '{module}.sub'", name=f"{module}.sub")

    monkeypatch.setattr(cli, "_cmd_predictors", command)
    assert main(["predictors"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and f"needs the '{extra}' extra" in lines[0] and f"nas-suite[{extra}]" in lines[0]


# -- reproduce without a name, --debug anywhere -----------------------------------------------------------------------
def test_reproduce_without_a_name_lists_the_shipped_configs(capsys):
    assert main(["reproduce"]) == 0
    out = capsys.readouterr().out.splitlines()
    names = {line.split()[0] for line in out[1:]}
    assert names == {p.stem for p in (REPO / "configs").glob("*.toml")}
    macro = next(line for line in out if line.split()[0] == "nbmacro-quick")
    assert "NAS-Bench-Macro" in macro  # its description


@pytest.mark.parametrize("argv", [["--debug", "reproduce", "no-such-config"], ["reproduce", "--debug", "no-such-config"],
                                  ["reproduce", "no-such-config", "--debug"], ["proxies", "list", "--debug", "--bogus"]])
def test_debug_anywhere(argv):
    if "--bogus" in argv:  # a usage error stays a usage error with --debug
        with pytest.raises(SystemExit):
            main(argv)
        return
    with pytest.raises(NasSuiteError, match="no shipped config 'no-such-config'"):
        main(argv)


# -- a finished run prints its headline ---------------------------------------------------------------------------------
def test_a_finished_run_prints_its_headline_table_not_every_path(tmp_path, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # two seeds: too few for the paired tests (TooFewPairs)
        assert main(["reproduce", "quickstart", *SMALL, "--results", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "| predictor | kendall |" in out and "| ols |" in out and "| ridge |" in out
    assert "kendall at the largest train size (20)" in out
    assert f"report files to {tmp_path / 'quickstart' / 'report'}" in out
    listed = str(tmp_path / "quickstart" / "report" / "summary_kendall.md")
    assert listed not in out
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["reproduce", "quickstart", *SMALL, "--results", str(tmp_path / "v"), "--verbose"]) == 0
    out = capsys.readouterr().out
    assert str(tmp_path / "v" / "quickstart" / "report" / "summary_kendall.md") in out and "| predictor | kendall |" in out  # paths under --verbose, the table still
    assert main(["run", CONFIG, *SMALL, "--set", "name=plain", "--results", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "| ols |" in out and "report files" not in out  # `run` writes no report but shows the table
