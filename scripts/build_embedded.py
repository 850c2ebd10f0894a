"""Build the repository's embedded default caches into ``data/`` (reproducibly).

Run from anywhere: ``python scripts/build_embedded.py [--shared ../shared/data] [--out data]``.
It converts the real public tables of ``../shared/data`` (see ``data/README.md``):

* ``nb201/{cifar10,cifar100,ImageNet16-120}`` with :mod:`suite.data.importers.nb201_derived`
  (zero-cost proxies of NAS-Bench-Suite-Zero included);
* ``nb101/cifar10``: the standalone 292-cell NB-101 table of NAS-Bench-Suite-Zero's NB-101 file
  (:mod:`suite.data.importers.zc_suite_zero`);
* ``nbmacro/cifar10`` with :mod:`suite.data.importers.nbmacro`;
* ``nbnlp/wikitext2`` (NAS-Bench-NLP's WikiText-2 training logs) with :mod:`suite.data.importers.nbnlp`;
* ``fcnet/{naval_propulsion,parkinsons_telemonitoring,protein_structure,slice_localization}``
  (NAS-HPO-Bench validation MSEs; pickles, read with the restricted unpickler) with
  :mod:`suite.data.importers.fcnet`;
* ``images/cifar10_train_640.npz``: the CIFAR-10 minibatches of the zero-cost proxies
  (:func:`suite.data.images.build_minibatch_file`).

Re-running it gives byte-identical files (no timestamps are stored; paths recorded in the
caches are relative to the repository root); ``--check`` rebuilds into a temporary directory
and compares sha256 sums with ``data/`` instead of writing.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from suite.data import images  # noqa: E402
from suite.data.importers import fcnet, nb201_derived, nbmacro, nbnlp, zc_suite_zero  # noqa: E402
from suite.data.paths import writing_embedded  # noqa: E402

LIMIT_BYTES = 20 * 1024 * 1024  # the wheel ships data/: keep it a small download
CACHES = ("nb201/cifar10", "nb201/cifar100", "nb201/ImageNet16-120", "nb101/cifar10", "nbmacro/cifar10", "nbnlp/wikitext2",
          "fcnet/naval_propulsion", "fcnet/parkinsons_telemonitoring", "fcnet/protein_structure",
          "fcnet/slice_localization", "images")


def build(shared: Path, out: Path) -> list[Path]:
    """Write every embedded cache under ``out``.

    ``shared`` should be relative to the repository root (the working directory), since the
    caches record it in their rebuild hints; ``out`` is not recorded anywhere.
    """
    written = nb201_derived.convert(shared / "nb201", out)
    written += zc_suite_zero.build_nb101_cache(shared / "nb101" / "zc_nasbench101_partial.json", out, dataset="cifar10"),
    written += nbmacro.convert(shared / "nasbench_macro" / "nas-bench-macro_cifar10.json", out)
    written += nbnlp.convert(shared / "nasbench_nlp" / "logs.zip", out)
    written += fcnet.convert(shared / "hpolib_fcnet", out, allow_pickle=True)  # the shared pickles are trusted
    written.append(images.build_minibatch_file(shared / "cifar10" / "cifar10_train_50k_jpeg_bytes.npz",
                                               out / images.SHIPPED.relative_to(images.SHIPPED.parents[1])))
    return written


def digest(root: Path) -> dict[str, str]:
    """sha256 of every file of the embedded caches, by path relative to ``root``."""
    out = {}
    for cache in CACHES:
        for path in sorted((root / cache).iterdir()):
            out[f"{cache}/{path.name}"] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def size(root: Path) -> int:
    return sum(p.stat().st_size for cache in CACHES for p in (root / cache).iterdir())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default="../shared/data", help="shared data directory, relative to the repo root")
    parser.add_argument("--out", default="data", help="output root, relative to the repo root")
    parser.add_argument("--check", action="store_true", help="rebuild into a temp dir and compare with --out")
    args = parser.parse_args(argv)
    os.chdir(REPO)  # recorded rebuild hints then hold repo-relative paths
    shared = Path(args.shared)
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            build(shared, Path(tmp))
            fresh, current = digest(Path(tmp)), digest(Path(args.out))
        differ = sorted(k for k in fresh.keys() | current.keys() if fresh.get(k) != current.get(k))
        if differ:
            print("embedded data differs from a fresh build:", *differ, sep="\n  ")
            return 1
        print(f"embedded data is reproducible ({len(fresh)} files identical)")
        return 0
    with writing_embedded():  # the one writer allowed into data/ (every other write there is refused)
        build(shared, Path(args.out))
    total = size(Path(args.out))
    print(f"wrote {len(CACHES)} caches/folders to {args.out}/ ({total / 1e6:.2f} MB)")
    if total > LIMIT_BYTES:
        print(f"embedded data exceeds {LIMIT_BYTES / 2**20:.0f} MiB", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
