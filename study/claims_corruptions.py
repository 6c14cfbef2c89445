"""Claim 3, corruption by corruption: smoothing's effect on each corruption's raw error, and the
batch-norm experiment (does re-estimating batch-norm statistics on a corrupted set close the
ResNets' gap to AlexNet?)."""

from __future__ import annotations

import numpy as np

from study.corruption_scores import LOSS_TO_ALEXNET, corruption_error, relative_ce
from study.intervals import seed_interval
from study.results import Results, Section
from study.verdicts import against_the_paper, change, mean_interval, paired_verdict


def _corruption_names() -> list[str]:
    from blur_keras import corruptions
    return list(corruptions.names())


def corruption_verdicts(results: Results, section: Section) -> None:
    """Per corruption and pair: the paired change of raw error with its interval and verdict;
    those against the paper go into `section.against` (the report's summary)."""
    plan, lines = results.plan, section.lines
    rows, against = [], {pair: [] for pair in plan.pairs}
    for corruption in _corruption_names():
        cells, seen = [], False
        for pair in plan.pairs:
            paired = results.paired(
                pair, lambda run: corruption_error(results, run, corruption), "corruptions")
            if not paired.keys:
                cells += ["-", "-"]
                continue
            seen = True
            verdict = paired_verdict(paired, "lower")
            cells += [change(paired, 2, 100), verdict]
            if against_the_paper(verdict):
                shown = verdict.removeprefix("inconclusive (").removesuffix(")") \
                    if verdict.startswith("inconclusive (") else verdict
                against[pair].append(f"{corruption} {change(paired, 2, 100)} ({shown})")
        if seen:
            rows.append(f"| {corruption} | " + " | ".join(cells) + " |")
    section.against += [f"{pair}: {', '.join(items)}" for pair, items in against.items() if items]
    if not rows:
        return
    header = " | ".join(f"{pair}: Δ error pp [95% interval] | verdict" for pair in plan.pairs)
    lines += ["", "Per corruption (raw error, mean over the 5 severities; with minus without "
                  "smoothing, same seed; the verdict rule of the verdict table, one row per "
                  "corruption; those against the paper are listed in the summary above):", "",
              f"| corruption | {header} |", "|---|" + "---|---|" * len(plan.pairs)] + rows


def bn_errors(results: Results, run: str) -> dict[str, tuple[float, float]] | None:
    """`{corruption: (error with the trained statistics, error with adapted batch norm)}`,
    mean over the severities, from `bn_adaptation.json` (None when missing)."""
    content = results.evaluation(run, "bn_adaptation")
    if content is None:
        return None
    return {corruption: tuple(float(np.mean([row[kind]["error"] for row in rows.values()]))
                              for kind in ("fixed", "adapted"))
            for corruption, rows in content["result"]["table"].items()}


def _bn_runs(results: Results) -> list[str]:
    return [run.name for run in results.plan.runs
            if run.group == "main" and "bn_adaptation" in run.evaluations]


def batch_norm_experiment(results: Results, section: Section) -> None:
    """The table and the test of the batch-norm explanation (when the plan runs it)."""
    plan, lines = results.plan, section.lines
    if not plan.has_evaluation("bn_adaptation"):
        return
    names = _bn_runs(results)
    measured = {run: values for run in names
                for values in [bn_errors(results, run)] if values is not None}
    alexnet = bn_errors(results, plan.baseline) if plan.baseline else None
    lines += ["", "### The batch-norm experiment", "",
              "What we think explains the loss to AlexNet on some corruptions: the ResNets "
              "normalise with batch-norm statistics fixed on clean training images, which shifts "
              "of brightness and contrast move away from. The test: predict the same corrupted "
              "images with every batch-norm layer normalising by their own statistics "
              "(`study/bn_adaptation.py`) and see whether the error falls most where the "
              "ResNets lose to AlexNet."]
    if not measured:
        lines += ["", f"Ours: not run yet (missing: bn_adaptation.json of {', '.join(names)})."]
        return
    models = [model for pair in plan.pairs.values() for model in pair]
    lost = {c for c, v in relative_ce(results, models).items() if v > LOSS_TO_ALEXNET}
    rows = []
    for corruption in _corruption_names():
        fixed = [values[corruption][0] for values in measured.values()]
        deltas = [values[corruption][1] - values[corruption][0] for values in measured.values()]
        base = f"{100 * alexnet[corruption][0]:.2f}" if alexnet else "-"
        rows.append(f"| {corruption}{' (lost)' if corruption in lost else ''} | {base} | "
                    f"{100 * np.mean(fixed):.2f} | "
                    f"{100 * np.mean([v[corruption][1] for v in measured.values()]):.2f} | "
                    f"{mean_interval(deltas, 2, 100)} |")
    lines += ["", f"Ours: {len(measured)} ResNet runs ({', '.join(sorted(measured))}); errors "
                  f"in %, mean over the severities and the runs; (lost): the ResNets' CE above "
                  f"{LOSS_TO_ALEXNET:g}% of AlexNet's (main corruption evaluation); the interval "
                  f"is across the runs:", "",
              "| corruption | AlexNet | ResNets, trained statistics | ResNets, adapted | Δ pp "
              "[95% interval] |", "|---|---|---|---|---|"] + rows
    lines += ["", _bn_summary(measured, alexnet, lost)]


def _bn_summary(measured: dict, alexnet: dict | None, lost: set[str]) -> str:
    """One sentence: the mean change of error on the lost corruptions and on the rest."""
    if not lost:
        return ("No corruption is lost to AlexNet by more than the threshold (or the baseline "
                "is missing): the experiment has no group to test.")
    kept = [c for c in next(iter(measured.values())) if c not in lost]
    gain = {group: [float(np.mean([values[c][1] - values[c][0] for c in corruptions]))
                    for values in measured.values()] for group, corruptions in
            (("lost", sorted(lost)), ("kept", kept))}
    difference = seed_interval([a - b for a, b in zip(gain["lost"], gain["kept"])])
    text = (f"Adapting batch norm changes the error by {mean_interval(gain['lost'], 2, 100)} pp "
            f"on the {len(lost)} corruptions lost to AlexNet and by "
            f"{mean_interval(gain['kept'], 2, 100)} pp on the other {len(kept)}; the "
            f"difference, run by run, is {difference.text(2, 100)} pp")
    if alexnet:
        fixed = np.mean([values[c][0] for values in measured.values() for c in lost])
        adapted = np.mean([values[c][1] for values in measured.values() for c in lost])
        gap = fixed - np.mean([alexnet[c][0] for c in lost])
        if gap > 0:
            text += (f", and on the lost ones it closes {100 * (fixed - adapted) / gap:.0f}% of "
                     f"the gap to AlexNet ({100 * fixed:.2f}% → {100 * adapted:.2f}%, AlexNet "
                     f"{100 * (fixed - gap):.2f}%)")
    verdict = ("supports the explanation" if difference.defined and difference.high < 0
               else "contradicts it" if difference.defined and difference.low > 0
               else "cannot tell")
    return text + f". The interval of the difference {verdict} (adapting helps more where the " \
                  "ResNets lose to AlexNet, if it excludes zero below it)."
