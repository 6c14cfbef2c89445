"""`rewrite_readmes`: the presets' READMEs regenerated from their cards (for a new template)."""

from __future__ import annotations

import os

from blur_keras.integrity import file_record
from blur_keras.publishing.card_readme import write_card_readme
from blur_keras.publishing.index import write_index
from blur_keras.publishing.zoo_table import write_zoo_readme
from blur_keras.zoo.files import README_FILE, read_index, zoo_directory
from blur_keras.zoo.preset import card_in_zoo


def rewrite_readmes(zoo_dir: str | None = None) -> list[str]:
    """Regenerates each preset's `README.md` from its card, and the zoo's table.

    For a new card template (`blur_keras.publishing.card_readme.card_readme`): every file
    of every preset is verified first; then each README is rewritten and its
    SHA-256 and size recorded in the index. Weights and cards
    (`metadata.json`, with the metrics) are not touched. Cards without
    `training` (drafts) have no README and are left as they are.

    Args:
        zoo_dir: the zoo (default `zoo_directory()`: `$BLUR_KERAS_ZOO_DIR`, else the shipped
            one).

    Returns:
        The presets whose README was rewritten.

    Raises:
        PresetError: a preset fails its check (nothing is rewritten).
    """
    zoo_dir = zoo_dir or zoo_directory()
    index = read_index(zoo_dir)
    cards = {name: card_in_zoo(zoo_dir, name) for name in sorted(index)}
    rewritten = []
    for name, card in cards.items():
        if "training" not in card:
            continue
        directory = os.path.join(zoo_dir, name)
        path = write_card_readme(card, directory)
        index[name]["files"][README_FILE] = file_record(path)
        rewritten.append(name)
    write_index(index, zoo_dir)
    write_zoo_readme(zoo_dir)
    return rewritten
