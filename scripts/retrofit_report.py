"""The retrofit experiment's section of `docs/retrofit.md`, from the committed runs alone.

Usage (from the repository root, after `python scripts/retrofit_experiment.py collect`):
    python scripts/retrofit_report.py

It rewrites only the part of the page between `BEGIN` and `END` (appended when the page has no
such part); the rest of the page, the API's documentation, is left as it is. Every number comes
from `docs/retrofit/runs/*.json` and `docs/retrofit/outcomes/*.json`; a run not collected yet
shows as "open". The cells are compared on the test split, with paired bootstrap intervals: the
presets trained on all 60,000 training images, so the hold-out (`train[50000:60000]`) is not held
out from them; its numbers are listed without a verdict.
"""

from __future__ import annotations

import json
import os
import sys
import textwrap

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from retrofit_experiment import (  # noqa: E402
    COMPARED_N, CORRUPTIONS, FAMILIES, FINE_TUNE, ORDER, OUTCOMES_SEED, RETROFIT, SOURCES, TWINS,
    corruption_command, estimate_seconds, lane_runs, load_outcomes, load_runs, shown,
    training_command)

from blur_keras.paired_bootstrap import bootstrap_interval  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
PAGE = os.path.join(ROOT, "docs", "retrofit.md")
BEGIN = ("<!-- retrofit-experiment: begin (written by scripts/retrofit_report.py from "
         "docs/retrofit/runs; edits between these lines are overwritten) -->")
END = "<!-- retrofit-experiment: end -->"
OPEN = "open"
FAMILY_NAMES = {"dnn": "Deterministic", "mcdo": "MC dropout"}
#: The comparisons the report draws, each `(first, second)`: is `first`'s NLL lower?
COMPARISONS = (("retrofitted", "finetuned"), ("retrofitted", "smoothing_preset"),
               ("finetuned", "preset"), ("retrofitted", "preset"))


def cell_names() -> dict[str, str]:
    """What each cell is, in the tables' words."""
    epochs = FINE_TUNE["epochs"]
    return {"preset": "(a) the preset as it is",
            "finetuned": f"(b) fine-tuned {epochs} epochs, no smoothing",
            "retrofitted": f"(c) retrofitted with smoothing, fine-tuned {epochs} epochs",
            "smoothing_preset": "(d) the smoothing twin, trained from scratch"}


def _metrics(record: dict | None, split: str, n: str, family: str) -> list[str]:
    if family == "dnn" and n != "1":
        return ["-", "-", "-"]
    if record is None:
        return [OPEN] * 3
    values = record["result"][split][n]
    return [f"{values['nll']:.4f}", f"{values['accuracy']:.2%}", f"{values['ece']:.4f}"]


def metrics_table(records: dict[str, dict], split: str) -> list[str]:
    """NLL, accuracy and ECE at N = 1 and 10 of every cell on `split`, one row per run."""
    lines = ["| network | cell | NLL N=1 | acc N=1 | ECE N=1 | NLL N=10 | acc N=10 | ECE N=10 |",
             "|---|---|---|---|---|---|---|---|"]
    for family in FAMILIES:
        for cell, label in cell_names().items():
            record = records.get(f"{family}_{cell}")
            cells = [FAMILY_NAMES[family], label]
            for n in ("1", "10"):
                cells += _metrics(record, split, n, family)
            lines.append("| " + " | ".join(cells) + " |")
    return lines


def corruption_table(records: dict[str, dict]) -> list[str]:
    """The corruption summary of every cell: means over 15 corruptions x 5 severities."""
    lines = ["| network | cell | N | mean error | mean NLL | mean ECE |",
             "|---|---|---|---|---|---|"]
    for family in FAMILIES:
        for cell, label in cell_names().items():
            record = records.get(f"{family}_{cell}")
            cells = [FAMILY_NAMES[family], label, str(CORRUPTIONS["samples"][family])]
            if record is None:
                cells += [OPEN] * 3
            else:
                mean = record["corruptions"]["mean"]
                cells += [f"{mean['error']:.2%}", f"{mean['nll']:.4f}", f"{mean['ece']:.4f}"]
            lines.append("| " + " | ".join(cells) + " |")
    return lines


def validation_nll(record: dict, family: str) -> float:
    """A run's hold-out NLL at the N its family is compared at."""
    return record["result"]["validation"][str(COMPARED_N[family])]["nll"]


def _head(family: str, first: str, second: str, where: str) -> str:
    names = cell_names()
    return (f"- **{FAMILY_NAMES[family]}, {names[first][:3]} vs {names[second][:3]}** "
            f"({where} NLL, N = {COMPARED_N[family]})")


def holdout_line(records: dict[str, dict], family: str, first: str, second: str) -> str:
    """Cell `first`'s hold-out NLL against cell `second`'s (numbers only: no verdict), or open."""
    a, b = records.get(f"{family}_{first}"), records.get(f"{family}_{second}")
    head = _head(family, first, second, "hold-out")
    if a is None or b is None:
        return f"{head}: open."
    x, y = validation_nll(a, family), validation_nll(b, family)
    return f"{head}: {x:.4f} vs {y:.4f}, a difference of {x - y:+.4f}."


def test_line(outcomes: dict[str, dict], family: str, first: str, second: str) -> str:
    """Cell `first` against cell `second` on the test split: the mean per-image NLL difference,
    its 95% paired bootstrap interval and the verdict it gives, or open."""
    a, b = outcomes.get(f"{family}_{first}"), outcomes.get(f"{family}_{second}")
    head = _head(family, first, second, "test")
    if a is None or b is None:
        return f"{head}: open."
    if a["labels"] != b["labels"]:
        raise ValueError(f"{family}_{first} and {family}_{second}: outcomes over other images.")
    interval = bootstrap_interval(b["nll"], a["nll"])
    verdict = {"inconclusive": "no difference the test split resolves"}.get(
        interval.direction, interval.direction)
    x, y = a["metrics"]["nll"], b["metrics"]["nll"]
    return (f"{head}: {x:.4f} vs {y:.4f}, difference {interval.text()} (95% paired "
            f"bootstrap over {interval.count:,} images): **{verdict}**.")


def source_note(records: dict[str, dict]) -> str:
    """Whether the presets' training saw the hold-out, from the collected runs' source facts."""
    sources = {r["source"]["preset"]: r["source"] for r in records.values() if "source" in r}
    if not sources:
        return ("Whether the presets' training saw the hold-out is read from their cards when the "
                "runs are collected.")
    saw = sorted(name for name, facts in sources.items() if facts.get("validation") != "holdout")
    if saw:
        return (f"**The hold-out is not held out for every cell:** {', '.join(saw)} trained on the "
                f"whole train split (its card), hold-out included, and cells (b) and (c) start "
                f"from those weights. The hold-out numbers of those cells are on images their "
                f"weights were trained on; the test split is the clean comparison here.")
    return ("Every source preset trained on `train[:50000]` only (their cards): the hold-out "
            "numbers are on images none of the cells trained on.")


def section(records: dict[str, dict], outcomes: dict[str, dict]) -> str:
    """The experiment's Markdown, between `BEGIN` and `END`, from the collected runs and their
    per-image test outcomes."""
    finished = [name for name in ORDER if name in records]
    lane_minutes = [sum(estimate_seconds(n) for n in lane_runs(k, 2)) / 60 for k in range(2)]
    fine = FINE_TUNE
    lines = [
        BEGIN,
        "## What it buys: the experiment",
        "",
        f"Fashion-MNIST, width-16 ResNet-18 presets (`{SOURCES['dnn']}`, `{SOURCES['mcdo']}`), "
        f"one seed. For each: (a) the preset as it is; (b) the preset fine-tuned "
        f"{fine['epochs']} epochs without smoothing (so that (c) is not just more training); "
        f"(c) the preset retrofitted with smoothing (`{json.dumps(RETROFIT)}`: the builders' "
        f"placement and reference padding, the architecture of (d)) and fine-tuned the same "
        f"way; (d) its twin trained with smoothing from scratch (`{TWINS['dnn']}`, "
        f"`{TWINS['mcdo']}`). "
        f"Fine-tuning: {fine['epochs']} epochs, {fine['schedule']}, lr {fine['lr']} (per 128 "
        f"images), no warm-up, seed {fine['seed']}, the recipe's batch, momentum and weight "
        f"decay, on `train[:50000]`. Every cell is one `python -m blur_keras.training` run with "
        f"`--init_from` ((a) and (d) with 0 epochs: nothing trained), so all are evaluated by the "
        f"same code: the test split (where the cells are compared, below) and the hold-out "
        f"`train[50000:60000]`, at N = 1 and 10 for MC dropout. The corruption summary comes from "
        f"`python -m blur_keras.robustness` on each run's `model.keras`: the 15 generated "
        f"corruptions x 5 severities on the first {CORRUPTIONS['images']} test images (seed "
        f"{CORRUPTIONS['seed']}; N = 1 for the deterministic network, "
        f"{CORRUPTIONS['samples']['mcdo']} for MC dropout, unseeded samples), means over "
        f"corruptions and severities. \"open\": not run yet.",
        "",
        source_note(records),
        "",
        f"Finished: {len(finished)} of {len(ORDER)} runs. Not run yet: "
        + (", ".join(name for name in ORDER if name not in records) or "none") + ".",
        "",
        "### Test split",
        *metrics_table(records, "test"),
        "",
        f"The comparisons, on the test split (the images none of the cells trained on): each "
        f"run's `model.keras` evaluated again over all 10,000 test images at N = "
        f"{COMPARED_N['mcdo']} for MC dropout (N = 1 deterministic) in one pass seeded "
        f"{OUTCOMES_SEED} (`outcomes`, committed in `docs/retrofit/outcomes/`; its MC dropout "
        f"NLL differs from the table's by the sampling), and the 95% paired bootstrap interval of "
        f"the mean per-image NLL difference (first minus second; "
        f"`blur_keras.paired_bootstrap.bootstrap_interval`, 2,000 resamples, seed 0). A verdict "
        f"is drawn only when the interval excludes zero. One seed per cell: the interval is over "
        f"test images, not over training runs, so it says whether these two networks differ, "
        f"not whether another seed would.",
        "",
        *[test_line(outcomes, family, first, second) for family in FAMILIES
          for first, second in COMPARISONS],
        "",
        "### Hold-out (`train[50000:60000]`)",
        *metrics_table(records, "validation"),
        "",
        *[holdout_line(records, family, first, second) for family in FAMILIES
          for first, second in COMPARISONS],
        "",
        "### Corruptions",
        *corruption_table(records),
        "",
        "### Commands",
        f"From the repository root, with its virtual environment's Python; resumable. Two lanes "
        f"of one thread each, estimated at about {max(lane_minutes):.0f} CPU-minutes each "
        f"(`python scripts/retrofit_experiment.py plan`).",
        "",
        "```bash",
        "python scripts/retrofit_experiment.py run --lane=0 --lanes=2 --runs_dir=~/runs/retrofit &",
        "python scripts/retrofit_experiment.py run --lane=1 --lanes=2 --runs_dir=~/runs/retrofit",
        "wait",
        "python scripts/retrofit_experiment.py collect --runs_dir=~/runs/retrofit",
        "python scripts/retrofit_experiment.py outcomes --runs_dir=~/runs/retrofit",
        "python scripts/retrofit_report.py",
        "```",
        "",
        "Each run's commands (`RUNS_DIR` the runs directory):",
        "",
        "```bash",
        *[shown(command(name, "RUNS_DIR")) for name in ORDER
          for command in (training_command, corruption_command)],
        "```",
        END,
    ]
    return "\n".join(_wrapped(line) for line in lines) + "\n"


def _wrapped(line: str) -> str:
    """A prose line wrapped at 100 characters; tables, lists, headings and commands as they are."""
    if line.startswith(("|", "#", "```", "python ", "wait", "<!--", "- ")) or len(line) <= 100:
        return line
    return textwrap.fill(line, width=100, break_long_words=False, break_on_hyphens=False)


def page(text: str, records: dict[str, dict], outcomes: dict[str, dict]) -> str:
    """`text` (the page) with its experiment section rewritten, or appended when it has none."""
    new = section(records, outcomes)
    if BEGIN in text and END in text:
        start, end = text.index(BEGIN), text.index(END) + len(END)
        return text[:start] + new.rstrip("\n") + text[end:]
    return text.rstrip("\n") + "\n\n" + new


def main() -> None:
    records, outcomes = load_runs(), load_outcomes()
    with open(PAGE) as f:
        text = f.read()
    new = page(text, records, outcomes)           # computed before the page is opened to write
    with open(PAGE, "w") as f:
        f.write(new)
    print(f"wrote the experiment section of {PAGE} from {len(records)} runs")


if __name__ == "__main__":
    main()
