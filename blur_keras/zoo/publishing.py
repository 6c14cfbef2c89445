"""`publish`: a finished training run becomes a zoo preset, with a fresh, seeded evaluation."""

from __future__ import annotations

import datetime
import json
import os
import platform
import re
import shlex

import numpy as np
import keras

from blur_keras import data, evaluation, robustness
from blur_keras.citation import paper_reference
from blur_keras.zoo.cards import write_zoo_readme
from blur_keras.zoo.files import (
    BUILD_FILE, PRESET_FILES, PresetError, file_record, read_build_spec, read_index, write_index,
    zoo_directory)
from blur_keras.zoo.preprocessing import SCALING
from blur_keras.zoo.preset import build_from_files, card_in_zoo, save_preset, write_card

#: Seed set before every evaluation of a preset (the cards' numbers; `load(..., seed=0)`).
EVALUATION_SEED = 0
#: Ensemble sizes of stochastic presets: one 10-sample pass over the test split (what
#: `make demo` draws); N = 50 from a 50-sample pass over the first `FIRST_IMAGES` (a 50-sample pass
#: over the whole split costs 500,000 forward passes: 17 CPU-minutes per preset on 2 cores).
#: Deterministic presets are evaluated at N = 1.
STOCHASTIC_SIZES = (1, 2, 5, 10)
LARGE_SIZE = 50
FIRST_IMAGES = 1000
EVAL_BATCH = 500
#: The generated corruption summary: the first images of the test split, N = 1.
CORRUPTION_IMAGES = 500
#: The command that rebuilds every shipped preset (written in each card).
BUILD_COMMAND = "python -m blur_keras.zoo build"
LICENSE = "Apache-2.0"
_TAG = re.compile(r"^[a-z0-9_]+$")


def evaluate_preset(directory: str, dataset: str, subset: int | None, sizes,
                    data_dir: str | None = None, progress: bool = False) -> dict:
    """Metrics of a preset directory's model on a test split, seeded as the cards are.

    Sets `keras.utils.set_random_seed(EVALUATION_SEED)`, builds the model from
    the preset's files, and evaluates `evaluation.evaluate_ensemble_sizes` in
    one pass at the largest of `sizes` (smaller N use its first samples).

    Returns:
        `{"N": metrics.summary(...)}`.
    """
    keras.utils.set_random_seed(EVALUATION_SEED)
    model = build_from_files(directory)
    test = data.load(dataset, "test", batch_size=EVAL_BATCH, training=False, data_dir=data_dir,
                     subset=subset, download=False)
    results, _, _ = evaluation.evaluate_ensemble_sizes(model, test, tuple(sizes),
                                                       progress=progress)
    return {str(n): v for n, v in results.items()}


def corruption_summary(directory: str, dataset: str, data_dir: str | None = None,
                       progress: bool = False, images: int = CORRUPTION_IMAGES) -> dict:
    """Error, NLL and ECE of a preset on its dataset's 15 generated corruptions x 5 severities.

    Args:
        directory: the preset directory.
        dataset: its dataset.
        data_dir: where the dataset is.
        progress: print a line per corruption and severity.
        images: the first N test images are corrupted.

    Returns:
        The summary for the card: means per corruption and overall, the table.
    """
    spec = data.get_spec(dataset)
    images, labels = data.load_arrays(dataset, "test", data_dir=data_dir, subset=images,
                                      download=False)
    keras.utils.set_random_seed(EVALUATION_SEED)
    model = build_from_files(directory)
    result = robustness.evaluate_corruptions(
        model, (images, labels), num_samples=1, normalization=(spec.mean, spec.std),
        batch_size=EVAL_BATCH, seed=EVALUATION_SEED, progress=progress)
    by_corruption = {}
    for name, severities in result["table"].items():
        rows = list(severities.values())
        by_corruption[name] = {"error": float(np.mean([1 - r["accuracy"] for r in rows])),
                               "nll": float(np.mean([r["nll"] for r in rows])),
                               "ece": float(np.mean([r["ece"] for r in rows]))}
    mean = {key: float(np.mean([m[key] for m in by_corruption.values()]))
            for key in ("error", "nll", "ece")}
    severities = sorted({s for table in result["table"].values() for s in table})
    return {"protocol": f"Generated with blur_keras.corruptions (CIFAR-10-C parameters), seed "
                        f"{EVALUATION_SEED}, on the first {len(labels)} test images; N = 1; "
                        f"means over severities.",
            "images": int(len(labels)), "severities": severities, "mean": mean,
            "by_corruption": by_corruption, "table": result["table"]}


def train_command(config: dict) -> str:
    """The `python -m blur_keras.training` line that trains a run with `config`."""
    flags = ["--model", config["model"], "--dataset", config["dataset"]]
    if config.get("model_args"):
        flags += ["--model_args", json.dumps(config["model_args"])]
    for key in ("epochs", "batch_size", "lr", "warmup_epochs", "gamma", "weight_decay",
                "mixed_precision", "seed"):
        flags += [f"--{key}", str(config[key])]
    flags += ["--milestones", ",".join(str(m) for m in config["milestones"])]
    if config.get("train_subset"):
        flags += ["--train_subset", str(config["train_subset"])]
    flags += ["--model_dir", "runs/" + config["model"]]
    return "python -m blur_keras.training " + " ".join(
        f"{flag}={shlex.quote(value)}" for flag, value in zip(flags[::2], flags[1::2]))


def _rebuild_command(name: str, zoo_dir: str, run_dir: str) -> str:
    """The one command that rebuilds the preset: the zoo's `build` for a preset of its
    `build.json`, else `publish` of the run (after its `train_command`)."""
    if os.path.isfile(os.path.join(zoo_dir, BUILD_FILE)) and \
            name in read_build_spec(zoo_dir).get("presets", {}):
        return BUILD_COMMAND
    return f"python -m blur_keras.zoo publish --run_dir={shlex.quote(run_dir)} --name={name}"


def _train_split(subset: int | None, examples: int) -> str:
    """The card's words for the training images a run used."""
    if subset and subset < examples:
        return f"train split, first {subset} images"
    return f"train split, all {examples} images"


def _corruption_images(test_subset: int | None) -> int:
    return min(CORRUPTION_IMAGES, test_subset or CORRUPTION_IMAGES)


def preset_evaluation(directory: str, dataset: str, stochastic: bool, test_subset: int | None,
                      data_dir: str | None, say) -> dict:
    """A card's `evaluation`: the preset in `directory` as written, seed `EVALUATION_SEED`.

    The test split (or its first `test_subset` images) at N = 1, 2, 5, 10 for stochastic
    presets (N = 1 otherwise), the first 1,000 test images likewise (the first `test_subset`
    when fewer: `first_images` records how many), and N = 50 on those.
    """
    say(f"{os.path.basename(directory)}: evaluating the test split")
    sizes = STOCHASTIC_SIZES if stochastic else (1,)
    progress = say is print
    first_images = min(FIRST_IMAGES, test_subset or FIRST_IMAGES)
    test = evaluate_preset(directory, dataset, test_subset, sizes, data_dir, progress)
    first = evaluate_preset(directory, dataset, first_images, sizes, data_dir)
    large = ({str(LARGE_SIZE): evaluate_preset(directory, dataset, first_images,
                                               (LARGE_SIZE,), data_dir)[str(LARGE_SIZE)]}
             if stochastic else {})
    return {
        "protocol": (f"blur_keras.evaluation.evaluate_ensemble_sizes after "
                     f"keras.utils.set_random_seed({EVALUATION_SEED}), float32, batch "
                     f"{EVAL_BATCH}"
                     + (f"; N = 1, 2, 5, 10 from one 10-sample pass; N = {LARGE_SIZE} from a "
                        f"{LARGE_SIZE}-sample pass over the first {first_images} test images"
                        if stochastic else "; deterministic: N = 1")),
        "stochastic": stochastic, "test": test, "first_images": first_images,
        "first_1000": first, f"first_1000_n{LARGE_SIZE}": large}


def reevaluate(names=None, zoo_dir: str | None = None, data_dir: str | None = None,
               progress: bool = True) -> list[str]:
    """Evaluates presets again as they are and rewrites their cards' metrics.

    For a change that moves a card's numbers without touching its weights (e.g.
    new MC dropout masks): every preset is verified, then each chosen preset's
    `evaluation` (and its corruption summary, where the card has one) is
    computed again exactly as `publish` computes it, and its card, README, index
    entry and the zoo's table are rewritten. Configs and weights are not touched.

    Args:
        names: presets to re-evaluate (default: every preset of the zoo).
        zoo_dir: the zoo (default `zoo_directory()`).
        data_dir: where the dataset is (see `blur_keras.data.load`).
        progress: print progress.

    Returns:
        The presets re-evaluated.

    Raises:
        PresetError: a preset fails its check, or a name is not in the zoo.
    """
    zoo_dir = zoo_dir or zoo_directory()
    index = read_index(zoo_dir)
    names = sorted(index) if names is None else list(names)
    unknown = [n for n in names if n not in index]
    if unknown:
        raise PresetError(f"Not in the zoo {zoo_dir}: {unknown}; it holds {sorted(index)}.")
    cards = {name: card_in_zoo(zoo_dir, name) for name in sorted(index)}   # verifies them all
    say = print if progress else (lambda *_: None)
    for name in names:
        card = dict(cards[name])
        directory = os.path.join(zoo_dir, name)
        subset = re.search(r"first (\d+) images", card["splits"]["test"])
        test_subset = int(subset.group(1)) if subset else None
        card["evaluation"] = preset_evaluation(directory, card["dataset"],
                                               card["evaluation"]["stochastic"], test_subset,
                                               data_dir, say)
        if "corruptions" in card:
            say(f"{name}: generated corruptions")
            card["corruptions"] = corruption_summary(directory, card["dataset"], data_dir,
                                                     images=_corruption_images(test_subset))
        records = card.pop("files")
        write_card(directory, card, records)
        for file in PRESET_FILES:
            index[name]["files"][file] = file_record(os.path.join(directory, file))
    write_index(index, zoo_dir)
    write_zoo_readme(zoo_dir)
    return names


def publish(run_dir: str, name: str, zoo_dir: str | None = None, *, notes=(),
            corruptions: bool = True, progress: bool = True, data_dir: str | None = None,
            test_subset: int | None = None) -> dict:
    """Turns a finished training run into the preset `name` of a zoo, and indexes it.

    Reads the run's `result.json` (status `finished`) and `model.keras`,
    writes the preset's config and weights, evaluates the preset as written
    (seed `EVALUATION_SEED`; the full test split at N = 1, 2, 5, 10 and 50
    for stochastic models, N = 1 otherwise; the first 1,000 test images;
    the generated corruptions), writes its card and README, records every
    file's SHA-256 and size in the zoo index and regenerates the zoo's
    README table.

    Args:
        run_dir: a `python -m blur_keras.training` run directory.
        name: `{registry name}.{tag}`, e.g. `resnet_mcdo_18.fmnist_w16`.
        zoo_dir: the zoo (default `zoo_directory()`).
        notes: lines for the card's notes.
        corruptions: add the generated-corruption summary.
        progress: print progress.
        data_dir: where the dataset is (see `blur_keras.data.load`).
        test_subset: evaluate on the first N test images only (quick presets
            and tests; the card says so). Shipped presets use the full split.

    Returns:
        The card.

    Raises:
        PresetError: the run is not finished, or the name does not fit it.
    """
    zoo_dir = zoo_dir or zoo_directory()
    result_path = os.path.join(run_dir, "result.json")
    if not os.path.isfile(result_path):
        raise PresetError(f"{run_dir} holds no result.json: not a finished training run.")
    with open(result_path) as f:
        result = json.load(f)
    if result.get("status") != "finished":
        raise PresetError(f"The run in {run_dir} is not finished (status "
                          f"{result.get('status')!r}); only finished runs are published.")
    config = result["config"]
    model_name, _, tag = name.partition(".")
    if model_name != config["model"] or not _TAG.match(tag):
        raise PresetError(f"Preset names are '{config['model']}.<tag>' for this run, the tag in "
                          f"lowercase letters, digits and '_'; received {name!r}.")
    model = keras.saving.load_model(os.path.join(run_dir, "model.keras"), safe_mode=True)
    directory = os.path.join(zoo_dir, name)
    draft = save_preset(model, directory, {"name": name})   # the files the evaluation reads
    stochastic = evaluation.is_stochastic(model)
    say = print if progress else (lambda *_: None)
    spec = data.get_spec(config["dataset"])
    epoch_seconds = result.get("training_seconds") or result["training_seconds_this_session"]
    card = {
        "name": name, "model": config["model"], "model_args": config.get("model_args") or {},
        "parameters": int(model.count_params()), "dataset": config["dataset"],
        "splits": {"train": _train_split(config.get("train_subset"), spec.train_examples),
                   "test": f"{spec.test_split} split, "
                           f"{'first ' + str(test_subset) if test_subset else 'all'} images"},
        "preprocessing": {"input_shape": list(spec.image_shape), "mean": list(spec.mean),
                          "std": list(spec.std),
                          "scaling": SCALING,
                          "labels": list(spec.label_names or [])},
        "training": {"command": _rebuild_command(name, zoo_dir, run_dir),
                     "train_command": train_command(config),
                     "config": config, "seed": config["seed"], "epochs": config["epochs"],
                     "warmup_epochs": config["warmup_epochs"],
                     "precision": config["mixed_precision"].replace("none", "float32"),
                     "steps": result["steps"], "wall_seconds": epoch_seconds,
                     "machine": f"{os.cpu_count()}-core {platform.machine()} CPU",
                     "history": result["history"]},
        "versions": result["versions"],
        "date": datetime.date.today().isoformat(),
        "license": LICENSE,
        "citation": paper_reference(),
        "evaluation": preset_evaluation(directory, config["dataset"], stochastic, test_subset,
                                        data_dir, say),
        "notes": list(notes),
    }
    if corruptions:
        say(f"{name}: generated corruptions")
        card["corruptions"] = corruption_summary(directory, config["dataset"], data_dir,
                                                 images=_corruption_images(test_subset))
    card = write_card(directory, card, draft["files"])
    index = read_index(zoo_dir)
    index[name] = {"files": {f: file_record(os.path.join(directory, f)) for f in PRESET_FILES}}
    write_index(index, zoo_dir)
    write_zoo_readme(zoo_dir)
    return card
