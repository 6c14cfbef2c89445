"""`TrainConfig`: every option of a training run, with the dataset recipe as defaults."""

from __future__ import annotations

import dataclasses
import functools
import numbers
import os
from typing import Any

from blur_keras.data import describe_split, get_spec
from blur_keras.models import ModelSpec, parse
from blur_keras.protocol import check_model_args
from blur_keras.training.initialization import InitSource, check_architecture, resolve_init
from blur_keras.training.recipes import RECIPES, Recipe
from blur_keras.training.retrofit_options import retrofit_arguments
from blur_keras.training.strategy import STRATEGIES

SCHEDULES = ("multistep", "cosine")
PRECISIONS = ("none", "mixed_bfloat16", "mixed_float16")
#: Where the per-epoch validation numbers come from: the test split, or the fixed
#: hold-out at the end of the train split (`blur_keras.data.splits`).
VALIDATIONS = ("test", "holdout")


def _option(help_text: str, default: Any = dataclasses.MISSING, choices: tuple[str, ...] = ()
            ) -> Any:
    """A field whose metadata holds its command-line flag's help and choices.

    `blur_keras.program_flags.define_flags_from_fields` makes the flags of
    `python -m blur_keras.training` from them.
    """
    metadata = {"help": help_text, **({"choices": choices} if choices else {})}
    return dataclasses.field(default=default, metadata=metadata)


@dataclasses.dataclass
class TrainConfig:
    """A training run. `None` fields take the dataset's reference recipe (`RECIPES`).

    Attributes:
        model: registry name, e.g. `resnet_mcdo_smoothing_18`.
        dataset: `cifar10`, `cifar100`, `imagenet2012`, `fashion_mnist`, `mnist`.
        model_dir: where backups, logs and outputs go.
        model_args: builder arguments that override the dataset protocol's
            (e.g. `{"width": 16, "smoothing": {"padding": "same"}}`), checked
            against the builder's signature.
        epochs: scheduled epochs; the run takes `warmup_epochs + epochs`
            epochs (the reference: 1 + 200 on CIFAR).
        batch_size: global batch size.
        lr: learning rate per 128 examples; the run uses `lr * batch_size / 128`.
        schedule: `multistep` (warm-up, x`gamma` at `milestones`) or `cosine`.
        warmup_epochs: linear warm-up epochs before the scheduled ones.
        milestones: scheduled epochs (counted after the warm-up) at which the
            rate is multiplied by `gamma`. Default: the recipe's, scaled to
            `epochs` when it differs from the recipe's (same fractions).
        gamma: multistep factor.
        momentum, nesterov: SGD momentum.
        weight_decay: coupled L2 (PyTorch) on all parameters, or decoupled
            with `decoupled_weight_decay`; never on variational posteriors.
        label_smoothing: cross-entropy label smoothing.
        mixed_precision: `none`, `mixed_bfloat16` (CPU with AMX, TPU) or
            `mixed_float16` (GPU).
        seed: seed of weights, data order and augmentation.
        deterministic: enable TensorFlow's deterministic ops.
        kl_weight: KL weight of BNNs; default 1 / number of training examples.
        validation: the split of the per-epoch validation (the `val_*`
            history, `curves.json`): `"test"` (the test split, which then
            also drives any recipe choice) or `"holdout"` (the last
            `DatasetSpec.validation_examples` images of the train split,
            unaugmented; training then reads only the images before them and
            the test split is read once, for the final evaluation).
        train_subset: train on the first N training images only (with
            `validation="holdout"`: the first N of the images before the
            hold-out; the hold-out stays the same).
        eval_subset: evaluate on the first N images of each evaluation split
            (the test split, and with `validation="holdout"` the hold-out).
        strategy, tpu, cpu_devices: distribution (see `make_strategy`);
            `cpu_devices` splits the CPU into logical devices (testing).
        eval_ensemble_sizes: ensemble sizes of the final evaluation (default:
            those of `blur_keras.evaluation`).
        data_dir, download: data location and whether tfds may download.
        verbose: Keras progress output (1 = progress bar, 2 = one line per epoch).
        overwrite: delete a previous run's outputs in `model_dir` and start
            over (otherwise a directory of another configuration is refused).
        init_from: fine-tune: start from this trained model, weights kept, instead
            of a freshly initialised one: a zoo preset name (e.g.
            `resnet_dnn_18.fmnist_w16`), a preset directory, a `.keras` file or
            a finished training run's directory. `model` and `model_args` name
            its registry architecture: checked against the source's card or
            `run.json`, `model_args` taken from it when left out (see
            `blur_keras.training.initialization`). `epochs` may then be 0
            (with no warm-up: the source evaluated as it is, through the same
            code as every run).
        retrofit: with `init_from`, retrofit the source before training
            (`blur_keras.retrofit`): a JSON object of `SpatialSmoothing`
            arguments and `stages`, `mc_dropout`, `mc_dropout_seed`,
            `"smoothing": false` (see `blur_keras.training.retrofit_options`);
            `{}` is the retrofit's default smoothing; None retrofits nothing.
    """

    # The help (and choices) of each field's --flag of `python -m blur_keras.training`.
    model: str = _option("(required) Registry name, e.g. resnet_mcdo_smoothing_18.")
    dataset: str = _option("(required) cifar10, cifar100, imagenet2012, fashion_mnist or mnist.")
    model_dir: str = _option("(required) Output directory of this run (run.json, backups, logs, "
                             "model, result.json); one directory, one configuration.")
    model_args: dict[str, Any] | None = _option(
        "JSON object of builder arguments, e.g. "
        "'{\"width\": 16, \"smoothing\": {\"padding\": \"same\"}}'.", default=None)
    epochs: int | None = _option("Scheduled epochs after the warm-up (default: the recipe's).",
                                 default=None)
    batch_size: int | None = _option("Global batch size (default: the recipe's).", default=None)
    lr: float | None = _option("Learning rate per 128 examples; scaled by batch_size / 128.",
                               default=None)
    schedule: str = _option("Learning-rate schedule.", default="multistep", choices=SCHEDULES)
    warmup_epochs: int | None = _option("Linear warm-up epochs before the scheduled ones.",
                                        default=None)
    milestones: tuple[int, ...] | None = _option(
        "Multistep milestones in scheduled epochs (default: the recipe's, scaled to --epochs).",
        default=None)
    gamma: float | None = _option("Multistep factor.", default=None)
    momentum: float | None = _option("SGD momentum.", default=None)
    nesterov: bool | None = _option("Nesterov momentum.", default=None)
    weight_decay: float | None = _option("Weight decay (coupled L2 on all parameters).",
                                         default=None)
    decoupled_weight_decay: bool = _option("Decoupled (SGDW) instead of coupled L2.",
                                           default=False)
    label_smoothing: float = _option("Label smoothing.", default=0.0)
    mixed_precision: str = _option("Mixed precision policy.", default="none", choices=PRECISIONS)
    seed: int = _option("Seed of weights, data order and augmentation.", default=0)
    deterministic: bool = _option("Use TensorFlow's deterministic ops.", default=True)
    kl_weight: float | None = _option("BNN KL weight (default 1 / training examples).",
                                      default=None)
    validation: str = _option(
        "Split of the per-epoch validation (val_* history, curves.json): 'test' (the test split) "
        "or 'holdout' (the last images of the train split, e.g. Fashion-MNIST "
        "train[50000:60000]; training then reads only the images before them, and the test "
        "split only the final evaluation).", default="test", choices=VALIDATIONS)
    train_subset: int | None = _option("Use only the first N training examples (with "
                                       "--validation=holdout: of those before the hold-out).",
                                       default=None)
    eval_subset: int | None = _option("Use only the first N examples of the test split (and of "
                                      "the hold-out with --validation=holdout).", default=None)
    strategy: str = _option("tf.distribute strategy.", default="auto", choices=STRATEGIES)
    tpu: str | None = _option("TPU address or name for --strategy=tpu ('' for a TPU VM).",
                              default=None)
    cpu_devices: int | None = _option("Split the CPU into N logical devices (testing).",
                                      default=None)
    eval_ensemble_sizes: tuple[int, ...] | None = _option(
        "Ensemble sizes of the final evaluation.", default=None)
    data_dir: str | None = None      # --data_dir and --download: blur_keras.program_flags'
    download: bool = False
    verbose: int = _option("1: progress bar, 2: one line per epoch.", default=1)
    overwrite: bool = _option("Delete a previous run's outputs in --model_dir and start over "
                              "(otherwise a directory of another configuration is refused).",
                              default=False)
    init_from: str | None = _option(
        "Fine-tune from this trained model (weights kept): a zoo preset name, a preset "
        "directory, a .keras file or a training run directory. --model (and --model_args, "
        "taken from the source when left out) name its architecture; --epochs=0 with "
        "--warmup_epochs=0 evaluates it as it is.", default=None)
    retrofit: dict[str, Any] | None = _option(
        "With --init_from: retrofit it before training (blur_keras.retrofit), a JSON object of "
        "SpatialSmoothing arguments (prob, temperature, kernel, padding, pad_mode) and stages, "
        "mc_dropout, mc_dropout_seed, smoothing (false: MC dropout only); '{}' is the default "
        "smoothing. Left out: no retrofit.", default=None)

    def resolved(self) -> "TrainConfig":
        """A copy with recipe defaults filled in, validated (clear `ValueError`s).

        Every option given is checked under its own name first; only then are
        the defaults derived from it (e.g. `kl_weight` from `train_subset`)
        and the options checked against each other.
        """
        model_spec = parse(self.model)   # unknown model -> ValueError with close names
        spec = get_spec(self.dataset)    # unknown dataset -> ValueError
        check_model_args(model_spec, self.model_args or {})
        _check_fields(self)
        self._check_holdout(spec)
        init = self._check_init()
        recipe = RECIPES[self.dataset]
        values: dict[str, Any] = dataclasses.asdict(self)
        for field in ("epochs", "batch_size", "lr", "warmup_epochs", "gamma",
                      "momentum", "nesterov", "weight_decay"):
            if values[field] is None:
                values[field] = getattr(recipe, field)
        if values["milestones"] is None:
            values["milestones"] = scaled_milestones(recipe, values["epochs"])
        values["model_args"] = dict(self.model_args or {})
        if init is not None:
            values["init_from"] = init.location
            values["model_args"] = check_architecture(init, self.model, self.model_args,
                                                      self.dataset)
        values["model_dir"] = os.path.expanduser(self.model_dir)
        if self.data_dir is not None:
            values["data_dir"] = os.path.expanduser(self.data_dir)
        config = TrainConfig(**values)
        if config.kl_weight is None:
            config.kl_weight = 1.0 / config.train_images
        config.milestones = tuple(config.milestones)
        _check_fields(config)
        config._check_combinations()
        config.model_spec = model_spec.with_arguments(**config.model_args)   # parsed once
        return config

    @functools.cached_property
    def model_spec(self) -> ModelSpec:
        """`model` parsed, with `model_args` as its builder arguments (`resolved()` sets it)."""
        return parse(self.model).with_arguments(**(self.model_args or {}))

    @property
    def train_split(self) -> str:
        """The `blur_keras.data` split training reads."""
        return "train_minus_validation" if self.validation == "holdout" else "train"

    @property
    def validation_split(self) -> str:
        """The `blur_keras.data` split of the per-epoch validation."""
        return "validation" if self.validation == "holdout" else "test"

    @property
    def train_images(self) -> int:
        """How many images training reads (its split, or the subset of it)."""
        spec = get_spec(self.dataset)
        examples = spec.train_examples
        if self.validation == "holdout":
            examples -= spec.validation_examples
        return min(examples, self.train_subset) if self.train_subset else examples

    def splits(self) -> dict[str, str]:
        """The images of each role, in tfds slice notation (`blur_keras.data.describe_split`).

        Example: `{"train": "train[:50000]", "validation": "train[50000:60000]",
        "test": "test"}` for Fashion-MNIST with `validation="holdout"`.
        """
        return {"train": describe_split(self.dataset, self.train_split, self.train_subset),
                "validation": describe_split(self.dataset, self.validation_split,
                                             self.eval_subset),
                "test": describe_split(self.dataset, "test", self.eval_subset)}

    def _check_init(self) -> InitSource | None:
        """`init_from` resolved (None without it), `retrofit` checked; each a one-line error."""
        if self.retrofit is not None:
            if self.init_from is None:
                raise ValueError("retrofit needs init_from: it changes a trained model; a model "
                                 "trained from scratch takes its smoothing from --model (e.g. "
                                 "resnet_dnn_smoothing_18) and --model_args.")
            retrofit_arguments(self.retrofit)
        if self.init_from is None:
            return None
        if self.mixed_precision != "none":
            raise ValueError(f"mixed_precision {self.mixed_precision!r} is not supported with "
                             f"init_from (a loaded model keeps the dtype policy it was saved "
                             f"with); use 'none'.")
        return resolve_init(self.init_from)

    def _check_holdout(self, spec) -> None:
        """`validation="holdout"` against the dataset and `train_subset` (each checked alone)."""
        if self.validation != "holdout":
            return
        if spec.validation_examples is None:
            raise ValueError(f"validation 'holdout' is not supported for {self.dataset}: it has no "
                             f"validation hold-out (DatasetSpec.validation_examples is None); "
                             f"use validation 'test'")
        left = spec.train_examples - spec.validation_examples
        if self.train_subset is not None and self.train_subset > left:
            raise ValueError(f"train_subset ({self.train_subset}) is larger than the {left} "
                             f"training images of {self.dataset} left by the validation "
                             f"hold-out (its last {spec.validation_examples})")

    @property
    def total_epochs(self) -> int:
        """Warm-up plus scheduled epochs: the epochs the run takes."""
        return self.warmup_epochs + self.epochs

    def _check_combinations(self) -> None:
        milestones = list(self.milestones)
        checks = [
            (self.train_subset is None or self.train_subset >= self.batch_size,
             f"train_subset ({self.train_subset}) must hold at least one batch ({self.batch_size})"),
            (all(0 < m < self.epochs for m in milestones),
             f"milestones must be scheduled epochs in 1..{self.epochs - 1} (epochs={self.epochs}); "
             f"got {milestones}"),
            (milestones == sorted(set(milestones)),
             f"milestones must be strictly increasing; got {milestones}"),
            (self.tpu is None or self.strategy == "tpu",
             f"tpu is only used with strategy 'tpu'; got strategy {self.strategy!r}"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(message)


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


#: `field: (test of its value, what it must be)`, checked on every field that is not None.
FIELD_CHECKS = {
    "epochs": (lambda v: _is_int(v) and v >= 0, ">= 0 (an integer)"),
    "batch_size": (lambda v: _is_int(v) and v >= 1, ">= 1 (an integer)"),
    "lr": (lambda v: _is_number(v) and v > 0, "> 0"),
    "warmup_epochs": (lambda v: _is_int(v) and v >= 0, ">= 0 (an integer)"),
    "gamma": (lambda v: _is_number(v) and 0 < v <= 1, "in (0, 1]"),
    "momentum": (lambda v: _is_number(v) and 0 <= v < 1, "in [0, 1)"),
    "weight_decay": (lambda v: _is_number(v) and v >= 0, ">= 0"),
    "label_smoothing": (lambda v: _is_number(v) and 0 <= v < 1, "in [0, 1)"),
    "kl_weight": (lambda v: _is_number(v) and v >= 0, ">= 0"),
    "train_subset": (lambda v: _is_int(v) and v >= 1, ">= 1 (an integer)"),
    "eval_subset": (lambda v: _is_int(v) and v >= 1, ">= 1 (an integer)"),
    "cpu_devices": (lambda v: _is_int(v) and v >= 1, ">= 1 (an integer)"),
    "eval_ensemble_sizes": (lambda v: all(_is_int(n) and n >= 1 for n in v),
                            "integers >= 1"),
    "milestones": (lambda v: all(_is_int(m) for m in v), "integers"),
    "schedule": (lambda v: v in SCHEDULES, f"one of {SCHEDULES}"),
    "mixed_precision": (lambda v: v in PRECISIONS, f"one of {PRECISIONS}"),
    "strategy": (lambda v: v in STRATEGIES, f"one of {STRATEGIES}"),
    "validation": (lambda v: v in VALIDATIONS, f"one of {VALIDATIONS}"),
}


def _check_fields(config: TrainConfig) -> None:
    """Each field that is set, on its own: a `ValueError` naming the field and its value."""
    for field, (ok, expected) in FIELD_CHECKS.items():
        value = getattr(config, field)
        if value is not None and not ok(value):
            shown = list(value) if isinstance(value, tuple) else value
            raise ValueError(f"{field} must be {expected}; got {shown!r}")
    if config.epochs == 0 and config.init_from is None:
        raise ValueError("epochs must be >= 1 without init_from (epochs 0 with init_from "
                         "evaluates that model as it is); got 0")


def scaled_milestones(recipe: Recipe, epochs: int) -> tuple[int, ...]:
    """The recipe's milestones at the same fractions of `epochs` (the recipe's own at its length).

    Example: CIFAR's (60, 120, 160) of 200 epochs become (3, 6, 8) for 10.
    """
    scaled = sorted({round(m * epochs / recipe.epochs) for m in recipe.milestones})
    return tuple(m for m in scaled if 0 < m < epochs)
