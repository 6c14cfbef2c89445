"""The zoo demo: MC dropout presets with and without smoothing on clean and corrupted test images.

Each preset is loaded with `blur_keras.zoo.load(name, seed=0)`, as a user
loads it (taking raw pixels), and predicts the uint8 images of its dataset's
test split in one 10-sample pass, batch 500, N = 1, 2, 5 and 10 from the
first N samples: the procedure of the cards
(`blur_keras.publishing.card_evaluation.evaluate_preset`, on the bare network
and the standardised images), so the clean numbers equal the cards' when the split is
the same. Then the same model, its random state continuing, predicts a seeded
subset of the test images under a few generated corruptions
(`blur_keras.corruptions`, uint8 in and out) at one severity.
"""

from __future__ import annotations

import re
from typing import Iterable, Sequence

import numpy as np

from blur_keras import corruptions as corruption_lib

DEFAULT_PRESETS = ("resnet_mcdo_18.fmnist_w16", "resnet_mcdo_smoothing_18.fmnist_w16")
DEFAULT_CORRUPTIONS = ("gaussian_noise", "defocus_blur", "contrast")
DEFAULT_SEVERITY = 3
#: Test images corrupted (a seeded random subset of the split).
DEFAULT_CORRUPTION_SUBSET = 1000
CLEAN = "clean"


def ensemble_sizes() -> tuple[int, ...]:
    """N of the table: those of the cards' 10-sample pass over the first 1,000 test images
    (`card_evaluation.FIRST_SIZES`)."""
    from blur_keras.publishing.card_evaluation import FIRST_SIZES
    return FIRST_SIZES


def check_presets(names: Sequence[str]) -> dict[str, dict]:
    """The cards of `names`, every file verified; they must share one dataset.

    Raises:
        PresetError: a preset is missing or fails its check.
        ValueError: no preset, a name given twice, or presets of different datasets.
    """
    if not names or len(set(names)) != len(names):
        raise ValueError(f"Expected one or more distinct presets; received {list(names)}.")
    from blur_keras import zoo
    cards = {name: zoo.card(name) for name in names}
    datasets = {name: card["dataset"] for name, card in cards.items()}
    if len(set(datasets.values())) != 1:
        raise ValueError(f"The demo compares presets on one dataset; received {datasets}.")
    return cards


def card_test_subset(card: dict) -> int | None:
    """The number of first test images a card's `evaluation.test` used (None: the whole split)."""
    match = re.search(r"first (\d+) images", card["splits"]["test"])
    return int(match.group(1)) if match else None


def corruption_indices(pool: int, count: int, seed: int = 0) -> np.ndarray:
    """`min(count, pool)` distinct indices of `range(pool)`, drawn with `seed`, sorted."""
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(pool, size=min(count, pool), replace=False))


def corrupted_sets(images: np.ndarray, labels: np.ndarray, names: Sequence[str], severity: int,
                   seed: int = 0) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """`{corruption: (uint8 images, labels)}`: `images` corrupted with `seed`."""
    return {name: (corruption_lib.corrupt(images, name, severity, seed=seed), labels)
            for name in names}


def _counted(batches: Iterable, bar) -> Iterable:
    from blur_keras.evaluation import numpy_batches
    for step in numpy_batches(batches):
        yield step
        bar.add(1)


def _array_batches(x: np.ndarray, y: np.ndarray, batch_size: int):
    return [(x[i:i + batch_size], y[i:i + batch_size]) for i in range(0, len(y), batch_size)]


def run_demo(presets: Sequence[str] = DEFAULT_PRESETS,
             corruptions: Sequence[str] = DEFAULT_CORRUPTIONS,
             severity: int = DEFAULT_SEVERITY,
             corruption_subset: int = DEFAULT_CORRUPTION_SUBSET,
             test_subset: int | None = None, data_dir: str | None = None,
             progress: bool = True) -> dict:
    """Predicts the test split, clean and corrupted, with each preset at N = 1, 2, 5 and 10.

    Args:
        presets: zoo preset names, all of one dataset.
        corruptions: `blur_keras.corruptions` names (may be empty).
        severity: the corruptions' severity, 1 to 5.
        corruption_subset: how many test images (a random subset, seed 0) are
            corrupted.
        test_subset: use only the first N test images (quick runs); default
            the whole split, as the shipped cards.
        data_dir: where the dataset is (offline: nothing is downloaded).
        progress: show one progress bar over every batch of every preset.

    Returns:
        A dict with `presets` (`{name: {"card", "results": {condition: {N:
        metrics}}, "probs": {N: clean probabilities}}}`, where a
        condition is `"clean"` or a corruption), `images` and `labels` (the
        clean uint8 test images), `corruption_indices`, `sizes`, `severity`,
        `dataset` and `test_subset`.

    Raises:
        PresetError: a preset is missing or fails its check.
        ValueError: bad arguments.
        FileNotFoundError: the dataset is not there.

    Example:

    >>> demo = run_demo(test_subset=500, corruption_subset=200)
    >>> demo["presets"]["resnet_mcdo_18.fmnist_w16"]["results"]["clean"][10]["nll"]
    """
    import keras
    from blur_keras import data, evaluation, zoo
    from blur_keras.publishing.card_evaluation import EVAL_BATCH, EVALUATION_SEED
    known = corruption_lib.names(extra=True)
    unknown = [name for name in corruptions if name not in known]
    if unknown:
        raise ValueError(f"Unknown corruptions {unknown}: expected names from {list(known)}.")
    if isinstance(severity, bool) or severity not in corruption_lib.SEVERITIES:
        raise ValueError(f"severity must be an integer from 1 to 5; received {severity!r}.")
    for flag, value in (("corruption_subset", corruption_subset), ("test_subset", test_subset)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or value < 1):
            raise ValueError(f"{flag} must be a positive integer; received {value!r}.")
    cards = check_presets(presets)
    dataset = next(iter(cards.values()))["dataset"]
    images, labels = data.load_arrays(dataset, "test", data_dir=data_dir, subset=test_subset,
                                      download=False)
    chosen = corruption_indices(len(labels), corruption_subset, EVALUATION_SEED)
    corrupted = corrupted_sets(images[chosen], labels[chosen], corruptions, severity,
                               EVALUATION_SEED)
    clean = _array_batches(images, labels, EVAL_BATCH)
    batches_per_preset = -(-len(labels) // EVAL_BATCH) + len(corrupted) * -(-len(chosen)
                                                                             // EVAL_BATCH)
    bar = keras.utils.Progbar(len(presets) * batches_per_preset, verbose=1 if progress else 0,
                              unit_name="batch")
    sizes = ensemble_sizes()
    outcome = {}
    for name in presets:
        model = zoo.load(name, seed=EVALUATION_SEED, compile=False)
        results, probs, _ = evaluation.evaluate_ensemble_sizes(model, _counted(clean, bar),
                                                               sizes, progress=False)
        by_condition = {CLEAN: results}
        for corruption, (x, y) in corrupted.items():
            by_condition[corruption], _, _ = evaluation.evaluate_ensemble_sizes(
                model, _counted(_array_batches(x, y, EVAL_BATCH), bar), sizes,
                progress=False)
        outcome[name] = {"card": cards[name], "results": by_condition,
                         "probs": probs}
    return {"presets": outcome, "images": images, "labels": labels, "corruption_indices": chosen,
            "sizes": sizes, "severity": severity, "dataset": dataset,
            "test_subset": test_subset}
