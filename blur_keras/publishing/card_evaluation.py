"""A preset measured for its card: the test metrics and the generated-corruption summary.

Every number on a card comes from here, seeded, on the bare network built from the preset's files
as written, so `load(name, seed=EVALUATION_SEED)` reproduces them.
"""

from __future__ import annotations

import os

import keras
import numpy as np

from blur_keras import data, evaluation, robustness
from blur_keras.publishing.image_outcomes import outcomes
from blur_keras.publishing.twins import TWIN_SIZE
from blur_keras.zoo.architecture import build_from_directory

#: Seed set before every evaluation of a preset (the cards' numbers; `load(..., seed=0)`).
EVALUATION_SEED = 0
#: Ensemble sizes of stochastic presets on the test split: one 50-sample pass (N = 1 to 20 from
#: its first samples; 500,000 forward passes over Fashion-MNIST's 10,000 test images, about 17
#: CPU-minutes per preset on 2 cores). Deterministic presets are evaluated at N = 1.
TEST_SIZES = (1, 2, 5, 10, 20, 50)
#: Ensemble sizes of stochastic presets on the first `FIRST_IMAGES` test images: one 10-sample pass,
#: what `make demo` draws and `tests/zoo/test_shipped.py` reproduces; N = `LARGE_SIZE` from its
#: own 50-sample pass over the same images.
FIRST_SIZES = (1, 2, 5, 10)
#: The sizes of `FIRST_SIZES`' pass, under the name cards and the demo used before `TEST_SIZES`.
STOCHASTIC_SIZES = FIRST_SIZES
LARGE_SIZE = 50
FIRST_IMAGES = 1000
EVAL_BATCH = 500
#: The generated corruption summary: the first images of the test split, N = 1.
CORRUPTION_IMAGES = 500


def _evaluate(directory: str, dataset: str, subset: int | None, sizes, data_dir: str | None,
              progress: bool):
    keras.utils.set_random_seed(EVALUATION_SEED)
    model = build_from_directory(directory)
    test = data.load(dataset, "test", batch_size=EVAL_BATCH, training=False, data_dir=data_dir,
                     subset=subset, download=False)
    return evaluation.evaluate_ensemble_sizes(model, test, tuple(sizes), progress=progress)


def evaluate_preset(directory: str, dataset: str, subset: int | None, sizes,
                    data_dir: str | None = None, progress: bool = False) -> dict:
    """Metrics of a preset directory's model on a test split, seeded as the cards are.

    Sets `keras.utils.set_random_seed(EVALUATION_SEED)`, builds the model from
    the preset's files, and evaluates `evaluation.evaluate_ensemble_sizes` in
    one pass at the largest of `sizes` (smaller N use its first samples).

    Returns:
        `{"N": metrics.summary(...)}`.
    """
    results, _, _ = _evaluate(directory, dataset, subset, sizes, data_dir, progress)
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
    model = build_from_directory(directory)
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

def corruption_images(test_subset: int | None) -> int:
    """How many test images a card's corruption summary is over (fewer for a quick preset)."""
    return min(CORRUPTION_IMAGES, test_subset or CORRUPTION_IMAGES)

def preset_evaluation(directory: str, dataset: str, stochastic: bool, test_subset: int | None,
                      split: str, data_dir: str | None, say) -> tuple[dict, dict]:
    """A card's `evaluation` and the preset's per-image test outcomes, seed `EVALUATION_SEED`.

    Stochastic presets: the test split (or its first `test_subset` images) at
    `TEST_SIZES` (N = 1, 2, 5, 10, 20, 50) from one 50-sample pass; the first
    1,000 test images (the first `test_subset` when fewer: `first_images`
    records how many) at `FIRST_SIZES` from one 10-sample pass (what `make
    demo` draws and the shipped-zoo test reproduces), and N = 50 on those from
    its own pass. Deterministic presets: N = 1 on both. The outcomes are each
    test image's NLL from the same pass, at the N of the twin comparison
    (`TWIN_SIZE`; deterministic: 1).

    Args:
        directory: the preset directory, as written.
        dataset: its dataset.
        stochastic: whether the preset samples at inference.
        test_subset: the first N test images only (quick presets); None: the whole split.
        split: what the test images are, in words (the card's `splits["test"]`).
        data_dir: where the dataset is.
        say: `str -> None` for progress (`print` also shows progress bars).

    Returns:
        `(evaluation, outcomes)`: `{"protocol", "stochastic", "test", "first_images",
        "first_1000", "first_1000_n50"}`, each metrics entry `{"N": metrics.summary(...)}`,
        and `image_outcomes.outcomes(...)` for `test_outcomes.json`.

    Example:

    >>> evaluation, _ = preset_evaluation("zoo/resnet_mcdo_18.fmnist_w16", "fashion_mnist",
    ...                                   True, None, "test split", None, print)
    >>> evaluation["test"]["50"]["nll"]
    """
    say(f"{os.path.basename(directory)}: evaluating the test split")
    progress = say is print
    first_images = min(FIRST_IMAGES, test_subset or FIRST_IMAGES)
    results, probs, labels = _evaluate(directory, dataset, test_subset,
                                       TEST_SIZES if stochastic else (1,), data_dir, progress)
    twin_size = TWIN_SIZE if stochastic else 1
    test_outcomes = outcomes(probs[twin_size], labels, twin_size, split)
    test = {str(n): v for n, v in results.items()}
    first = evaluate_preset(directory, dataset, first_images,
                            FIRST_SIZES if stochastic else (1,), data_dir)
    large = ({str(LARGE_SIZE): evaluate_preset(directory, dataset, first_images,
                                               (LARGE_SIZE,), data_dir)[str(LARGE_SIZE)]}
             if stochastic else {})
    sizes = ", ".join(str(n) for n in TEST_SIZES)
    first_sizes = ", ".join(str(n) for n in FIRST_SIZES)
    return {
        "protocol": (f"blur_keras.evaluation.evaluate_ensemble_sizes after "
                     f"keras.utils.set_random_seed({EVALUATION_SEED}), float32, batch "
                     f"{EVAL_BATCH}"
                     + (f"; the test split at N = {sizes} from one {max(TEST_SIZES)}-sample "
                        f"pass; the first {first_images} test images at N = {first_sizes} from "
                        f"one {max(FIRST_SIZES)}-sample pass and at N = {LARGE_SIZE} from a "
                        f"{LARGE_SIZE}-sample pass" if stochastic else "; deterministic: N = 1")),
        "stochastic": stochastic, "test": test, "first_images": first_images,
        "first_1000": first, f"first_1000_n{LARGE_SIZE}": large}, test_outcomes
