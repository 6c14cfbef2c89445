"""The recipe search's page: `docs/recipe_search.md` and its plot, from the committed runs alone.

Usage (from the repository root, after `python scripts/recipe_search.py collect`):
    python scripts/recipe_search_report.py

Every choice is made by a rule fixed before the results, on the validation split (the last
10,000 training images); the test split's numbers are listed apart and decide nothing:
- schedule: the deterministic network's validation NLL after 15 epochs, cosine vs multistep;
- epochs: the deterministic network's validation NLL, cosine, 15 vs 30 epochs;
- MC dropout rate: the lowest validation NLL at N = 10 among the cosine 15-epoch runs.
A choice whose runs are not all finished is reported as open, never guessed.
"""

from __future__ import annotations

import glob
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from recipe_search import RESULTS, RUNS  # noqa: E402  (the search's own definitions)

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
PAGE = os.path.join(ROOT, "docs", "recipe_search.md")
PLOT = os.path.join(ROOT, "docs", "recipe_search", "validation_nll.png")
RATE_RUNS = ("mcdo0.05_cosine_e15", "mcdo0.1_cosine_e15", "mcdo0.2_cosine_e15", "mcdo0.3_cosine_e15")


def load_runs(directory: str = RESULTS) -> dict[str, dict]:
    """The finished runs' records (`recipe_search.collect`), by run name."""
    records = {}
    for path in sorted(glob.glob(os.path.join(directory, "*.json"))):
        with open(path) as f:
            record = json.load(f)
        records[record["name"]] = record
    return records


def validation_nll(record: dict, n: int) -> float:
    """A run's validation NLL at N samples (the final evaluation; N = 1 for a deterministic run)."""
    results = record["result"]["validation"]
    return results[str(n)]["nll"] if str(n) in results else results["1"]["nll"]


def pick(records: dict[str, dict], candidates: dict[str, str], n: int) -> dict:
    """The candidate with the lowest validation NLL at N, or an open choice naming what is missing.

    Args:
        records: finished runs by name.
        candidates: run name -> the option it stands for.
        n: the number of MC samples compared (1 for deterministic runs).

    Returns:
        `{"choice": option or None, "values": {option: NLL}, "missing": [run names]}`.
    """
    missing = [name for name in candidates if name not in records]
    values = {option: validation_nll(records[name], n) for name, option in candidates.items()
              if name in records}
    choice = None if missing else min(values, key=values.get)
    return {"choice": choice, "values": values, "missing": missing}


def decisions(records: dict[str, dict]) -> dict[str, dict]:
    """The three choices of the search by their rules (see the module docstring)."""
    return {
        "schedule": pick(records, {"dnn_cosine_e15": "cosine", "dnn_multistep_e15": "multistep"}, 1),
        "epochs": pick(records, {"dnn_cosine_e15": "15", "dnn_cosine_e30": "30"}, 1),
        "rate": pick(records, {name: str(RUNS[name][3]) for name in RATE_RUNS}, 10),
    }


def _row(name: str, record: dict) -> str:
    model, schedule, epochs, rate = RUNS[name]
    curves, validation = record["curves"], record["result"]["validation"]
    cells = [name, schedule, str(epochs), "-" if rate is None else str(rate),
             f"{curves['best_val_nll_epoch']} / {len(curves['epoch'])}"]
    for n in ("1", "10"):
        if n in validation:
            cells += [f"{validation[n]['nll']:.4f}", f"{validation[n]['accuracy']:.2%}",
                      f"{validation[n]['ece']:.4f}"]
        else:
            cells += ["", "", ""]
    return "| " + " | ".join(cells) + " |"


def _test_row(name: str, record: dict) -> str:
    test = record["result"]["test"]
    cells = [name]
    for n in ("1", "10"):
        cells += ([f"{test[n]['nll']:.4f}", f"{test[n]['accuracy']:.2%}"] if n in test else ["", ""])
    return "| " + " | ".join(cells) + " |"


def _choice_line(label: str, decision: dict) -> str:
    values = ", ".join(f"{option}: {value:.4f}" for option, value in decision["values"].items())
    if decision["choice"] is None:
        return (f"- **{label}**: open, waiting for {', '.join(decision['missing'])}"
                + (f" (so far {values})" if values else "") + ".")
    return f"- **{label}**: {decision['choice']} ({values})."


def comparison_line(records: dict[str, dict], rate: dict) -> str:
    """Whether the chosen MC dropout network beats its deterministic twin on validation."""
    if rate["choice"] is None or "dnn_cosine_e15" not in records:
        return "- **MC dropout vs deterministic** (validation NLL, N = 10 vs N = 1): open."
    mcdo = rate["values"][rate["choice"]]
    dnn = validation_nll(records["dnn_cosine_e15"], 1)
    verdict = "beats" if mcdo < dnn else "does not beat"
    return (f"- **MC dropout vs deterministic**: MC dropout (rate {rate['choice']}) at N = 10 "
            f"{verdict} the deterministic network on validation: NLL {mcdo:.4f} vs {dnn:.4f} "
            f"(cosine, 15 epochs; one seed each, no interval).")


def plot(records: dict[str, dict], path: str) -> None:
    """Validation NLL per epoch (one MC sample for MC dropout), one line per run."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axis = plt.subplots(figsize=(7, 4))
    for name, record in records.items():
        curves = record["curves"]
        axis.plot(curves["epoch"], curves["val_nll"], label=name,
                  linestyle="-" if RUNS[name][3] is None else "--")
    axis.set_xlabel("epoch (after the warm-up epoch)")
    axis.set_ylabel("validation NLL (one pass)")
    axis.set_ylim(top=min(0.6, axis.get_ylim()[1]))
    axis.legend(fontsize=7)
    axis.grid(alpha=0.3)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fig.savefig(path, dpi=90, bbox_inches="tight")
    plt.close(fig)


def page(records: dict[str, dict]) -> str:
    """The page's Markdown."""
    chosen = decisions(records)
    finished = [name for name in RUNS if name in records]
    lines = [
        "# The zoo's recipe search",
        "",
        "Fashion-MNIST, ResNet-18 at width 16, one seed per run. Training reads the first 50,000",
        "training images; every choice below is made on the last 10,000 (validation). The test",
        "split is read once per run, after training, and is listed apart: it decides nothing.",
        "Regenerate with `python scripts/recipe_search.py run ...` (see its docstring), then",
        "`python scripts/recipe_search.py collect && python scripts/recipe_search_report.py`.",
        "",
        f"Finished: {len(finished)} of {len(RUNS)} runs.",
        "",
        "## Choices (validation split)",
        _choice_line("Schedule", chosen["schedule"]),
        _choice_line("Epochs", chosen["epochs"]),
        _choice_line("MC dropout rate (NLL at N = 10)", chosen["rate"]),
        comparison_line(records, chosen["rate"]),
        "",
        "## Runs (validation split)",
        "Best epoch: the epoch of the lowest one-pass validation NLL / epochs trained (after the",
        "warm-up epoch). Final evaluation at N = 1 and, for MC dropout, N = 10.",
        "",
        "| run | schedule | epochs | rate | best epoch | NLL N=1 | acc N=1 | ECE N=1 | NLL N=10 | "
        "acc N=10 | ECE N=10 |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        *[_row(name, records[name]) for name in finished],
        "",
        *(["![validation NLL per epoch](recipe_search/validation_nll.png)", ""] if finished else []),
        "## Test split (reported only)",
        "| run | NLL N=1 | acc N=1 | NLL N=10 | acc N=10 |",
        "|---|---|---|---|---|",
        *[_test_row(name, records[name]) for name in finished],
        "",
        "Not run yet: " + (", ".join(name for name in RUNS if name not in records) or "none") + ".",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    records = load_runs()
    if records:
        plot(records, PLOT)
    with open(PAGE, "w") as f:
        f.write(page(records))
    print(f"wrote {PAGE}" + (f" and {PLOT}" if records else " (no run finished: no plot)")
          + f" from {len(records)} runs")


if __name__ == "__main__":
    main()
