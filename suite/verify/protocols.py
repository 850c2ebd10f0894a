"""The benchmarks' published training protocols, as data, each value traced to its source.

A verification run re-trains table cells "as the benchmark did", so the protocol must be the
benchmark's own, not a plausible default. Every value below was checked against the paper and
against the code that produced the table (the code wins where the paper is silent):

NAS-Bench-201 (Dong & Yang, ICLR 2020, Section 2.3 "Architecture performance" and its Table 1,
the training hyper-parameter set; NATS-Bench, Dong et al., TPAMI 2021, which trains every cell
with the sets H^0 = 12 epochs (``hp=12``) and H^1 = 200 epochs (``hp=200``), as its author
restates in D-X-Y/NATS-Bench issue #3). The authors' configs used to generate
the tables, ``D-X-Y/AutoDL-Projects configs/nas-benchmark/hyper-opts/200E.config`` and
``12E.config`` (loaded by ``exps/NATS-Bench/main-tss.py`` as ``hyper-opts/{hp}E.config``), read:
SGD, Nesterov, momentum 0.9, LR 0.1, cosine scheduler with ``eta_min`` 0, no warm-up, weight decay
0.0005, batch size 256, criterion "Softmax" (plain cross-entropy, no label smoothing), epochs 200
or 12 - the two files differ only in ``epochs``. Their cosine scheduler
(``xautodl/procedures/optimizers.py`` ``CosineAnnealingLR``) sets the LR once per *epoch* from the
epoch index only, so epoch ``e`` of ``T`` trains at ``0.1 * (1 + cos(pi e / T)) / 2``.
Augmentation (``xautodl/datasets/get_dataset_with_transform.py``): random horizontal flip,
``RandomCrop(32, padding=4)`` (16 with padding 2 for ImageNet16-120), then normalisation with
the per-dataset mean/std of :data:`suite.data.images.NORMALISATION`. The ``cifar10`` test
accuracies of the tables come from runs on all 50k training images evaluated on the 10k test
images (the cache's ``test_acc`` metadata: "train + valid", "ori-test").

NAS-Bench-101 (Ying et al., ICML 2019, Section 2.3 "Training"): CIFAR-10 split 40k train / 10k
validation / 10k test, "standard data augmentation" (He et al. 2016), a single fixed set of
hyper-parameters, RMSProp, cross-entropy plus L2 weight decay, cosine decay of the LR to 0; each
cell trained separately for each budget of 4, 12, 36 and 108 epochs (Section 2.3). The code
(``google-research/nasbench``): ``lib/config.py`` batch 256, ``learning_rate`` 0.1 "linearly
scaled by --tpu_num_shards" (2), momentum 0.9, weight decay 1e-4, ``COSINE_BY_STEP``, 108 epochs;
``lib/model_builder.py`` multiplies the LR by the 2 shards (so 0.2), decays it per *step* as
``0.5 * lr * (1 + cos(pi * step / total_steps))``, forces LR 0 at step 0, uses TF1's
``RMSPropOptimizer(momentum=0.9, epsilon=1.0)`` (decay 0.9; mean square initialised to ones,
epsilon inside the square root) and adds ``1e-4 * sum(l2_loss(v))`` over all trainable variables
to the loss; ``lib/cifar.py`` pads 4 pixels, random-crops 32, random-flips, normalises with
RGB mean (125.31, 122.95, 113.87) and std (62.99, 62.09, 66.70), drops the last partial batch.

:data:`PROTOCOLS` maps a name to its :class:`Protocol`; :func:`protocol_for` finds the protocol
of a (benchmark, schedule) pair, the schedule being the table's training length in epochs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from ..errors import UnknownBenchmark

__all__ = ["Protocol", "PROTOCOLS", "protocol_for", "schedules"]


@dataclass(frozen=True)
class Protocol:
    """One benchmark's training recipe for one schedule. Units: LR per step, epochs, images.

    Attributes:
        name: registry key, e.g. ``"nb201-12"``.
        benchmark: the benchmark whose table this protocol produced (``suite.load`` name).
        epochs: training length of the schedule (also the table's ``schedule`` value).
        batch_size: images per optimisation step.
        optimizer: ``"sgd"`` (torch SGD) or ``"rmsprop-tf"`` (TF1's RMSProp, see
            :class:`suite.verify.train.TFRMSprop`).
        lr: initial learning rate as actually applied (NB-101: 0.1 x 2 TPU shards).
        lr_min: final learning rate of the cosine decay.
        lr_schedule: ``"cosine-epoch"`` (LR fixed within an epoch, from the epoch index) or
            ``"cosine-step"`` (LR from the step index).
        zero_lr_first_step: whether step 0 runs at LR 0 (nasbench does, to initialise BN state).
        momentum, nesterov: optimizer momentum.
        weight_decay: L2 coefficient on *every* trainable parameter (BN affine included), added
            to the gradient (coupled), as both benchmarks apply it.
        rmsprop_decay, rmsprop_eps: RMSProp's mean-square decay and epsilon (RMSProp only).
        label_smoothing: 0 = plain cross-entropy.
        crop_padding: zero padding (pixels) before the random crop back to the input size, for
            32x32 inputs; :meth:`padding` gives the value for another dataset.
        hflip: random horizontal flip with probability 0.5.
        normalisation: ``(mean, std)`` per RGB channel on the 0-255 scale, or None for the
            dataset's NB-201 statistics (:data:`suite.data.images.NORMALISATION`).
        train_images: training images per epoch on the full protocol (None: the whole train split).
        eval_split: ``"test"`` (the dataset's test split) or ``"holdout"`` (``holdout_images``
            class-balanced images held out of the training split, NB-101's validation set).
        holdout_images: size of that held-out split (0 when ``eval_split == "test"``).
        drop_last: whether the last partial batch of an epoch is dropped.
        table_metric: the benchmark metric this protocol's runs recorded (compared against).
        params_metrics: metrics holding the recorded parameter count, in millions, first found wins.
        citation: paper and section the values come from.
        sources: the code files the values were checked against.
    """

    name: str
    benchmark: str
    epochs: int
    batch_size: int
    optimizer: str
    lr: float
    lr_min: float
    lr_schedule: str
    zero_lr_first_step: bool
    momentum: float
    nesterov: bool
    weight_decay: float
    rmsprop_decay: float | None
    rmsprop_eps: float | None
    label_smoothing: float
    crop_padding: int
    hflip: bool
    normalisation: tuple[tuple[float, float, float], tuple[float, float, float]] | None
    train_images: int | None
    eval_split: str
    holdout_images: int
    drop_last: bool
    table_metric: str
    params_metrics: tuple[str, ...]
    citation: str
    sources: tuple[str, ...]

    def padding(self, dataset: str) -> int:
        """Crop padding for ``dataset``: NB-201 pads its 16x16 ImageNet16-120 images by 2."""
        return 2 if dataset == "ImageNet16-120" else self.crop_padding

    def lr_at(self, epoch: int, step: int, steps_per_epoch: int, epochs: int | None = None) -> float:
        """Learning rate of step ``step`` (0-based, within ``epoch``) of a run of ``epochs``
        epochs (default: the protocol's). A shortened run decays over its own length."""
        import math

        total = self.epochs if epochs is None else epochs
        if self.lr_schedule == "cosine-epoch":
            progress = epoch / total
        elif self.lr_schedule == "cosine-step":
            global_step = epoch * steps_per_epoch + step
            if self.zero_lr_first_step and global_step == 0:
                return 0.0
            progress = global_step / (total * steps_per_epoch)
        else:
            raise ValueError(f"unknown LR schedule {self.lr_schedule!r}")
        return self.lr_min + (self.lr - self.lr_min) * (1.0 + math.cos(math.pi * progress)) / 2.0

    def with_epochs(self, epochs: int) -> "Protocol":
        """The same recipe over ``epochs`` epochs (a shortened run; not the table's protocol)."""
        return replace(self, epochs=int(epochs))

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (for ``meta.json``)."""
        out = asdict(self)
        out["params_metrics"] = list(self.params_metrics)
        out["sources"] = list(self.sources)
        if self.normalisation is not None:
            out["normalisation"] = [list(self.normalisation[0]), list(self.normalisation[1])]
        return out


_NB201_CITATION = (
    "Dong & Yang, NAS-Bench-201, ICLR 2020, Section 2.3 and Table 1 (training hyper-parameters); "
    "Dong et al., NATS-Bench, TPAMI 2021 (hyper-parameter sets H^0 = 12 and H^1 = 200 epochs)"
)
_NB201_SOURCES = (
    "D-X-Y/AutoDL-Projects configs/nas-benchmark/hyper-opts/200E.config and 12E.config",
    "D-X-Y/AutoDL-Projects xautodl/procedures/optimizers.py (CosineAnnealingLR, per-epoch)",
    "D-X-Y/AutoDL-Projects xautodl/datasets/get_dataset_with_transform.py (flip, crop 32 pad 4)",
    "https://github.com/D-X-Y/NATS-Bench/issues/3 (12 / 200-epoch schedules)",
)
_NB101_CITATION = "Ying et al., NAS-Bench-101, ICML 2019, Section 2.3 (Training)"
_NB101_SOURCES = (
    "google-research/nasbench nasbench/lib/config.py (batch 256, lr 0.1 x tpu_num_shards 2, momentum 0.9, wd 1e-4)",
    "google-research/nasbench nasbench/lib/model_builder.py (COSINE_BY_STEP, LR 0 at step 0, RMSProp eps 1.0)",
    "google-research/nasbench nasbench/lib/cifar.py (pad 4 + crop 32 + flip, RGB mean/std, 40k/10k split)",
)


def _nb201(epochs: int) -> Protocol:
    return Protocol(
        name=f"nb201-{epochs}", benchmark="nb201", epochs=epochs, batch_size=256,
        optimizer="sgd", lr=0.1, lr_min=0.0, lr_schedule="cosine-epoch", zero_lr_first_step=False,
        momentum=0.9, nesterov=True, weight_decay=5e-4, rmsprop_decay=None, rmsprop_eps=None,
        label_smoothing=0.0, crop_padding=4, hflip=True, normalisation=None,
        train_images=None, eval_split="test", holdout_images=0, drop_last=False,
        table_metric="test_acc", params_metrics=("params",),
        citation=_NB201_CITATION, sources=_NB201_SOURCES,
    )


def _nb101(epochs: int) -> Protocol:
    return Protocol(
        name=f"nb101-{epochs}", benchmark="nb101", epochs=epochs, batch_size=256,
        optimizer="rmsprop-tf", lr=0.2, lr_min=0.0, lr_schedule="cosine-step", zero_lr_first_step=True,
        momentum=0.9, nesterov=False, weight_decay=1e-4, rmsprop_decay=0.9, rmsprop_eps=1.0,
        label_smoothing=0.0, crop_padding=4, hflip=True,
        normalisation=((125.31, 122.95, 113.87), (62.99, 62.09, 66.70)),
        train_images=40_000, eval_split="holdout", holdout_images=10_000, drop_last=True,
        table_metric="valid_acc", params_metrics=("params", "zc_nbsz_params"),
        citation=_NB101_CITATION, sources=_NB101_SOURCES,
    )


#: name -> protocol. NB-201: 200 epochs (hp=200) and 12 (hp=12); NB-101: its four budgets.
PROTOCOLS: dict[str, Protocol] = {
    p.name: p for p in (_nb201(200), _nb201(12), _nb101(108), _nb101(36), _nb101(12), _nb101(4))
}


def schedules(benchmark: str) -> list[int]:
    """Schedules (epochs) with a registered protocol for ``benchmark``, ascending."""
    return sorted(p.epochs for p in PROTOCOLS.values() if p.benchmark == benchmark)


def protocol_for(benchmark: str, schedule: int) -> Protocol:
    """The protocol that produced ``benchmark``'s table at ``schedule`` epochs."""
    for p in PROTOCOLS.values():
        if p.benchmark == benchmark and p.epochs == int(schedule):
            return p
    known = schedules(benchmark)
    if not known:
        have = sorted({p.benchmark for p in PROTOCOLS.values()})
        raise UnknownBenchmark(f"no training protocol for benchmark {benchmark!r}; protocols exist for {', '.join(have)}")
    raise UnknownBenchmark(
        f"no {benchmark} training protocol with a {schedule}-epoch schedule; its schedules are {', '.join(map(str, known))}"
    )
