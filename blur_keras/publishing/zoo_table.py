"""The zoo's table: one row per preset, from the cards, in the zoo's README and the project's."""

from __future__ import annotations

import json
import os

from blur_keras.publishing.shipping import not_shipped_lines
from blur_keras.publishing.twins import twin_lines
from blur_keras.zoo.files import CARD_FILE, README_FILE, preset_version, read_index

#: Ensemble sizes shown in the zoo table.
TABLE_SIZES = ("1", "10")


def zoo_table(cards: list[dict], latency: dict | None = None) -> str:
    """The keras.applications-style table of the zoo (Markdown), one row per preset.

    A `version` column (of the weights) is shown once a card records one (cards published
    before versions were recorded are version 1).

    Args:
        cards: the presets' cards.
        latency: `{preset: ms per image}` measured by `benchmarks/zoo_latency.py`.

    Returns:
        The Markdown table.

    Example:

    >>> print(zoo_table(read_cards("zoo", ["resnet_dnn_18.fmnist_w16"])))
    """
    latency = latency or {}
    versions = any("version" in card for card in cards)
    header = ("| preset | " + ("version | " if versions else "") + "parameters | size (MB) | "
              + " | ".join(f"Acc N={n} | NLL N={n} | ECE N={n}" for n in TABLE_SIZES)
              + " | CPU ms/image |")
    rows = [header, "|" + "---|" * (4 + versions + 3 * len(TABLE_SIZES))]
    for card in sorted(cards, key=lambda c: c["name"]):
        test = card["evaluation"]["test"]
        size = sum(record["bytes"] for record in card["files"].values()) / 1e6
        cells = []
        for n in TABLE_SIZES:
            m = test.get(n)
            cells += ([f"{100 * m['accuracy']:.2f}", f"{m['nll']:.4f}", f"{100 * m['ece']:.2f}"]
                      if m else ["-", "-", "-"])
        ms = latency.get(card["name"])
        version = f"{preset_version(card, card['name'])} | " if versions else ""
        rows.append(f"| `{card['name']}` | {version}{card['parameters']:,} | {size:.2f} | "
                    + " | ".join(cells) + f" | {f'{ms:.2f}' if ms else '-'} |")
    return "\n".join(rows)


def zoo_notes(cards: list[dict], zoo_dir: str | None = None) -> str:
    """The lines under the table: each stochastic preset (and ensemble) against its twin, one
    line per pair, and the presets `build.json` did not ship (`not_shipped.json`); empty when
    there is neither."""
    lines = twin_lines(cards) + (not_shipped_lines(zoo_dir) if zoo_dir else [])
    return "\n".join(lines)


def read_cards(zoo_dir: str, names: list[str]) -> list[dict]:
    """The cards of `names` in `zoo_dir` (read as they are; `verify` checks them)."""
    cards = []
    for name in names:
        with open(os.path.join(zoo_dir, name, CARD_FILE)) as f:
            cards.append(json.load(f))
    return cards


#: `benchmarks/zoo_latency.py` writes the CPU latency of each preset here (in the zoo).
LATENCY_FILE = "latency.json"
ZOO_README_HEAD = """# The blur_keras zoo

Presets trained by this repository on real data, with the command that rebuilt them all:
`python -m blur_keras.zoo build`. Load one with `blur_keras.zoo.load(name)`: it takes raw pixels
(uint8, or floats in [0, 255]) and standardises them itself. Each directory's `README.md` is its
card. Accuracy and ECE in %, NLL in nats, on the full test split; N is the number
of Monte Carlo samples (deterministic presets: N = 1 only). CPU ms/image: `python -m
benchmarks.zoo_latency` (batch 256, N = 1, float32), on the machine it names.

"""


def write_zoo_readme(zoo_dir: str) -> str:
    """Regenerates the zoo's `README.md` table from the indexed cards; returns the path."""
    names = sorted(read_index(zoo_dir))
    latency_path = os.path.join(zoo_dir, LATENCY_FILE)
    latency, machine = {}, ""
    if os.path.isfile(latency_path):
        with open(latency_path) as f:
            measured = json.load(f)
        latency, machine = measured["ms_per_image"], measured.get("machine", "")
    cards = read_cards(zoo_dir, names)
    text = ZOO_README_HEAD + zoo_table(cards, latency) + "\n"
    notes = zoo_notes(cards, zoo_dir)
    if notes:
        text += "\n" + notes + "\n"
    if machine:
        text += f"\nLatency measured on: {machine}.\n"
    path = os.path.join(zoo_dir, README_FILE)
    with open(path, "w") as f:
        f.write(text)
    sync_project_readme(zoo_dir, text[len(ZOO_README_HEAD):])
    return path


#: The project README's copy of the zoo table sits between these lines.
TABLE_MARKERS = ("<!-- zoo table: generated from the cards -->", "<!-- end of zoo table -->")


def sync_project_readme(zoo_dir: str, table: str) -> str | None:
    """Copies the zoo table into the README beside the zoo (in a checkout), between
    `TABLE_MARKERS`; returns its path, or `None` where there is no such README."""
    path = os.path.join(os.path.dirname(os.path.abspath(zoo_dir)), README_FILE)
    if not os.path.isfile(path):
        return None
    with open(path) as f:
        readme = f.read()
    start, end = TABLE_MARKERS
    if start not in readme or end not in readme:
        return None
    head, rest = readme.split(start, 1)
    with open(path, "w") as f:
        f.write(head + start + "\n" + table.strip("\n") + "\n" + end + rest.split(end, 1)[1])
    return path
