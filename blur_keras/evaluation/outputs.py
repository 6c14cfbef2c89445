"""The results of `evaluate_ensemble_sizes` as a table, CSV, JSON and plots."""

from __future__ import annotations

import csv
import os

from blur_keras import plots
from blur_keras.json_output import write_json

#: The files `write_outputs` writes into its directory.
OUTPUT_FILES = ("results.csv", "results.json", "reliability.png", "ensemble_size.png")


def format_table(results: dict[int, dict[str, float]]) -> str:
    """A fixed-width text table: one row per ensemble size."""
    keys = list(next(iter(results.values())))
    header = f"{'N':>4} " + " ".join(f"{k:>13}" for k in keys)
    rows = [f"{n:>4} " + " ".join(f"{v[k]:>13.4f}" for k in keys) for n, v in results.items()]
    return "\n".join([header] + rows)


def write_outputs(results, probs, labels, output_dir: str, config: dict, title: str) -> dict:
    """Writes the `OUTPUT_FILES`: results.csv, results.json, reliability.png, ensemble_size.png.

    Returns:
        The paths written, by kind.
    """
    os.makedirs(output_dir, exist_ok=True)
    paths = {name: os.path.join(output_dir, name) for name in OUTPUT_FILES}
    keys = list(next(iter(results.values())))
    with open(paths["results.csv"], "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["ensemble_size"] + keys)
        for n, values in results.items():
            writer.writerow([n] + [values[k] for k in keys])
    write_json(paths["results.json"],
               {"config": config, "results": {str(n): v for n, v in results.items()}})
    largest = max(results)
    plots.reliability_diagram(probs[largest], labels, title=f"{title}, N={largest}",
                              path=paths["reliability.png"])
    plots.ensemble_size_curves({title: {n: v["nll"] for n, v in results.items()}},
                               path=paths["ensemble_size.png"])
    return paths
