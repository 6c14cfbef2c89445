"""What the zoo demo prints and writes: the table, the check against the cards, the figures."""

from __future__ import annotations

import math
import os

import numpy as np

from blur_keras import data, plots
from blur_keras.demo.zoo_demo import CLEAN, card_test_subset
from blur_keras.json_output import write_json
from blur_keras.publishing.card_evaluation import FIRST_IMAGES

#: Metrics of the table and the card check, with their column labels and scale.
COLUMNS = (("nll", "NLL", 1.0, "{:.4f}"), ("accuracy", "Acc%", 100.0, "{:.2f}"),
           ("ece", "ECE%", 100.0, "{:.2f}"))
#: Ensemble sizes compared with the cards.
CARD_SIZES = (1, 10)
#: A demo number matches its card's within this relative tolerance (absolute below 1e-7). The
#: cards were computed on one CPU; on another, float32 kernels round differently (the shipped
#: `resnet_mcdo_18` card, made on an Intel Xeon, and `make demo` on an AMD EPYC: ECE at N = 1
#: 1.02e-6 apart, relative). Ten times that is still 100 times finer than the printed digits.
CARD_RELATIVE_TOLERANCE = 1e-5


def _condition_label(condition: str, severity: int) -> str:
    return condition if condition == CLEAN else f"{condition} s{severity}"


def format_table(demo: dict) -> str:
    """NLL, accuracy (%) and ECE (%) per condition and N (rows), per preset (column groups)."""
    presets = demo["presets"]
    group = max(24, *(len(name) + 2 for name in presets))
    cells = "".join(f"{label:>8}" for _, label, _, _ in COLUMNS)
    lines = [f"{'':<22}{'':>4}" + "".join(f"{name:>{group}}" for name in presets),
             f"{'data':<22}{'N':>4}" + "".join(f"{cells:>{group}}" for _ in presets)]
    conditions = list(next(iter(presets.values()))["results"])
    for condition in conditions:
        for n in demo["sizes"]:
            row = f"{_condition_label(condition, demo['severity']):<22}{n:>4}"
            for outcome in presets.values():
                metrics = outcome["results"][condition].get(n)
                values = "".join(f"{fmt.format(scale * metrics[key]) if metrics else '-':>8}"
                                 for key, _, scale, fmt in COLUMNS)
                row += f"{values:>{group}}"
            lines.append(row)
    return "\n".join(lines)


def card_reference(card: dict, test_subset: int | None,
                   sizes: tuple[int, ...] = CARD_SIZES) -> tuple[str, dict] | None:
    """The card's metrics for the demo's test images: `(label, {N: metrics})`, or None.

    A card records its whole evaluated split (`evaluation.test`) and its
    first 1,000 images (`evaluation.first_1000`). Numbers compare only when
    they come from a pass of as many samples as the demo's (`max(sizes)`):
    the first 1,000 always do (a 10-sample pass); the test split does in
    cards written before it took a 50-sample pass.

    Args:
        card: the preset's card.
        test_subset: the demo's first N test images (None: all).
        sizes: the ensemble sizes of the demo's pass.

    Returns:
        `(label, {"N": metrics})`, or None when no record of the card fits.
    """
    evaluation = card["evaluation"]
    card_subset = card_test_subset(card)
    passes = max(sizes)
    if card_subset == test_subset and (not evaluation["stochastic"] or
                                       max(int(n) for n in evaluation["test"]) == passes):
        return f"test numbers ({card['splits']['test']})", evaluation["test"]
    first = min(FIRST_IMAGES, card_subset or FIRST_IMAGES)
    if test_subset == first and "first_1000" in evaluation:
        return f"first_1000 numbers (the first {first} test images)", evaluation["first_1000"]
    return None


def card_check(demo: dict) -> list[str]:
    """Lines comparing each preset's clean N = 1 and N = 10 metrics with its card's.

    The numbers are compared only when the demo used the card's test images;
    otherwise the line says they differ in split. They match within
    `CARD_RELATIVE_TOLERANCE`: float32 rounding of another CPU, not a different result.
    """
    lines = []
    for name, outcome in demo["presets"].items():
        card = outcome["card"]
        reference = card_reference(card, demo["test_subset"], tuple(demo["sizes"]))
        if reference is None:
            lines.append(f"{name}: not compared: the demo used "
                         f"{'the first ' + str(demo['test_subset']) if demo['test_subset'] else 'all'}"
                         f" test images in a {max(demo['sizes'])}-sample pass, its card the "
                         f"{card['splits']['test']} in a "
                         f"{max(int(n) for n in card['evaluation']['test'])}-sample pass.")
            continue
        label, recorded = reference
        lines.append(f"{name} (its card's {label}):")
        for n in CARD_SIZES:
            ours, theirs = outcome["results"][CLEAN].get(n), recorded.get(str(n))
            if ours is None or theirs is None:
                continue
            same = all(math.isclose(ours[key], theirs[key], rel_tol=CARD_RELATIVE_TOLERANCE,
                                    abs_tol=1e-7) for key, _, _, _ in COLUMNS)
            shown = [" ".join(f"{label} {fmt.format(scale * m[key])}"
                              for key, label, scale, fmt in COLUMNS) for m in (theirs, ours)]
            lines.append(f"  N={n:<3} card: {shown[0]} | demo: {shown[1]} | "
                         f"{'match' if same else 'DIFFER'}")
    return lines


def results_json(demo: dict) -> dict:
    """The demo's numbers as JSON: `{preset: {condition: {N: metrics}}}` and the settings."""
    return {"dataset": demo["dataset"], "test_subset": demo["test_subset"],
            "corruption_images": int(len(demo["corruption_indices"])),
            "severity": demo["severity"], "sizes": list(demo["sizes"]),
            "results": {name: {condition: {str(n): m for n, m in by_n.items()}
                               for condition, by_n in outcome["results"].items()}
                        for name, outcome in demo["presets"].items()}}


def _close(figure) -> None:
    import matplotlib.pyplot as plt   # after `plots` chose the backend
    plt.close(figure)


def write_outputs(demo: dict, output_dir: str, least_certain: int = 12) -> dict[str, str]:
    """Writes `results.json`, the figures, and returns their paths by kind.

    Figures: per preset a reliability diagram of the clean split at the
    smallest and the largest N and the grid of the `least_certain` clean test
    images it is least sure of (highest predictive entropy, largest N); NLL
    against N on the clean split, and on the corruptions (mean over them).
    """
    os.makedirs(output_dir, exist_ok=True)
    paths = {"results": os.path.join(output_dir, "results.json")}
    write_json(paths["results"], results_json(demo))
    spec = data.get_spec(demo["dataset"])
    sizes = demo["sizes"]
    corruptions = [c for c in next(iter(demo["presets"].values()))["results"] if c != CLEAN]
    for name, outcome in demo["presets"].items():
        clean = outcome["results"][CLEAN]
        for n in sorted({min(clean), max(clean)}):
            key = f"reliability_{name}_n{n}"
            paths[key] = os.path.join(output_dir, f"{key}.png")
            _close(plots.reliability_diagram(outcome["probs"][n], demo["labels"],
                                                title=f"{name}, clean, N={n}", path=paths[key]))
        key = f"least_certain_{name}"
        paths[key] = os.path.join(output_dir, f"{key}.png")
        _close(plots.least_certain_grid(
            demo["images"], outcome["probs"][max(clean)], demo["labels"], count=least_certain,
            class_names=spec.label_names,
            title=f"{name}: the {least_certain} test images it is least sure of "
                  f"(predictive entropy, N={max(clean)})", path=paths[key]))
    paths["nll_vs_n"] = os.path.join(output_dir, "nll_vs_n.png")
    _close(plots.ensemble_size_curves(
        {name: {n: m["nll"] for n, m in outcome["results"][CLEAN].items()}
         for name, outcome in demo["presets"].items()},
        title="clean test split", path=paths["nll_vs_n"]))
    if corruptions:
        paths["nll_vs_n_corrupted"] = os.path.join(output_dir, "nll_vs_n_corrupted.png")
        _close(plots.ensemble_size_curves(
            {name: {n: float(np.mean([outcome["results"][c][n]["nll"] for c in corruptions]))
                    for n in sizes if n in outcome["results"][CLEAN]}
             for name, outcome in demo["presets"].items()},
            title=f"mean of {', '.join(corruptions)} (severity {demo['severity']})",
            path=paths["nll_vs_n_corrupted"]))
    return paths
