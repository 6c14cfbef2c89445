"""A finished training run, read for a card: its result, the images of each role, its command."""

from __future__ import annotations

import json
import os
import shlex

from blur_keras import data
from blur_keras.zoo.files import PresetError

#: The flags of `python -m blur_keras.training` a card's command always writes, in order.
_ALWAYS = ("epochs", "batch_size", "lr", "warmup_epochs", "gamma", "weight_decay",
           "mixed_precision", "seed")
#: Flags written when the run's configuration holds them (runs before them did not).
_WHEN_RECORDED = ("schedule", "validation")
#: Flags written when they differ from the training program's defaults.
_WHEN_SET = {"label_smoothing": 0.0, "decoupled_weight_decay": False, "train_subset": None,
             "eval_subset": None}


def read_finished_run(run_dir: str) -> dict:
    """The `result.json` of a finished `python -m blur_keras.training` run.

    Args:
        run_dir: the run directory.

    Returns:
        The run's result (its `config`, `history`, `test`, ...).

    Raises:
        PresetError: no `result.json` there, a run that did not finish, or a run fine-tuned
            from another model (`init_from`, `retrofit`), which a card cannot describe.

    Example:

    >>> read_finished_run("runs/resnet_dnn_18.fmnist_w16")["config"]["seed"]
    0
    """
    result_path = os.path.join(run_dir, "result.json")
    if not os.path.isfile(result_path):
        raise PresetError(f"{run_dir} holds no result.json: not a finished training run.")
    with open(result_path) as f:
        result = json.load(f)
    if result.get("status") != "finished":
        raise PresetError(f"The run in {run_dir} is not finished (status "
                          f"{result.get('status')!r}); only finished runs are published.")
    config = result.get("config", {})
    if config.get("init_from") is not None or config.get("retrofit") is not None:
        raise PresetError(f"The run in {run_dir} was fine-tuned from {config.get('init_from')}"
                          f"{' and retrofitted' if config.get('retrofit') is not None else ''}: "
                          f"a preset's card names a registry builder and one training command, "
                          f"which cannot say how it was made; such runs are not published.")
    return result


def train_command(config: dict) -> str:
    """The `python -m blur_keras.training` line that trains a run with `config`.

    Example:

    >>> train_command(result["config"])
    'python -m blur_keras.training --model=resnet_dnn_18 --dataset=fashion_mnist ...'
    """
    flags = [("model", config["model"]), ("dataset", config["dataset"])]
    if config.get("model_args"):
        flags.append(("model_args", json.dumps(config["model_args"])))
    flags += [(key, str(config[key])) for key in _ALWAYS]
    flags.append(("milestones", ",".join(str(m) for m in config["milestones"])))
    flags += [(key, str(config[key])) for key in _WHEN_RECORDED if key in config]
    flags += [(key, str(config[key])) for key, default in _WHEN_SET.items()
              if config.get(key, default) != default]
    flags.append(("model_dir", "runs/" + config["model"]))
    return "python -m blur_keras.training " + " ".join(
        f"--{flag}={shlex.quote(value)}" for flag, value in flags)


def _first(count: int | None, of: int) -> str:
    """`all 60000 images`, or `first 64 images` of a subset."""
    return f"all {of} images" if not count or count >= of else f"first {count} images"


def run_splits(config: dict, test_subset: int | None = None) -> dict:
    """The images of each role of a run and of its card's evaluation, in words and tfds slices.

    Training reads the train split (with the hold-out, `validation="holdout"`:
    the images before it); the per-epoch validation reads the hold-out at the
    end of the train split, or, in runs before it (`validation="test"` or
    none recorded), the test split; the card's numbers come from the test
    split (its first `test_subset` images when given).

    Args:
        config: the run's configuration (`result.json`'s `config`).
        test_subset: the first N test images the card is evaluated on (None: all).

    Returns:
        `{"train", "validation", "test"}` in words (e.g. `"train split, first 50000 images"`)
        and `"slices"`: the same in tfds notation (e.g. `"train[:50000]"`).

    Example:

    >>> run_splits({"dataset": "fashion_mnist", "validation": "holdout"})["slices"]
    {'train': 'train[:50000]', 'validation': 'train[50000:60000]', 'test': 'test'}
    """
    dataset = config["dataset"]
    spec = data.get_spec(dataset)
    holdout = config.get("validation", "test") == "holdout"
    train_images = spec.train_examples - (spec.validation_examples if holdout else 0)
    eval_subset = config.get("eval_subset")
    if holdout:
        held = spec.validation_examples
        validation = (f"train split, first {eval_subset} of its last {held} images"
                      if eval_subset and eval_subset < held else f"train split, last {held} images")
        validation += ", held out from training for the per-epoch validation and recipe choices"
    else:
        validation = (f"{spec.test_split} split, "
                      f"{'first ' + str(eval_subset) if eval_subset else 'all'} images: the run "
                      f"validated on the test split each epoch (reported only: no choice "
                      f"was made from it)")
    train = _first(config.get("train_subset"), train_images)
    if holdout:                         # the images before the hold-out: a first part, always
        train = train.replace(f"all {train_images}", f"first {train_images}")
    return {"train": f"train split, {train}",
            "validation": validation,
            "test": f"{spec.test_split} split, "
                    f"{'first ' + str(test_subset) if test_subset else 'all'} images",
            "slices": {
                "train": data.describe_split(dataset, "train_minus_validation" if holdout
                                             else "train", config.get("train_subset")),
                "validation": data.describe_split(dataset, "validation" if holdout else "test",
                                                  eval_subset),
                "test": data.describe_split(dataset, "test", test_subset)}}
