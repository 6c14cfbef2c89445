"""The recipe search's page: `docs/recipe_search.md` and its plot, from the committed runs alone.

Usage (from the repository root, after `python scripts/recipe_search.py collect`):
    python scripts/recipe_search_report.py

Every choice is made by a rule fixed before the results (`recipe_search.decisions`), on the
validation split (the last 10,000 training images); the test split's numbers are listed apart and
decide nothing. A choice whose runs are not all finished is reported as open, never guessed.
"""

from __future__ import annotations

import glob
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from recipe_search import (chosen_mcdo_run, decisions, load_runs, parse,  # noqa: E402
                           planned_runs, validation_nll)

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
PAGE = os.path.join(ROOT, "docs", "recipe_search.md")
#: The zoo's test-accuracy target for a single-network preset.
ACCURACY_TARGET = 0.94
PLOT = os.path.join(ROOT, "docs", "recipe_search", "validation_nll.png")


def _row(name: str, record: dict) -> str:
    model, schedule, epochs, rate = parse(name)
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


def comparison_line(records: dict[str, dict], chosen: dict[str, dict]) -> str:
    """Whether MC dropout at the chosen rate (15 epochs, N = 10) beats the deterministic network
    of the same schedule (N = 1) on validation: the chosen schedule, cosine while it is open."""
    schedule = chosen["schedule"]["choice"] or "cosine"
    mcdo, dnn = chosen_mcdo_run(chosen, schedule), f"dnn_{schedule}_e15"
    if mcdo is None or mcdo not in records or dnn not in records:
        return "- **MC dropout vs deterministic** (validation NLL, N = 10 vs N = 1): open."
    mcdo_nll, dnn_nll = validation_nll(records[mcdo], 10), validation_nll(records[dnn], 1)
    verdict = "beats" if mcdo_nll < dnn_nll else "does not beat"
    caveat = "" if chosen["schedule"]["choice"] else "; the schedule choice is still open"
    return (f"- **MC dropout vs deterministic**: {mcdo} at N = 10 {verdict} {dnn} on validation: "
            f"NLL {mcdo_nll:.4f} vs {dnn_nll:.4f} (one seed each, no interval{caveat}).")


def target_line(records: dict[str, dict], chosen: dict[str, dict]) -> str:
    """The zoo's candidates (the 15-epoch runs of the chosen schedule, cosine while it is open)
    against the zoo's test-accuracy target, a fact reported from the test split, not a choice."""
    schedule = chosen["schedule"]["choice"] or "cosine"
    names = [f"dnn_{schedule}_e15", chosen_mcdo_run(chosen, schedule)]
    cells = [f"{name} {records[name]['result']['test']['1']['accuracy']:.2%}" for name in names
             if name in records]
    if not cells:
        return "- **Test accuracy of the zoo's candidates** (target 94.0%, N = 1): open."
    return (f"- **Test accuracy of the zoo's candidates** (target {ACCURACY_TARGET:.1%}, N = 1; "
            f"reported, not used by any choice): {', '.join(cells)}.")


def plot(records: dict[str, dict], path: str) -> None:
    """Validation NLL per epoch (one MC sample for MC dropout), one line per run."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axis = plt.subplots(figsize=(7, 4))
    for name, record in records.items():
        curves = record["curves"]
        axis.plot(curves["epoch"], curves["val_nll"], label=name,
                  linestyle="-" if parse(name)[3] is None else "--")
    axis.set_xlabel("epoch (1 = the warm-up epoch)")
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
    planned = planned_runs(records)
    finished = [name for name in planned if name in records]
    lines = [
        "# The zoo's recipe search",
        "",
        "Fashion-MNIST, ResNet-18 at width 16, one seed per run. Training reads the first 50,000",
        "training images; every choice below is made on the last 10,000 (validation). The test",
        "split is read once per run, after training, and is listed apart: it decides nothing.",
        "Regenerate with `python scripts/recipe_search.py run ...` (see its docstring), then",
        "`python scripts/recipe_search.py collect && python scripts/recipe_search_report.py`.",
        "",
        "The rules were fixed before any run finished (`scripts/recipe_search.py`): the schedule by",
        "the deterministic network's NLL after 15 epochs (cosine vs multistep); the MC dropout rate",
        "by the NLL at N = 10 of four short runs (1 warm-up + 5 cosine epochs each, to fit one",
        "2-core session: a rate that wins at 5 epochs is assumed to win at 15, which the search",
        "does not test); the epochs by 10 vs 15 (deterministic) and 5 vs 15 (MC dropout at the",
        "chosen rate), 15 being the longest the session allows. MC dropout at the chosen rate",
        "trains with the cosine schedule; if multistep wins, its multistep run is added.",
        "The `model.keras` of every finished 15-epoch run is kept in `docs/recipe_search/models/`:",
        "`python scripts/recipe_search.py restore --runs_dir=DIR` writes those runs back as finished",
        "run directories, from which `python -m blur_keras.zoo publish` makes a preset.",
        "",
        f"Finished: {len(finished)} of {len(planned)} runs.",
        "",
        "## Choices (validation split)",
        _choice_line("Schedule", chosen["schedule"]),
        _choice_line("MC dropout rate (NLL at N = 10, 5-epoch runs)", chosen["rate"]),
        _choice_line("Epochs, deterministic (cosine)", chosen["epochs (deterministic)"]),
        _choice_line("Epochs, MC dropout (NLL at N = 10)", chosen["epochs (MC dropout)"]),
        comparison_line(records, chosen),
        "",
        "## Runs (validation split)",
        "Best epoch: the epoch of the lowest one-pass validation NLL / epochs trained (counted from",
        "1, the warm-up epoch). Final evaluation at N = 1 and, for MC dropout, N = 10.",
        "",
        "| run | schedule | epochs | rate | best epoch | NLL N=1 | acc N=1 | ECE N=1 | NLL N=10 | "
        "acc N=10 | ECE N=10 |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        *[_row(name, records[name]) for name in finished],
        "",
        *(["![validation NLL per epoch](recipe_search/validation_nll.png)", ""] if finished else []),
        "## Test split (reported only)",
        target_line(records, chosen),
        "",
        "| run | NLL N=1 | acc N=1 | NLL N=10 | acc N=10 |",
        "|---|---|---|---|---|",
        *[_test_row(name, records[name]) for name in finished],
        "",
        "Not run yet: " + (", ".join(name for name in planned if name not in records) or "none")
        + ".",
        "",
        "## From the search to the zoo",
        "The presets of `zoo/build.json` (version 2) take the chosen recipe unchanged and train it",
        "on all 60,000 training images, the hold-out included: the usual last step once every",
        "choice is made, since no choice is left for the hold-out to make. Their cards therefore",
        "show per-epoch curves on the test split, reported only, and say so. In fairness to the",
        "order of events: training on all 60,000 images was decided after the test accuracies",
        "above showed both candidates below the zoo's 94.0% target. It changes how much data",
        "trains, not a hyperparameter, and nothing was tried on the test split and discarded.",
        "The smoothing twins take the recipe of their plain twins, untuned.",
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
