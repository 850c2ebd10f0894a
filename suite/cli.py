"""The ``nas-suite`` command. The only module that prints.

Bad input never ends in a traceback: a :class:`suite.errors.NasSuiteError`, a usage error, a
path that cannot be read or written (missing, a directory, read-only, a full disk), a damaged
parquet file and a missing optional extra (naming its ``pip install``) each become one line
``nas-suite: error: ...`` on stderr and exit status 2. A finished run prints its headline table
(:mod:`suite.headline`); ``reproduce`` without a name lists the shipped configs (exit status 0). Any
other exception is a bug: one line naming it, "re-run with --debug for the traceback", exit
status 1. ``--debug`` (anywhere on the command line) shows the traceback instead.
"""

from __future__ import annotations

import argparse
import errno
import inspect
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any, Callable, NoReturn, Sequence

from . import __version__
from .errors import NasSuiteError


def _progress_bar(desc: str) -> Callable[[int, int | None], None]:
    """A tqdm-backed ``callback(done, total)``; silent when stderr is not a terminal (CI, pipes)."""
    from tqdm import tqdm

    bar: dict[str, Any] = {}

    def update(done: int, total: int | None) -> None:
        if "t" not in bar:
            bar["t"] = tqdm(total=total, desc=desc, unit="B" if desc == "download" else "it",
                            unit_scale=True, disable=not sys.stderr.isatty(), leave=False)
        t = bar["t"]
        if total is not None and t.total != total:
            t.total = total
        t.update(done - t.n)
        if total is not None and done >= total:
            t.close()

    return update


# -- data ------------------------------------------------------------------------------------


def _cmd_data_list(args: argparse.Namespace) -> int:
    from .data.benchmark import locate
    from .data.registry import BENCHMARKS, IMPORTERS
    from .errors import CacheError

    print("Benchmarks (dataset: cache in use, or how to get one):")
    for spec in BENCHMARKS.values():
        print(f"  {spec.name:8s} {spec.title}")
        for dataset in spec.datasets:
            try:
                where = str(locate(spec.name, dataset, args.root))
            except CacheError:
                where = "not imported (see importers below)"
            print(f"      {dataset:16s} {where}")
    print("\nImporters (`nas-suite data import NAME SOURCE`):")
    for imp in IMPORTERS.values():
        flags = " [needs --allow-pickle]" if imp.uses_pickle else ""
        extra = f" [pip extra: {imp.extra}]" if imp.extra else ""
        print(f"  {imp.name:16s} {imp.source}{flags}{extra}")
    from .data.sources import SOURCES

    print("\nOfficial files (`nas-suite data download NAME`, needs internet; then import them):")
    for src in SOURCES.values():
        check = "sha256 published" if src.sha256 else "no published checksum (--sha256 or --no-verify)"
        print(f"  {src.name:16s} {src.filename} ({src.approx_size}; {check}) -> {src.importer}")
    return 0


def _split_name(name: str, dataset: str | None) -> tuple[str, str]:
    if "/" in name:
        name, dataset = name.split("/", 1)
    return name, dataset or "cifar10"


def _cmd_data_info(args: argparse.Namespace) -> int:
    from .data.benchmark import load

    name, dataset = _split_name(args.name, args.dataset)
    bench = load(name, dataset, args.root)
    meta = bench.meta
    print(f"{bench.spec.title} / {bench.dataset}: {len(bench)} architectures")
    print(f"cache:     {bench.path}")
    print(f"converter: {meta['converter']['name']} {meta['converter']['version']} (schema {meta['schema_version']})")
    print(f"licence:   {meta['licence']}")
    print(f"cite:      {meta['citation']}")
    for src in meta["sources"]:
        print(f"source:    {src['file']} sha256={src['sha256'][:16]}... {src.get('role', '')}")
    if meta.get("notes"):
        print(f"notes:     {meta['notes']}")
    print("\nmetrics:")
    for metric in bench.metrics:
        info = bench.info(metric)
        print(f"  {metric} [{info.get('unit') or '-'}] {info['description']}")
        if info.get("split"):
            print(f"      split: {info['split']}")
        for block in info["blocks"]:
            epochs = block["epochs"]
            ep = "-" if epochs is None else (f"{epochs[0]}..{epochs[-1]} ({len(epochs)})" if len(epochs) > 3 else str(epochs))
            cover = "all" if block["rows"] is None else f"{block['shape'][0]} archs"
            print(f"      schedule={block['schedule']} epochs={ep} seeds={block['seeds']} rows={cover}"
                  + (f" - {block['note']}" if block.get("note") else ""))
    return 0


def _cmd_data_verify(args: argparse.Namespace) -> int:
    from .data.benchmark import load

    name, dataset = _split_name(args.name, args.dataset)
    bench = load(name, dataset, args.root)
    bench.verify()
    print(f"{bench.path}: all {len(bench.meta['files'])} files match their sha256")
    return 0


def _cmd_data_import(args: argparse.Namespace) -> int:
    from .data.paths import write_root
    from .data.registry import importer_spec

    spec = importer_spec(args.importer)
    missing = [s for s in args.source if not Path(s).exists()]
    if missing:
        raise NasSuiteError(f"source not found: {missing[0]} ({spec.name} expects {spec.source})")
    options: dict[str, Any] = dict(args.option or [])
    if spec.uses_pickle:
        options["allow_pickle"] = args.allow_pickle
    elif args.allow_pickle:
        raise NasSuiteError(f"{spec.name} reads no pickles; drop --allow-pickle")
    if args.dataset:
        options["datasets"] = args.dataset
    convert = spec.load()
    accepted = inspect.signature(convert).parameters
    if "progress" in accepted:
        options["progress"] = _progress_bar(spec.name)
    unknown = [k for k in options if k not in accepted and not any(p.kind == p.VAR_KEYWORD for p in accepted.values())]
    if unknown:
        raise NasSuiteError(f"{spec.name} takes no option {', '.join(unknown)}")
    sources = [Path(s) for s in args.source]
    written = convert(sources if len(sources) > 1 else sources[0], write_root(args.out), **options)
    for path in written:
        print(f"wrote {path}")
    return 0


def _count(text: str) -> int:
    """An argparse type: a whole number >= 1 (sizes, chunks, epochs)."""
    value = _whole(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _natural(text: str) -> int:
    """An argparse type: a whole number >= 0 (seeds, indices, --limit)."""
    value = _whole(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None


def _parse_option(text: str) -> tuple[str, Any]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"options look like key=value, got {text!r}")
    lowered = value.lower()
    if lowered in ("true", "false"):
        return key, lowered == "true"
    return key, value


def _cmd_data_download(args: argparse.Namespace) -> int:
    from .data.download import download, read_manifest
    from .data.paths import write_root

    dest = Path(args.dest) if args.dest else write_root(args.root) / "downloads"
    path = download(args.name, dest, sha256=args.sha256, verify=not args.no_verify, filename=args.filename,
                    mirror=args.mirror, progress=_progress_bar("download"))
    print(f"downloaded {path}")
    if args.no_verify:
        manifest = read_manifest(path)
        print(f"not verified against a published checksum; sha256={manifest['sha256']} "
              f"(name tag in md5: {manifest.get('name_tag_in_md5')})")
    return 0


# -- experiments -----------------------------------------------------------------------------


def _cmd_predictors(args: argparse.Namespace) -> int:
    import suite.predictors as P

    print(f"{'name':<10} {'family':<15} {'inputs':<36} extra")
    for name in P.available():
        entry = P.spec(name)
        print(f"{name:<10} {entry.family:<15} {entry.inputs.describe():<36} {entry.extra or '-'}")
    return 0


def _jobs(requested: int) -> int:
    """``--jobs`` checked: at least 1, and at most the cores this process may use (a warning says so)."""
    if requested < 1:
        raise NasSuiteError(f"--jobs must be at least 1, got {requested}")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if requested > cores:
        print(f"nas-suite: warning: --jobs {requested} exceeds the {cores} available cores; using {cores}",
              file=sys.stderr)
        return cores
    return requested


def _check_size(spec: Any, args: argparse.Namespace, jobs: int) -> None:
    """Refuse a grid over :data:`~suite.experiment.spec.MAX_TASKS` tasks unless ``--force``; say its size.

    The size is printed before the first task runs (stdout, so that stderr holds errors only).
    """
    from .experiment.spec import MAX_TASKS, grid_size

    n, product = grid_size(spec)
    if n > MAX_TASKS and not args.force:
        raise NasSuiteError(f"{spec.name}: {n:,} tasks ({product}) exceed the cap of {MAX_TASKS:,}; "
                            f"shrink the grid with --set (e.g. --set seeds=10) or pass --force to run it anyway")
    where = f"{jobs} local job{'s' * (jobs > 1)}" if args.backend == "local" else args.backend
    print(f"{spec.name}: at most {n:,} task{'s' * (n != 1)} ({product}) on {where}", flush=True)


def _run_spec(spec: Any, args: argparse.Namespace) -> Any:
    """Run a parsed spec of any kind with the command line's options; prints one summary line."""
    from .experiment.kinds import RunOptions, kind_of, run_spec

    address = args.scheduler if args.backend == "dask" else args.address
    jobs = _jobs(args.jobs)
    _check_size(spec, args, jobs)
    device = _device(args.device) if kind_of(spec).name == "proxies" else args.device
    options = RunOptions(backend=args.backend, jobs=jobs, address=address, data_root=args.root,
                         limit=args.limit, device=device)
    result = run_spec(spec, args.results, options)
    print(result.summary())
    return result


def _load_spec(path: str | Path, overrides: Sequence[str]) -> Any:
    """``load_spec`` for the command line: the file checked first, nesting bombs one line."""
    from .experiment import load_spec
    from .experiment.spec import check_spec_file

    check_spec_file(path)
    try:
        return load_spec(path, overrides)
    except RecursionError:  # tomllib recurses once per nested array or table
        raise NasSuiteError(f"{path} or a --set value nests arrays or tables too deeply to be a spec") from None


def _cmd_run(args: argparse.Namespace) -> int:
    result = _run_spec(_load_spec(args.config, args.set or ()), args)
    _print_outcome(result, None, args)
    return 0


def _print_outcome(result: Any, written: list[str] | None, args: argparse.Namespace) -> None:
    """After a finished run: ``wrote N files to DIR`` (each path with --verbose), then the headline table."""
    if written is not None:
        if getattr(args, "verbose", False):
            for path in written:
                print(path)
        print(f"wrote {len(written)} report files to {Path(result.directory) / 'report'}")
    if result.complete:
        from .headline import headline

        table = headline(result.directory)
        if table:
            print()
            print(table, end="")


def shipped_config(name: str) -> Path:
    """``configs/<name>.toml`` of the working directory, else of :func:`suite._shipped.configs_dir`."""
    from ._shipped import configs_dir

    here = configs_dir()
    for base in (Path("configs"), here):
        path = base / f"{name}.toml"
        if path.exists():
            return path
    names = sorted(p.stem for p in here.glob("*.toml")) if here.exists() else []
    raise NasSuiteError(f"no shipped config {name!r}; available: {', '.join(names) or 'none found'}")


def shipped_configs() -> list[tuple[str, str]]:
    """``(name, description)`` of every shipped config (``configs/*.toml`` of the source tree and the
    working directory), sorted by name; a file that is not valid TOML gets an empty description."""
    import tomllib

    from ._shipped import configs_dir

    here = configs_dir()
    found: dict[str, str] = {}
    for base in (here, Path("configs")):
        for path in sorted(base.glob("*.toml")) if base.is_dir() else []:
            try:
                description = tomllib.loads(path.read_text(encoding="utf-8")).get("description", "")
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                description = ""
            found[path.stem] = " ".join(str(description).split())
    return sorted(found.items())


def _cmd_reproduce(args: argparse.Namespace) -> int:
    if args.name is None:  # a listing, not an error: exit status 0
        print("Shipped configs (nas-suite reproduce NAME):")
        for name, description in shipped_configs():
            print(f"  {name:32s} {description}")
        return 0
    result = _run_spec(_load_spec(shipped_config(args.name), args.set or ()), args)
    written = None
    unchanged = not result.changed and (result.directory / "report").is_dir()  # a finished grid: leave it as it is
    if not args.no_report and result.complete and not unchanged:
        from .report import write_report

        written = write_report(result.directory)
    _print_outcome(result, written, args)
    return 0


def _csv_option(value: str | None) -> tuple[str, ...] | None:
    """``a,b`` -> ("a", "b"); None stays None (option not given)."""
    return None if value is None else tuple(v.strip() for v in value.split(",") if v.strip())


def _cmd_report(args: argparse.Namespace) -> int:
    from .report import write_report

    for path in write_report(Path(args.run_dir), names=_csv_option(args.names), metrics=_csv_option(args.metrics),
                             formats=_csv_option(args.formats) or (), style=args.style):
        print(path)
    return 0


def _add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a spec value, e.g. predictors=[xgb,gnn] (repeatable)")
    p.add_argument("--backend", choices=["local", "dask", "ray"], default="local", help="where cells run (default: local processes)")
    p.add_argument("--jobs", type=int, default=1, help="local worker processes (default 1)")
    p.add_argument("--scheduler", default=None, help="Dask scheduler address, with --backend dask")
    p.add_argument("--address", default=None, help="Ray cluster address, with --backend ray (default: a local Ray)")
    p.add_argument("--results", default="results", help="results root (default: results/)")
    p.add_argument("--device", default=None, help="torch device for proxy experiments (default: cuda when available)")
    p.add_argument("--limit", type=_natural, default=None, metavar="N",
                   help="stop after N new tasks (cells, runs or chunks); run the same command again to finish")
    p.add_argument("--force", action="store_true", help="run a grid larger than the cap on tasks (see docs/reliability.md)")
    p.add_argument("--verbose", action="store_true", help="also list every report file written")


# -- demo ------------------------------------------------------------------------------------


def _cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    report = run_demo(root=args.root, out=Path(args.out))
    print(report)
    return 0


# -- proxies ---------------------------------------------------------------------------------


def _cmd_proxies_list(args: argparse.Namespace) -> int:
    from .proxies import PROXIES, citation

    for name in PROXIES:
        print(f"  {name:10s} {citation(name)}")
    return 0


def _cmd_proxies_compute(args: argparse.Namespace) -> int:
    from .experiment.proxy_runs import ProxyJob, run_proxy_job

    archs: str | int = args.archs
    if archs not in ("all", "published"):
        try:
            archs = int(archs)
        except ValueError:
            raise NasSuiteError(f"--archs must be 'all', 'published' or a number, got {args.archs!r}") from None
    proxies = tuple(p for item in args.proxy for p in item.split(",") if p)
    job = ProxyJob(args.benchmark, args.dataset, proxies, archs=archs, sample_seed=args.sample_seed, seed=args.seed,
                   batch_size=args.batch_size, batch_index=args.batch_index, images=args.images or "shipped",
                   image_dataset=args.image_dataset, chunk=args.chunk)
    device = _device(args.device)
    summary = run_proxy_job(job, args.results, backend=args.backend, jobs=_jobs(args.jobs), address=args.address,
                            data_root=args.root, cache_root=args.out, device=device,
                            write_cache=not args.no_cache, replace=args.replace, limit=args.limit)
    print(f"{job.name}: {summary['archs']} architectures, {summary['chunks_run']} of {summary['chunks']} chunks run now "
          f"on {device} -> {summary['directory']}")
    if not summary["complete"]:
        print("not finished; run the same command again to resume")
        return 0
    for name, t in summary["seconds"].items():
        print(f"  {name:10s} median {t['median']:.3f} s per architecture (total {t['total']:.0f} s)")
    comparison = summary["comparison"]
    shown = comparison[comparison["n"] > 0]
    if len(shown):
        print("rank correlation with NAS-Bench-Suite-Zero's published scores:")
        for row in shown.itertuples():
            print(f"  {row.proxy:10s} vs {row.published:18s} n={row.n:4d}  Spearman {row.spearman:.3f}  Kendall {row.kendall:.3f}")
    if summary["cache"] is not None:
        print(f"wrote {', '.join('zc_' + p for p in proxies)} into {summary['cache']}")
    return 0


def _network_benchmark(text: str) -> str:
    """``--benchmark`` of the commands that build networks: the registry name of any spelling
    (``nas-bench-201`` -> ``nb201``) of a benchmark with networks; else a one-line usage error."""
    from .data.registry import benchmark_spec, benchmarks_with_networks

    try:
        name: str | None = benchmark_spec(text).name
    except NasSuiteError:
        name = None
    if name not in benchmarks_with_networks():
        raise argparse.ArgumentTypeError(f"invalid choice: {text!r} (choose from {', '.join(benchmarks_with_networks())})")
    return str(name)


def _default_device() -> str:
    from .extras import require

    torch = require("torch", "building the benchmark's networks (proxies, verification)")
    return "cuda" if torch.cuda.is_available() else "cpu"


def _device(name: str | None) -> str:
    """``--device`` checked by torch before any work (default: cuda when available, else cpu)."""
    if name is None:
        return _default_device()
    from .extras import require

    torch = require("torch", "building networks")
    try:
        device = torch.device(name)
    except (RuntimeError, ValueError, TypeError) as err:
        raise NasSuiteError(f"--device {name!r} is not a torch device (e.g. cpu, cuda, cuda:1): "
                            f"{_one_line(err)}") from None
    if device.type == "cuda":
        visible = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if (device.index or 0) >= visible:
            raise NasSuiteError(f"--device {name}: this machine has {visible} usable CUDA device(s); use --device cpu")
    return name


# -- verify ----------------------------------------------------------------------------------


def _cmd_verify(args: argparse.Namespace) -> int:
    from .verify import run_verification

    device = _device(args.device)
    directory = run_verification(
        args.benchmark, args.dataset, args.schedule, args.n_archs, args.seed, device=device,
        results_root=args.results, data_root=args.root, image_root=args.images, epochs=args.epochs,
        n_train=args.n_train, n_eval=args.n_eval, name=args.name, amp=not args.no_amp, progress=print,
    )
    print(f"{directory}: records.parquet, report/summary.md")
    summary = directory / "report" / "summary.md"
    if summary.exists():
        print(summary.read_text(encoding="utf-8"))
    return 0


# -- wiring ----------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line like every other error (exit status 2)."""

    def error(self, message: str) -> NoReturn:
        command = self.prog.removeprefix("nas-suite").strip()
        where = f"{command}: " if command else ""
        self.exit(2, f"nas-suite: error: {where}{_one_line(message)} (see `{self.prog} --help`)\n")


def _add_debug_everywhere(parser: argparse.ArgumentParser) -> None:
    """Accept ``--debug`` after any subcommand too (SUPPRESS: a subcommand never resets it to False)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):  # aliases map to the same parser once
                sub.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                                 help="show tracebacks instead of one-line errors")
                _add_debug_everywhere(sub)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="nas-suite", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--version", action="version", version=f"nas-suite {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks instead of one-line errors")
    parser.add_argument("--root", default=None, help="cache root (default: $NAS_SUITE_DATA, per-user dir, then embedded data/)")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="summarise the embedded NAS-Bench-201 data and write results/demo/")
    demo.add_argument("--out", default="results/demo", help="output directory (default: results/demo)")
    demo.set_defaults(func=_cmd_demo)

    p = sub.add_parser("predictors", help="list registered predictors with their family and inputs")
    p.set_defaults(func=_cmd_predictors)
    p = sub.add_parser("run", help="run (or resume) an experiment spec: nas-suite run configs/quickstart.toml")
    p.add_argument("config", help="TOML experiment spec")
    _add_run_options(p)
    p.set_defaults(func=_cmd_run)
    p = sub.add_parser("reproduce", help="run and report a shipped config: nas-suite reproduce naslib-nb201")
    p.add_argument("name", nargs="?", default=None,
                   help="config name under configs/ (e.g. quickstart, naslib-nb201); none: list the shipped configs")
    p.add_argument("--no-report", action="store_true", help="skip tables and figures")
    _add_run_options(p)
    p.set_defaults(func=_cmd_reproduce)
    p = sub.add_parser("report", help="tables and figures of a finished run directory")
    p.add_argument("run_dir", help="results/<name>/ of a finished run")
    p.add_argument("--predictors", "--methods", dest="names", default=None, metavar="A,B",
                   help="only these predictors (search / early-stopping methods, proxies); default: all")
    p.add_argument("--metrics", default=None, metavar="M,N", help="only these metrics (predictor runs); default: all recorded")
    p.add_argument("--formats", default="png,pdf", metavar="png,pdf,svg", help="figure files to write (default: png,pdf)")
    p.add_argument("--style", default="paper", choices=("paper", "default"),
                   help="paper: one-column sizes, 7-8 pt text, embedded fonts; default: matplotlib's rcParams")
    p.set_defaults(func=_cmd_report)

    proxies = sub.add_parser("proxies", help="zero-cost proxies on the benchmarks' own networks (needs torch)")
    psub = proxies.add_subparsers(dest="proxies_command", required=True)
    p = psub.add_parser("list", help="registered proxies and their papers")
    p.set_defaults(func=_cmd_proxies_list)
    p = psub.add_parser("compute", help="score architectures and write zc_<proxy> columns into the cache")
    from .data.registry import benchmarks_with_networks

    p.add_argument("--benchmark", required=True, type=_network_benchmark,
                   help=f"{', '.join(benchmarks_with_networks())} (or another spelling, e.g. nas-bench-201)")
    p.add_argument("--dataset", default="cifar10", help="benchmark dataset (network head and target; default cifar10)")
    p.add_argument("--proxy", action="append", required=True, help="proxy name(s), repeatable or comma-separated")
    p.add_argument("--archs", default="all",
                   help="'all', 'published' (the cells NAS-Bench-Suite-Zero scored) or N (a seeded sample; see --sample-seed)")
    p.add_argument("--sample-seed", type=_natural, default=0, help="seed of the architecture sample (default 0)")
    p.add_argument("--seed", type=_natural, default=0, help="network initialisation and proxy seed (default 0)")
    p.add_argument("--batch-size", type=_count, default=128, help="images per minibatch (default 128, as NASWOT)")
    p.add_argument("--batch-index", type=_natural, default=0, help="which minibatch of the image source (default 0)")
    p.add_argument("--images", default=None, help="image source: a CIFAR/ImageNet16 directory or .npz (default: the shipped CIFAR-10 minibatches)")
    p.add_argument("--image-dataset", default=None, help="dataset the --images belong to (default: --dataset, or cifar10 for the shipped ones)")
    p.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    p.add_argument("--chunk", type=_count, default=64, help="architectures per task (default 64)")
    p.add_argument("--results", default="results", help="run directories go under <results>/proxies/ (default results)")
    p.add_argument("--out", default=None, help="cache root to write (default: $NAS_SUITE_DATA or the per-user dir)")
    p.add_argument("--no-cache", action="store_true", help="only write the run directory, not the cache columns")
    p.add_argument("--replace", action="store_true", help="overwrite zc_<proxy> columns computed with other settings")
    p.add_argument("--limit", type=_natural, default=None, metavar="N",
                   help="stop after N new chunks; run the same command again to finish")
    p.add_argument("--backend", default="local", choices=["local", "dask", "ray"])
    p.add_argument("--jobs", type=int, default=1, help="local worker processes (default 1)")
    p.add_argument("--address", default=None, help="Dask scheduler / Ray cluster address")
    p.set_defaults(func=_cmd_proxies_compute)

    p = sub.add_parser("verify", help="re-train sampled cells with the benchmark's protocol and compare with the table")
    p.add_argument("--benchmark", required=True, type=_network_benchmark,
                   help=f"{', '.join(benchmarks_with_networks())} (or another spelling, e.g. nas-bench-201)")
    p.add_argument("--dataset", default="cifar10")
    p.add_argument("--schedule", type=int, required=True, help="the table's training length: nb201 12 or 200; nb101 4, 12, 36 or 108")
    p.add_argument("--n-archs", type=_count, default=10, help="cells, stratified over the table's accuracy range (default 10)")
    p.add_argument("--seed", type=_natural, default=0)
    p.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    p.add_argument("--images", default=None, help="image directory (official files or the JPEG copies; default ../shared/data/<dataset>)")
    p.add_argument("--epochs", type=_count, default=None, help="shorten training to this many epochs (smoke runs)")
    p.add_argument("--n-train", type=_count, default=None, help="train on this many class-balanced images (smoke runs)")
    p.add_argument("--n-eval", type=_count, default=None, help="evaluate on this many class-balanced test images")
    p.add_argument("--name", default=None, help="run directory name (default from the settings)")
    p.add_argument("--results", default="results", help="results root (default results/)")
    p.add_argument("--no-amp", action="store_true", help="no bf16 autocast on CUDA")
    p.set_defaults(func=_cmd_verify)

    data = sub.add_parser("data", help="list, inspect, import, download and verify benchmark caches")
    dsub = data.add_subparsers(dest="data_command", required=True)
    p = dsub.add_parser("list", help="registered benchmarks, available caches and importers")
    p.set_defaults(func=_cmd_data_list)
    p = dsub.add_parser("info", help="what a cache holds and what each metric means")
    p.add_argument("name", help="benchmark or benchmark/dataset, e.g. nb201/cifar100")
    p.add_argument("dataset", nargs="?", default=None)
    p.set_defaults(func=_cmd_data_info)
    p = dsub.add_parser("verify", help="check every file of a cache against its sha256")
    p.add_argument("name")
    p.add_argument("dataset", nargs="?", default=None)
    p.set_defaults(func=_cmd_data_verify)
    p = dsub.add_parser("import", help="convert official/raw files into a cache")
    p.add_argument("importer", help="importer name (see `nas-suite data list`)")
    p.add_argument("source", nargs="+", help="file(s) or directory to convert")
    p.add_argument("--out", default=None, help="cache root to write (default: $NAS_SUITE_DATA or per-user dir)")
    p.add_argument("--dataset", action="append", help="only these datasets (repeatable)")
    p.add_argument("--allow-pickle", action="store_true", help="allow reading pickle-based official files (restricted unpickler)")
    p.add_argument("-o", "--option", action="append", type=_parse_option, metavar="KEY=VALUE", help="importer-specific option")
    p.set_defaults(func=_cmd_data_import)
    p = dsub.add_parser("download", help="download an official benchmark file (needs internet; never implicit)")
    p.add_argument("name", help="source name (see suite/data/sources.py) or URL")
    p.add_argument("--dest", default=None, help="directory (default: <cache root>/downloads)")
    p.add_argument("--sha256", default=None, help="expected sha256 (overrides the registry)")
    p.add_argument("--no-verify", action="store_true", help="accept a file without a published checksum")
    p.add_argument("--mirror", default=None, help="base URL to fetch named files from (or $NAS_SUITE_MIRROR)")
    p.add_argument("--filename", default=None, help="file name to save a URL under")
    p.set_defaults(func=_cmd_data_download)
    _add_debug_everywhere(parser)
    return parser


#: errno values of an OSError that is the user's to fix (a path, a permission, a full disk)
_FULL = "; free some space and run the same command again (a run resumes from its journal)"
_USER_ERRNOS = {errno.ENOENT: "", errno.ENOTDIR: "", errno.EISDIR: "", errno.EEXIST: "", errno.ENAMETOOLONG: "",
                errno.ELOOP: "", errno.EFBIG: "", errno.EACCES: "; choose a writable location",
                errno.EPERM: "; choose a writable location", errno.EROFS: "; choose a writable location",
                errno.ENOSPC: _FULL, getattr(errno, "EDQUOT", errno.ENOSPC): _FULL}


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def _user_error(err: BaseException) -> str | None:
    """The one-line message of an exception caused by bad input, or None for a bug."""
    if isinstance(err, NasSuiteError):
        return _one_line(err)
    if isinstance(err, ModuleNotFoundError) and err.name:  # an optional extra imported without require()
        from .extras import EXTRA_MODULES, install_hint

        top = err.name.split(".")[0]
        extra = next((e for e, modules in EXTRA_MODULES.items() if top in modules), None)
        if extra is not None:
            return f"this command needs the '{extra}' extra ({top} is not installed); {install_hint(extra)}"
    if isinstance(err, OSError) and err.errno in _USER_ERRNOS:
        paths = " -> ".join(str(f) for f in (err.filename, err.filename2) if f is not None)
        return _one_line(f"{paths + ': ' if paths else ''}{err.strerror or err}{_USER_ERRNOS[err.errno]}")
    if type(err).__module__.startswith("pyarrow") and type(err).__name__ in ("ArrowInvalid", "ArrowIOError"):
        return _one_line(f"a damaged parquet file: {err}")  # its message names the file
    return None


def _terminate(signum: int, frame: Any) -> None:
    """SIGTERM unwinds like Ctrl-C, so worker pools shut down and release /dev/shm (see backends)."""
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    debug = bool(getattr(args, "debug", False))
    in_main_thread = threading.current_thread() is threading.main_thread()  # signal handlers live there
    previous = signal.signal(signal.SIGTERM, _terminate) if in_main_thread else None
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("nas-suite: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and closed early: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as err:  # noqa: BLE001 - every error ends as one line unless --debug
        if debug:
            raise
        message = _user_error(err)
        if message is not None:
            print(f"nas-suite: error: {message}", file=sys.stderr)
            return 2
        print(f"nas-suite: error: unexpected {type(err).__name__}: {_one_line(err)} "
              f"(a bug; re-run with --debug for the traceback and report it)", file=sys.stderr)
        return 1
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
