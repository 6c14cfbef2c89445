"""The human-readable side of the zoo: each preset's README and the zoo's table, from the cards."""

from __future__ import annotations

import json
import os

from blur_keras.citation import paper_bibtex
from blur_keras.zoo.files import (
    CARD_FILE, README_FILE, ZOO_DIR_VARIABLE, in_shipped_zoo, is_path)

#: Ensemble sizes shown in the zoo table.
TABLE_SIZES = ("1", "10")


def _metric_rows(results: dict) -> list[str]:
    rows = ["| N | NLL | Acc (%) | ECE (%) | Brier |", "|---|---|---|---|---|"]
    for n, m in sorted(results.items(), key=lambda item: int(item[0])):
        rows.append(f"| {n} | {m['nll']:.4f} | {100 * m['accuracy']:.2f} | "
                    f"{100 * m['ece']:.2f} | {m['brier']:.4f} |")
    return rows


def _load_lines(card: dict, directory: str | None) -> list[str]:
    """How to load the preset: by name in the shipped zoo, else by its directory."""
    if directory is None or in_shipped_zoo(directory):
        return [f"model = blur_keras.zoo.load(\"{card['name']}\", seed=0)"]
    zoo = os.path.dirname(directory) or "."
    if not is_path(directory):       # a bare name would resolve in the zoos, not here
        directory = os.path.join(".", directory)
    return ["# Not a preset of the shipped zoo: load it by its directory, or by name once",
            f"# {ZOO_DIR_VARIABLE}={zoo} names its zoo.",
            f"model = blur_keras.zoo.load({json.dumps(directory)}, seed=0)"]


def card_readme(card: dict, directory: str | None = None) -> str:
    """The Markdown README of one preset, generated from its card.

    Args:
        card: the preset's card.
        directory: where the preset is written; one outside the shipped zoo
            is loaded by its directory in the README's example (None: by name).
    """
    training = card["training"]
    evaluation = card["evaluation"]
    pre = card["preprocessing"]
    first_images = evaluation.get("first_images", 1000)
    lines = [
        f"# {card['name']}", "",
        f"`{card['model']}` with builder arguments `{json.dumps(card['model_args'])}` "
        f"({card['parameters']:,} parameters), trained on {card['dataset']} "
        f"({card['splits']['train']}), evaluated on {card['splits']['test']}.", "",
        "```python",
        "import blur_keras, blur_keras.data, blur_keras.zoo",
        *_load_lines(card, directory),
        f"images, labels = blur_keras.data.load_arrays(\"{card['dataset']}\", \"test\")   "
        f"# uint8 pixels",
        f"probs = blur_keras.predict_proba(model, images, num_samples=10)",
        "```", "",
        "## Input",
        f"The loaded model takes raw pixels: shape {tuple(pre['input_shape'])}, uint8 or float "
        f"values in [0, 255] (not [0, 1]: the model cannot tell, and its predictions on such "
        f"images are wrong and confident). Its first layer standardises them as in training:",
        f"- {pre['scaling']}",
        f"- mean {pre['mean']}, std {pre['std']}",
        f"- labels: {', '.join(pre['labels'])}" if pre.get("labels") else "- labels: 0..n-1",
        "",
        "`load(..., include_preprocessing=False)` gives the bare network, which takes "
        "standardised images (as `blur_keras.data.load` yields them). The metrics below were "
        "measured on it; the loaded model on the raw images gives the same.",
        "", "## Test metrics",
        f"{evaluation['protocol']}", "",
        *_metric_rows(evaluation["test"]), "",
        f"First {first_images:,} test images (what the zoo's test checks"
        f"{'; the N = 50 row from its own 50-sample pass' if evaluation.get('first_1000_n50') else ''}):",
        "", *_metric_rows({**evaluation["first_1000"], **evaluation.get("first_1000_n50", {})}), "",
    ]
    corruptions = card.get("corruptions")
    if corruptions:
        mean = corruptions["mean"]
        lines += ["## Corruptions", f"{corruptions['protocol']}", "",
                  f"Mean over {len(corruptions['by_corruption'])} corruptions x "
                  f"{len(corruptions['severities'])} severities: error {100 * mean['error']:.2f}%, "
                  f"NLL {mean['nll']:.4f}, ECE {100 * mean['ece']:.2f}%.", "",
                  "| corruption | error (%) | NLL | ECE (%) |", "|---|---|---|---|"]
        for name, m in corruptions["by_corruption"].items():
            lines.append(f"| {name} | {100 * m['error']:.2f} | {m['nll']:.4f} | "
                         f"{100 * m['ece']:.2f} |")
        lines.append("")
    lines += [
        "## Training",
        f"- rebuilt by: `{training['command']}`",
        f"- equivalent single run: `{training['train_command']}`",
        f"- {training['warmup_epochs']} warm-up + {training['epochs']} scheduled epochs, "
        f"seed {training['seed']}, {training['precision']}, {training['steps']} steps, "
        f"{training['wall_seconds'] / 60:.1f} min wall time on {training['machine']}",
    ]
    if card.get("notes"):
        lines += ["", "## Notes", *[f"- {note}" for note in card["notes"]]]
    lines += ["", "## Provenance",
              f"- created {card['date']}; " + ", ".join(f"{k} {v}" for k, v in
                                                       card["versions"].items()),
              f"- license {card['license']}", "",
              "## Citation", "```bibtex", paper_bibtex(), "```", ""]
    return "\n".join(lines)


def write_card_readme(card: dict, directory: str) -> str:
    """Writes `README.md` of a preset directory from its card; returns the path."""
    path = os.path.join(directory, README_FILE)
    with open(path, "w") as f:
        f.write(card_readme(card, directory))
    return path


def zoo_table(cards: list[dict], latency: dict | None = None) -> str:
    """The keras.applications-style table of the zoo (Markdown), one row per preset.

    Args:
        cards: the presets' cards.
        latency: `{preset: ms per image}` measured by `benchmarks/zoo_latency.py`.
    """
    latency = latency or {}
    header = ("| preset | parameters | size (MB) | "
              + " | ".join(f"Acc N={n} | NLL N={n} | ECE N={n}" for n in TABLE_SIZES)
              + " | CPU ms/image |")
    rows = [header, "|" + "---|" * (4 + 3 * len(TABLE_SIZES))]
    for card in sorted(cards, key=lambda c: c["name"]):
        test = card["evaluation"]["test"]
        size = sum(record["bytes"] for record in card["files"].values()) / 1e6
        cells = []
        for n in TABLE_SIZES:
            m = test.get(n)
            cells += ([f"{100 * m['accuracy']:.2f}", f"{m['nll']:.4f}", f"{100 * m['ece']:.2f}"]
                      if m else ["-", "-", "-"])
        ms = latency.get(card["name"])
        rows.append(f"| `{card['name']}` | {card['parameters']:,} | {size:.2f} | "
                    + " | ".join(cells) + f" | {f'{ms:.2f}' if ms else '-'} |")
    return "\n".join(rows)


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
    from blur_keras.zoo.files import read_index
    names = sorted(read_index(zoo_dir))
    latency_path = os.path.join(zoo_dir, LATENCY_FILE)
    latency, machine = {}, ""
    if os.path.isfile(latency_path):
        with open(latency_path) as f:
            measured = json.load(f)
        latency, machine = measured["ms_per_image"], measured.get("machine", "")
    text = ZOO_README_HEAD + zoo_table(read_cards(zoo_dir, names), latency) + "\n"
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
