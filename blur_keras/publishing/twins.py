"""Each stochastic preset against its deterministic twin: test NLL, whichever way it falls.

The twin comes from the registry name: `resnet_mcdo_18.<tag>` (and `resnet_bnn_18.<tag>`) meet
`resnet_dnn_18.<tag>`, `resnet_mcdo_smoothing_18.<tag>` meets `resnet_dnn_smoothing_18.<tag>`
(`ModelSpec` with the variant `dnn`); a deep ensemble meets the single-network preset it is an
ensemble of (`card["ensemble"]["of"]`, one of its members). A card holds the comparison (`twin`)
when its twin is in its zoo; `refresh_twins` rewrites it whenever either preset is published.
"""

from __future__ import annotations

import dataclasses
import os

from blur_keras import models
from blur_keras.zoo.files import preset_version, read_index

#: The ensemble size at which a stochastic preset meets its twin (a deterministic one: N = 1).
TWIN_SIZE = 10
#: What the samples of a variant are, in a card's sentence.
_SAMPLING = {"mcdo": "MC dropout", "bnn": "the variational (BNN) posterior"}


def twin_name(name: str, card: dict) -> str | None:
    """The preset a preset is compared with, from its registry name (None: it has no twin).

    Args:
        name: the preset, `{registry name}.{tag}`.
        card: its card (an ensemble's names the preset it is an ensemble of).

    Returns:
        The deterministic twin's preset name (an ensemble's single-network preset), or None
        for a deterministic single network.

    Example:

    >>> twin_name("resnet_mcdo_smoothing_18.fmnist_w16", card)
    'resnet_dnn_smoothing_18.fmnist_w16'
    """
    if card.get("ensemble"):
        return card["ensemble"]["of"]
    model, _, tag = name.partition(".")
    spec = models.parse(model)
    if spec.variant == "dnn":
        return None
    return f"{dataclasses.replace(spec, variant='dnn', arguments={}).name}.{tag}"


def _size(card: dict) -> int:
    return TWIN_SIZE if card["evaluation"].get("stochastic") else 1


def comparison(name: str, card: dict, twin: str, twin_card: dict) -> dict:
    """The card's `twin` section: its test NLL against its twin's, on the same test images.

    A stochastic preset is taken at N = `TWIN_SIZE`, a deterministic one (the
    twin, an ensemble of deterministic networks) at N = 1.

    Returns:
        `{"preset", "version", "split", "n", "nll", "twin_n", "twin_nll", "difference",
        "verdict", "sentence"}`, `verdict` one of `"lower"`, `"higher"`, `"equal"` (to 4
        decimals) or `"not comparable"` (other test images, or a size not evaluated).
    """
    n, twin_n = _size(card), _size(twin_card)
    split, twin_split = card["splits"]["test"], twin_card["splits"]["test"]
    section = {"preset": twin, "version": preset_version(twin_card, twin), "split": split,
               "n": n, "twin_n": twin_n}
    ours = card["evaluation"]["test"].get(str(n))
    theirs = twin_card["evaluation"]["test"].get(str(twin_n))
    if split != twin_split or ours is None or theirs is None:
        why = (f"its card is over the {split}, its twin's over the {twin_split}"
               if split != twin_split else f"a card lacks N = {n if ours is None else twin_n}")
        return {**section, "verdict": "not comparable",
                "sentence": f"Not compared with `{twin}`: {why}."}
    nll, twin_nll = float(ours["nll"]), float(theirs["nll"])
    verdict = ("equal" if round(nll, 4) == round(twin_nll, 4) else
               "lower" if nll < twin_nll else "higher")
    return {**section, "nll": nll, "twin_nll": twin_nll, "difference": nll - twin_nll,
            "verdict": verdict, "sentence": _sentence(name, card, twin, verdict, nll, twin_nll)}


def _sentence(name: str, card: dict, twin: str, verdict: str, nll: float,
              twin_nll: float) -> str:
    relation = {"lower": "lower (better) than", "higher": "higher (worse) than",
                "equal": "equal (to 4 decimals) to"}[verdict]
    split = card["splits"]["test"]
    if card.get("ensemble"):
        members = card["ensemble"]["size"]
        return (f"On the {split}, the {members}-network ensemble's NLL, {nll:.4f}, is "
                f"{relation} that of one of its networks alone (`{twin}`, {twin_nll:.4f}).")
    sampling = _SAMPLING.get(models.parse(name.partition(".")[0]).variant, "sampling")
    n = _size(card)
    pays = {"lower": "pays for its samples here", "higher": "does not pay for its samples here",
            "equal": "neither helps nor hurts here"}[verdict]
    return (f"On the {split}, its NLL at N = {n}, {nll:.4f}, is {relation} its deterministic "
            f"twin's (`{twin}`, N = 1: {twin_nll:.4f}): {sampling} {pays}.")


def expected_twin(name: str, cards: dict[str, dict]) -> dict | None:
    """The `twin` section the card of `name` should hold among the zoo's `cards` (None: no twin
    there)."""
    twin = twin_name(name, cards[name])
    if twin is None or twin not in cards or twin == name:
        return None
    return comparison(name, cards[name], twin, cards[twin])


def refresh_twins(zoo_dir: str) -> list[str]:
    """Rewrites every card of the zoo whose `twin` section no longer fits its twin's card.

    A preset published before (or after) its twin gets (or updates) its
    comparison here. Every preset of the zoo is verified first; then each
    card to change gets its `metadata.json`, `README.md` and index entry
    written again (weights and version unchanged).

    Args:
        zoo_dir: the zoo.

    Returns:
        The presets whose cards were rewritten.

    Raises:
        PresetError: a preset of the zoo fails its check (nothing is rewritten).
    """
    from blur_keras.publishing.index import preset_entry, write_index
    from blur_keras.publishing.saving import write_card
    from blur_keras.zoo.preset import card_in_zoo
    index = read_index(zoo_dir)
    cards = {name: card_in_zoo(zoo_dir, name) for name in sorted(index)}
    rewritten = []
    for name, card in cards.items():
        if "training" not in card or "evaluation" not in card:
            continue                                    # a draft: no README, no comparison
        expected = expected_twin(name, cards)
        if expected == card.get("twin"):
            continue
        card = {key: value for key, value in card.items() if key != "twin"}
        if expected is not None:
            card["twin"] = expected
        records = card.pop("files")
        directory = os.path.join(zoo_dir, name)
        write_card(directory, card, records)
        index[name] = preset_entry(directory, preset_version(card, name))
        rewritten.append(name)
    if rewritten:
        write_index(index, zoo_dir)
    return rewritten


def twin_lines(cards: list[dict]) -> list[str]:
    """One Markdown line per preset and its twin, for the zoo's README (cards in the table)."""
    names = {card["name"] for card in cards}
    return [f"- `{card['name']}` vs `{card['twin']['preset']}`: {card['twin']['sentence']}"
            for card in sorted(cards, key=lambda c: c["name"])
            if card.get("twin") and card["twin"]["preset"] in names]

