"""`docs/REPRODUCTION.md` and its figures, rebuilt from the committed results JSONs alone.

The same JSONs give the same markdown, byte for byte (a test compares the committed report
with a fresh one). Every number in it is read from the JSONs or quoted from the paper
(`study.paper`); where data are missing it says what is missing.
"""

from __future__ import annotations

import glob
import json
import os
from typing import Callable

from study.claims_accuracy import claim1, claim2, claim4, detection
from study.claims_layer import claim5
from study.claims_mechanisms import claim6
from study.claims_robustness import claim3
from study.plan import VERSION, Plan, study_plan
from study.results import RESULTS_DIR, Results, Section
from study.verdicts import DOES_NOT_HOLD, HOLDS, INCONCLUSIVE, OBSERVATION, against_the_paper

REPORT_FILE = os.path.join("docs", "REPRODUCTION.md")
#: The figures go into this folder next to the report.
FIGURES_FOLDER = "reproduction"
FIGURE_PATTERN = "claim*.png"
COMMAND = "python -m study report"


def _recipe(results: Results) -> str:
    """The training recipe in words, from a main run's result.json (else the plan)."""
    plan = results.plan
    main = [run for run in plan.runs if run.group == "main"]
    for run in main:
        record = results.training(run.name)
        if record is not None:
            config = record["config"]
            args = config.get("model_args") or {}
            if config.get("schedule", "multistep") == "cosine":
                schedule = "cosine decay of the rate"
            else:
                schedule = (f"x{config['gamma']:g} at epochs "
                            f"{', '.join(map(str, config['milestones']))}")
            return (f"{config['warmup_epochs']} warm-up + {config['epochs']} epochs, batch "
                    f"{config['batch_size']}, SGD lr {config['lr']:g} momentum "
                    f"{config['momentum']:g}, coupled weight decay {config['weight_decay']:g}, "
                    f"{schedule}" + (f", model_args {args}" if args else "")
                    + f" (read from `{run.name}/result.json`)")
    if main:
        options = {key: value for key, value in main[0].options.items()
                   if key not in ("dataset", "seed")}
        return (", ".join(f"{key} {json.dumps(value)}" for key, value in options.items())
                + ", the rest the dataset's reference recipe (from the plan; no run finished "
                  "yet)")
    return "no main runs in this plan"


def _images(results: Results) -> str:
    """Which training images the runs read, from a main run's result.json."""
    for run in results.plan.runs:
        record = results.training(run.name) if run.group == "main" else None
        if record is not None:
            config = record["config"]
            if config.get("validation") == "holdout":
                return ("the training images before the 10,000-image hold-out, which chose the "
                        "recipe; all test images")
            break
    return "all training and test images"


def _seeds(plan: Plan) -> str:
    """`3 seeds per configuration` or `3 seeds (deterministic pair), 5 (MC dropout pair)`."""
    counts = {pair: len(plan.seeds_of(pair)) for pair in plan.pairs}
    preset = " (seed 0 is the zoo preset's own run)"
    if len(set(counts.values())) <= 1:
        return f"{next(iter(counts.values()), 0)} seeds per configuration{preset}"
    words = {"dnn": "deterministic", "mcdo": "MC dropout"}
    return ", ".join(f"{count} seeds of the {words.get(pair, pair)} pair"
                     for pair, count in counts.items()) + preset


def _status(results: Results) -> list[str]:
    """Which runs and evaluations are in the results folder, with their precision."""
    lines = ["| run | source | training precision | evaluations present | missing |",
             "|---|---|---|---|---|"]
    for run in results.plan.runs:
        record = results.training(run.name)
        present = [name for name in run.evaluations if results.evaluation(run.name, name)]
        missing = [name for name in run.evaluations if name not in present]
        if record is None:
            source, precision = ("zoo preset" if run.preset else "trained by the study"), "-"
        else:
            source = record.get("source", "trained by the study")
            precision = record["config"].get("mixed_precision", "none").replace(
                "none", "float32")
        lines.append(f"| `{run.name}` | {source} | {precision} | {', '.join(present) or '-'} | "
                     f"{', '.join(missing) or '-'} |")
    precisions = sorted({content["precision"] for run in results.plan.runs
                         for name in run.evaluations
                         for content in [results.evaluation(run.name, name)] if content})
    lines += ["", "Evaluation precision: " + (", ".join(precisions) if precisions
                                                 else "no evaluation yet") + "."]
    for name in ("ensembles.json", "speed.json"):
        lines.append(f"`{name}`: {'present' if results.study(name) else 'not yet'}.")
    return lines


#: The repository root (the results folders are relative to it).
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _shown(results_dir: str, inside: str = "") -> str:
    """The results folder (or `inside` it) as the report names it: `` `study/results/v2/` ``
    (relative to the repository root), or "the results folder" for another one."""
    if os.path.realpath(os.path.join(ROOT, RESULTS_DIR)) == os.path.realpath(results_dir):
        return "`" + RESULTS_DIR.replace(os.sep, "/") + "/" + inside + "`"
    return "the results folder"


def render(plan: Plan, results_dir: str) -> tuple[str, dict[str, Callable[[str], None]]]:
    """The report's markdown and its figures (`{file name: draw(path)}`)."""
    results = Results(plan, results_dir)
    sections: list[Section] = [claim1(results), claim2(results), claim3(results),
                               claim4(results), claim5(results), claim6(results)]
    rows = [row for section in sections for row in section.rows if not row.why]
    checks = [row for section in sections for row in section.rows if row.why]
    counts = {key: sum(1 for row in rows if row.verdict.startswith(key))
              for key in (HOLDS, DOES_NOT_HOLD, INCONCLUSIVE, OBSERVATION, "not run yet")}
    against = [row for row in rows if against_the_paper(row.verdict)]
    extra = [item for section in sections for item in section.against]
    lines = [
        "# Reproduction study: the paper's claims re-measured here",
        "",
        f"Generated by `{COMMAND}` from the JSON files in {_shown(results_dir)} (do not edit "
        f"by hand; `make report` rebuilds it, `make reproduce` runs the study first)."
        + f" Study version {VERSION}; version 1 (the 5-epoch recipe) is in the git history.",
        "",
        f"Park & Kim (ICML 2022) claim that spatial smoothing improves accuracy, uncertainty and "
        f"robustness and lets MC dropout work with far fewer samples. This study re-measures "
        f"those claims with this project's code, at the scale of a 2-core CPU: ResNet-18 at the "
        f"zoo's width on {plan.dataset} ({_images(results)}), the zoo's "
        f"recipe ({_recipe(results)}), {_seeds(plan)}. Every \"smoothing helps\" statement is a "
        f"paired comparison (same seed "
        f"with and without smoothing): the mean paired difference (with minus without) and its "
        f"95% interval. The paper's numbers (quoted from docs/paper.md, as cited) come from "
        f"CIFAR and ImageNet with 200-epoch (CIFAR) and 90-epoch (ImageNet) recipes: compare "
        f"directions, not values.",
        "",
        "**Verdict rule.** The interval is the Student t interval of the per-seed differences "
        "(`study/intervals.py`). *holds*: it excludes zero in the paper's direction; *does not "
        "hold*: it excludes zero the other way; otherwise *inconclusive (k/n seeds the paper's "
        "way)*, so that a leaning result shows its direction; *not run yet* names what is "
        "missing. One seed has no interval: a one-seed ablation is an *observation*, never a "
        "verdict. *No paper claim* marks a measurement the paper does not predict. Comparisons "
        "that hold by construction are *sanity checks*, in their own table below: they catch a "
        "broken layer, and are no evidence for the paper.",
        "",
        detection(results),
        "",
        f"## Verdicts ({len(rows)} comparisons: {counts[HOLDS]} hold, {counts[DOES_NOT_HOLD]} do "
        f"not hold, {counts[INCONCLUSIVE]} inconclusive, {counts[OBSERVATION]} one-seed "
        f"observations, {counts['not run yet']} not run yet; {len(checks)} sanity checks apart)",
        "",
        "Against the paper (does not hold, inconclusive with fewer than half the seeds the "
        "paper's way, or an observation against it): "
        + ("; ".join(f"{row.claim} ({row.verdict})" for row in against) if against else "none")
        + (f"; per corruption (claim 3, raw error in pp, with minus without smoothing, "
           f"[95% interval]): " + "; ".join(extra) if extra else "") + ".",
        "",
        "| # | claim | paper | ours: without → with smoothing; Δ [95% interval] | verdict |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {row.claim} | {row.text} | {row.paper} | {row.ours} | {row.verdict} |"
              for row in rows]
    lines += ["", f"## Sanity checks ({len(checks)}; they hold by construction)", "",
              "| # | check | why it cannot fail | paper | ours | outcome |",
              "|---|---|---|---|---|---|"]
    lines += [f"| {row.claim} | {row.text} | {row.why} | {row.paper} | {row.ours} | "
              f"{row.verdict} |" for row in checks]
    figures: dict[str, Callable[[str], None]] = {}
    for section in sections:
        lines += ["", f"## {section.title}", ""] + section.lines
        figures.update(section.figures)
    lines += ["", "## How the numbers were made", "",
              f"Every JSON of {_shown(results_dir, '<run>/')} records its command, configuration "
              "(subset sizes, seeds), precision, versions and machine; the runs and "
              "evaluations present now:", ""] + _status(results)
    lines += ["", "Commands: `python -m study run --runs_dir=DIR` (resumable; "
                  "trains what is missing, writes the JSONs), `python -m study "
                  "status --runs_dir=DIR` (what is done, what is missing, its estimated cost), "
                  f"`{COMMAND}` (this page and its figures)."]
    text = "\n".join(line.rstrip() for line in lines).replace("\n\n\n", "\n\n") + "\n"
    return text, figures


def build_report(plan: Plan | None = None, results_dir: str = RESULTS_DIR,
                 output: str = REPORT_FILE) -> dict:
    """Writes the report and its figures (in `reproduction/` next to it).

    Figures of earlier builds that this one does not draw are removed.

    Args:
        plan: the study (default: `study.plan.study_plan()`, version 2).
        results_dir: the results folder (default: the committed `study/results/v2/`).
        output: the markdown file.

    Returns:
        `{"report": path, "figures": [paths]}`.
    """
    if not os.path.isdir(results_dir):
        raise ValueError(f"results folder {results_dir} not found (run from the repository "
                         f"root, or pass --results_dir).")
    plan = plan or study_plan()
    text, figures = render(plan, results_dir)
    directory = os.path.join(os.path.dirname(output) or ".", FIGURES_FOLDER)
    os.makedirs(directory, exist_ok=True)
    written = []
    for name, draw in sorted(figures.items()):
        path = os.path.join(directory, name)
        draw(path)
        written.append(path)
    for stale in glob.glob(os.path.join(directory, FIGURE_PATTERN)):
        if stale not in written:
            os.remove(stale)
    with open(output + ".tmp", "w") as f:
        f.write(text)
    os.replace(output + ".tmp", output)
    return {"report": output, "figures": written}
