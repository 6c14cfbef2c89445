"""Each stochastic preset against its deterministic twin: test NLL, with an interval, whichever way
it falls.

The twin comes from the registry name: `resnet_mcdo_18.<tag>` (and `resnet_bnn_18.<tag>`) meet
`resnet_dnn_18.<tag>`, `resnet_mcdo_smoothing_18.<tag>` meets `resnet_dnn_smoothing_18.<tag>`
(`ModelSpec` with the variant `dnn`); a deep ensemble meets the single-network preset it is an
ensemble of (`card["ensemble"]["of"]`, one of its members). A card holds the comparison (`twin`)
when its twin is in its zoo; `refresh_twins` rewrites it whenever either preset is published. The
verdict is a paired bootstrap interval over the test images (both presets' `test_outcomes.json`),
so a difference smaller than the test split can resolve is called inconclusive, not a win.
"""

from __future__ import annotations

import dataclasses
import os

import numpy as np

from blur_keras import models
from blur_keras.paired_bootstrap import bootstrap_interval
from blur_keras.publishing.image_outcomes import read_outcomes
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


def comparison(name: str, card: dict, twin: str, twin_card: dict, outcomes: dict | None = None,
               twin_outcomes: dict | None = None) -> dict:
    """The card's `twin` section: its test NLL against its twin's, with a paired interval.

    A stochastic preset is taken at N = `TWIN_SIZE`, a deterministic one (the
    twin, an ensemble of deterministic networks) at N = 1. The interval is the
    paired bootstrap (`blur_keras.paired_bootstrap`, 2,000 resamples, seed 0)
    of the mean per-image NLL difference over the test images both presets'
    outcomes record; the verdict comes from it, not from the means.

    Args:
        name, card: the preset and its card.
        twin, twin_card: its twin and the twin's card.
        outcomes, twin_outcomes: their per-image test outcomes
            (`image_outcomes.read_outcomes`; None: the preset records none).

    Returns:
        `{"preset", "version", "split", "n", "twin_n", "nll", "twin_nll", "difference",
        "interval", "images", "verdict", "sentence"}`; `verdict` is `"lower"` or `"higher"`
        (the 95% interval excludes zero), `"inconclusive"` (it holds zero), `"no interval"`
        (a preset records no per-image outcomes at that N) or `"not comparable"` (other test
        images, or a size not evaluated).

    Example:

    >>> comparison("resnet_mcdo_18.fmnist_w16", card, "resnet_dnn_18.fmnist_w16", twin_card,
    ...            read_outcomes(directory), read_outcomes(twin_directory))["verdict"]
    'inconclusive'
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
    section = {**section, "nll": nll, "twin_nll": twin_nll, "difference": nll - twin_nll}
    missing = [preset for preset, record, size in
               ((name, outcomes, n), (twin, twin_outcomes, twin_n))
               if record is None or record["n"] != size]
    if missing:
        return {**section, "verdict": "no interval",
                "sentence": _sentence(name, card, twin, section, None) +
                f" No interval: {' and '.join(f'`{m}`' for m in missing)} records no per-image "
                f"test outcomes at that N (`python -m blur_keras.publishing reevaluate` "
                f"records them)."}
    if not np.array_equal(outcomes["labels"], twin_outcomes["labels"]):
        return {**section, "verdict": "not comparable",
                "sentence": f"Not compared with `{twin}`: their per-image test outcomes are "
                            f"not over the same images in the same order."}
    interval = bootstrap_interval(twin_outcomes["nll"], outcomes["nll"])
    verdict = interval.direction
    section = {**section, "interval": [interval.low, interval.high], "images": interval.count,
               "verdict": verdict}
    return {**section, "sentence": _sentence(name, card, twin, section, interval)}


def _sentence(name: str, card: dict, twin: str, section: dict, interval) -> str:
    nll, twin_nll, verdict = section["nll"], section["twin_nll"], section.get("verdict")
    split = card["splits"]["test"]
    if card.get("ensemble"):
        ours = f"the {card['ensemble']['size']}-network ensemble's NLL, {nll:.4f},"
        theirs = f"that of one of its networks alone (`{twin}`, {twin_nll:.4f})"
        consequence = {"lower": "the ensemble pays for its networks here",
                       "higher": "the ensemble does not pay for its networks here",
                       "inconclusive": "the test split cannot tell whether the ensemble pays "
                                       "for its networks"}
    else:
        ours = f"its NLL at N = {section['n']}, {nll:.4f},"
        theirs = f"its deterministic twin's (`{twin}`, N = 1: {twin_nll:.4f})"
        sampling = _SAMPLING.get(models.parse(name.partition(".")[0]).variant, "sampling")
        consequence = {"lower": f"{sampling} pays for its samples here",
                       "higher": f"{sampling} does not pay for its samples here",
                       "inconclusive": f"the test split cannot tell whether {sampling} pays for "
                                       f"its samples"}
    relation = {"lower": "is lower (better) than", "higher": "is higher (worse) than"}
    if interval is None:
        return (f"On the {split}, {ours} differs from {theirs} by {nll - twin_nll:+.4f}.")
    measured = (f"difference {interval.mean:+.5f}, 95% interval [{interval.low:+.5f}, "
                f"{interval.high:+.5f}] (paired bootstrap over the {interval.count:,} test "
                f"images)")
    if verdict == "inconclusive":
        return (f"On the {split}, {ours} and {theirs} do not differ beyond the test split's "
                f"resolution: {measured}, which holds zero; {consequence[verdict]}.")
    return f"On the {split}, {ours} {relation[verdict]} {theirs}: {measured}; " \
           f"{consequence[verdict]}."


def expected_twin(name: str, cards: dict[str, dict], zoo_dir: str) -> dict | None:
    """The `twin` section the card of `name` should hold among the zoo's `cards` (None: no twin
    there), with the per-image outcomes of both presets read from `zoo_dir`."""
    twin = twin_name(name, cards[name])
    if twin is None or twin not in cards or twin == name:
        return None
    return comparison(name, cards[name], twin, cards[twin],
                      read_outcomes(os.path.join(zoo_dir, name)),
                      read_outcomes(os.path.join(zoo_dir, twin)))


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
        expected = expected_twin(name, cards, zoo_dir)
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

