"""`reevaluate`: the cards' metrics measured again, for presets whose weights have not changed."""

from __future__ import annotations

import os
import re

from blur_keras.publishing.card_evaluation import (
    corruption_images, corruption_summary, preset_evaluation)
from blur_keras.publishing.index import preset_entry, write_index
from blur_keras.publishing.saving import write_card
from blur_keras.publishing.image_outcomes import write_outcomes
from blur_keras.publishing.twins import refresh_twins
from blur_keras.publishing.zoo_table import write_zoo_readme
from blur_keras.zoo.files import PresetError, read_index, zoo_directory
from blur_keras.zoo.preset import card_in_zoo


def reevaluate(names=None, zoo_dir: str | None = None, data_dir: str | None = None,
               progress: bool = True) -> list[str]:
    """Evaluates presets again as they are and rewrites their cards' metrics.

    For a change that moves a card's numbers without touching its weights (e.g.
    new MC dropout masks): every preset is verified, then each chosen preset's
    `evaluation` (and its corruption summary, where the card has one) is
    computed again exactly as `publish` computes it, with its per-image test
    outcomes (which presets published before they were recorded gain here),
    and its card, README, index entry, the twin comparisons (`refresh_twins`)
    and the zoo's table are rewritten. The weights are not touched.

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
        card["evaluation"], outcomes = preset_evaluation(
            directory, card["dataset"], card["evaluation"]["stochastic"], test_subset,
            card["splits"]["test"], data_dir, say)
        if "corruptions" in card:
            say(f"{name}: generated corruptions")
            card["corruptions"] = corruption_summary(directory, card["dataset"], data_dir,
                                                     images=corruption_images(test_subset))
        records = {**card.pop("files"), **write_outcomes(directory, outcomes)}
        write_card(directory, card, records)
        index[name]["files"].update(preset_entry(directory)["files"])
    write_index(index, zoo_dir)
    refresh_twins(zoo_dir)                  # the twin comparisons of the new numbers
    write_zoo_readme(zoo_dir)
    return names
