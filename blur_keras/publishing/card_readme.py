"""A preset's README: what its card says, in Markdown, with how to load it."""

from __future__ import annotations

import json
import os

from blur_keras.citation import paper_bibtex
from blur_keras.publishing.card_sections import (
    curves_lines, ensemble_lines, splits_lines, twin_lines)
from blur_keras.zoo.files import (
    README_FILE, ZOO_DIR_VARIABLE, in_shipped_zoo, is_path, preset_version)


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


def _architecture(card: dict) -> str:
    """The card's builder in words: a registry model, or an ensemble of them."""
    builder = card["builder"]
    if builder.get("kind") == "ensemble":
        member = builder["members"][0]
        return (f"A deep ensemble of {len(builder['members'])} `{member['name']}` networks, "
                f"each with builder arguments `{json.dumps(member['arguments'])}`")
    return f"`{builder['name']}` with builder arguments `{json.dumps(builder['arguments'])}`"


def _training_lines(training: dict) -> list[str]:
    seeds = training["seed"]
    seed = (f"seeds {', '.join(str(s) for s in seeds)} (one per network)"
            if isinstance(seeds, list) else f"seed {seeds}")
    return [
        "## Training",
        f"- rebuilt by: `{training['command']}`",
        f"- equivalent single run: `{training['train_command']}`"
        + (" (with each seed)" if isinstance(seeds, list) else ""),
        f"- {training['warmup_epochs']} warm-up + {training['epochs']} scheduled epochs, "
        f"{seed}, {training['precision']}, {training['steps']} steps, "
        f"{training['wall_seconds'] / 60:.1f} min wall time on {training['machine']}",
    ]


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
        f"Version {preset_version(card, card['name'])} of these weights. {_architecture(card)} "
        f"({card['parameters']:,} parameters), trained on {card['dataset']} "
        f"({card['splits']['train']}), evaluated on {card['splits']['test']}.", "",
        "```python",
        "import blur_keras, blur_keras.data, blur_keras.zoo",
        *_load_lines(card, directory),
        f"images, labels = blur_keras.data.load_arrays(\"{card['dataset']}\", \"test\")   "
        f"# uint8 pixels",
        "probs = blur_keras.predict_proba(model, images, num_samples=10)",
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
        "measured on it; the loaded model on the raw images gives the same.", "",
        *splits_lines(card),
        "## Test metrics",
        f"{evaluation['protocol']}", "",
        *_metric_rows(evaluation["test"]), "",
        f"First {first_images:,} test images (what the zoo's test checks"
        f"{'; the N = 50 row from its own 50-sample pass' if evaluation.get('first_1000_n50') else ''}):",
        "", *_metric_rows({**evaluation["first_1000"], **evaluation.get("first_1000_n50", {})}), "",
        *twin_lines(card),
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
    lines += [*ensemble_lines(card), *_training_lines(training), "", *curves_lines(card)]
    if card.get("notes"):
        lines += ["## Notes", *[f"- {note}" for note in card["notes"]], ""]
    lines += ["## Provenance",
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
