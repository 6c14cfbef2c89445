"""Claim 5 of the report: what the smoothing layer needs (ablations), gain and cost."""

from __future__ import annotations

import numpy as np

from study import figures, paper
from study.plan import ABLATED_MODEL
from study.results import Results, Row, Section
from study.verdicts import Paired, direction_count, not_run, observation, plural, sanity_outcome

#: kind -> (median key, per-round key) in speed.json.
SPEED_KEYS = {"train": ("train_images_per_second", "train_rounds"),
              "inference": ("inference_images_per_second", "inference_rounds")}


def _quote(key: str) -> str:
    """The paper's number for a comparison (`Comparison.paper`)."""
    blur, temperature = paper.BLUR_ALONE, paper.TEMPERATURE["nll"]
    none_given = "- (no number in docs/paper.md)"
    return {
        "blur_only": f"Blur alone {blur['blur_only']:.3f} vs Prob + Blur {blur['prob_blur']:.3f} "
                     f"(none {blur['plain']:.3f}; pre-act VGG-16)",
        "blur_vs_none": f"none {blur['plain']:.3f} vs Blur alone {blur['blur_only']:.3f} "
                        f"(pre-act VGG-16, deterministic)",
        "prob_only": "- (an ablation row of the paper; no number in docs/paper.md)",
        "relu6": "- (ReLU6 read as a special case of Prob; no number in docs/paper.md)",
        "t1": f"t = 1 {temperature[1]:.3f} vs t = 10 {temperature[10]:.3f}",
        "t100": f"t = 100 not measured; t = 20 {temperature[20]:.3f} vs t = 10 "
                f"{temperature[10]:.3f}",
        "kernel": "ResNet-18 best with the box (no number in docs/paper.md)",
        "pad_same": "- (the reference's quirk; not compared)",
    }.get(key, none_given)


def _comparisons(plan, references: tuple[str, str]):
    """(id, claim, run without, run with, the paper's direction of with - without, paper,
    the reference run the ablation is compared with) of every ablation comparison."""
    none, full = references
    runs = {"none": none, "full": full}
    rows, letters = [], iter("abcdefghijklmnopqrstuvwxyz")
    for ablation in plan.ablation_specs:
        runs["self"] = f"{ABLATED_MODEL}.{ablation.suffix}"
        for comparison in ablation.comparisons:
            other = comparison.with_ if comparison.without == "self" else comparison.without
            rows.append((f"5{next(letters)}", comparison.text, runs[comparison.without],
                         runs[comparison.with_], comparison.better, _quote(comparison.paper),
                         runs[other]))
    return rows, letters


def _spread(results: Results, run: str, size: int) -> str:
    """Whether `run`'s NLL lies inside the spread of its reference's seeds (the seed-to-seed
    variation one seed of a comparison cannot see)."""
    model = run.rsplit(".", 1)[0]
    values = [v for v in results.by_seed(model, lambda r: results.clean(r, size, "nll"))]
    return (f"{min(values):.4f}-{max(values):.4f} over its {len(values)} seeds"
            if len(values) > 1 else "")


def claim5(results: Results) -> Section:
    """Ablations of the layer (one seed) and the throughput of each configuration."""
    plan = results.plan
    section = Section("5. What the layer needs (ablations, one seed each: observations)")
    lines = section.lines
    if plan.ablation_references is None:
        lines.append("This study has no ablations.")
        return section
    none, full = plan.ablation_references
    small, large = min(plan.settings.ablation_sizes), max(plan.settings.ablation_sizes)
    lines += [f"Paper: temperature ({paper.TEMPERATURE['source']}) "
              + ", ".join(f"t = {t}: {v:.3f}" for t, v in paper.TEMPERATURE["nll"].items())
              + f"; kernel: {paper.KERNEL['text']} ({paper.KERNEL['source']}); Blur alone "
              f"vs Prob + Blur ({paper.BLUR_ALONE['source']}): "
              f"{paper.BLUR_ALONE['plain']:.3f} without smoothing, "
              f"{paper.BLUR_ALONE['blur_only']:.3f} Blur alone, "
              f"{paper.BLUR_ALONE['prob_blur']:.3f} Prob + Blur; training throughput "
              f"({paper.THROUGHPUT['source']}): {paper.THROUGHPUT['resnet_mcdo']} img/s MC "
              f"dropout, {paper.THROUGHPUT['resnet_mcdo_smoothing']} with smoothing.", "",
              f"Ours: seed 0 of each configuration, `{ABLATED_MODEL}` at the zoo's width and "
              f"recipe with one change; the reference points are the zoo presets `{none}` (no "
              f"smoothing) and `{full}` (Prob tanh t = 10, 2x2 box, \"full\" padding, all four "
              f"stages). Clean test split; N = {large} is the mean of the first {large} samples "
              f"(the presets: of their {max(plan.settings.main_sizes)}-sample pass). One seed: "
              f"each comparison is an observation, never a verdict; differences smaller than the "
              f"seed-to-seed spread of claim 1 say nothing.", ""]
    speed = results.study("speed.json")
    speeds = speed["result"] if speed else {}
    runs = [(none, "no smoothing (preset)"), (full, "all four stages (preset)")] + [
        (run.name, run.description) for run in plan.ablations()]
    lines += [f"| run | change | NLL N={small} | NLL N={large} | Acc % N={large} | "
              f"ECE % N={large} | Δ NLL N={large} vs all stages | train img/s | "
              f"inference img/s |", "|---|---|---|---|---|---|---|---|---|"]
    reference = results.clean(full, large, "nll")
    deltas, costs = {}, {}

    def short(name: str) -> str:
        return {none: "no smoothing", full: "all stages"}.get(name, name.split(".")[-1])

    for name, change in runs:
        values = [results.clean(name, size, metric) for size, metric in
                  ((small, "nll"), (large, "nll"), (large, "accuracy"), (large, "ece"))]
        cells = ["-" if v is None else f"{v:.4f}" if i < 2 else f"{100 * v:.2f}"
                 for i, v in enumerate(values)]
        delta = None if values[1] is None or reference is None else values[1] - reference
        cells.append("-" if delta is None else f"{delta:+.4f}")
        for kind, (key, _) in SPEED_KEYS.items():
            value = speeds.get(name, {}).get(key)
            base = speeds.get(full, {}).get(key)
            cells.append("-" if value is None else f"{value:.0f}" + (
                f" ({100 * (value / base - 1):+.1f}%)" if base and name != full else ""))
            if value is not None and base:
                costs.setdefault(f"{kind} img/s vs all stages (%)", {})[short(name)] = \
                    100 * (value / base - 1)
        if delta is not None and name != full:
            deltas[short(name)] = delta
        lines.append(f"| `{name}` | {change} | " + " | ".join(cells) + " |")
    if speed:
        config = speed["config"]
        lines += ["", f"Throughput: `{speed['command']}`, all configurations in one process "
                      f"({speed['machine']['cpus']} CPUs, {config['rounds']} rounds of "
                      f"{config['timed_steps']} timed steps after {config['warmup_steps']} "
                      f"warm-up steps, median over rounds; training batch "
                      f"{config['train_batch']}, inference batch {config['inference_batch']}, "
                      f"N = 1; other runnable tasks before/after: "
                      f"{_load(speed['machine']['load_before'])} / "
                      f"{_load(speed['machine']['load_after'])})."]
    else:
        lines += ["", "Throughput: not measured yet (missing: speed.json; "
                      "`python -m study run --steps=speed` on an idle machine)."]
    comparisons, letters = _comparisons(plan, (none, full))
    for claim, text, without, with_, better, quoted, reference in comparisons:
        paired = Paired()
        plain, smooth = (results.clean(without, large, "nll"), results.clean(with_, large, "nll"))
        paired.add(0, plain, smooth, [f"{run}/clean.json" for run, v in
                                      ((without, plain), (with_, smooth)) if v is None])
        if paired.keys:
            ours = (f"NLL N={large}: {paired.plain[0]:.4f} ({short(without)}) vs "
                    f"{paired.smooth[0]:.4f} ({short(with_)})")
            if better:
                ours += "; " + direction_count(paired, better, "as the paper")
            spread = _spread(results, reference, large)
            if spread:
                ours += f"; {short(reference)}: {spread}"
        else:
            ours = "-"
        outcome = observation(paired, better) if better else no_claim(paired)
        section.rows.append(Row(claim, text.capitalize() if text[0].islower() else text,
                                quoted, ours, outcome))
    for claim, kind, quoted in (
            (f"5{next(letters)}", "train", f"{paper.THROUGHPUT['resnet_mcdo']} → "
                                           f"{paper.THROUGHPUT['resnet_mcdo_smoothing']} img/s"),
            (f"5{next(letters)}", "inference", "- (not in docs/paper.md)")):
        rounds = SPEED_KEYS[kind][1]
        paired = Paired(unit="round")
        if none in speeds and full in speeds:
            for index, (a, b) in enumerate(zip(speeds[none][rounds], speeds[full][rounds])):
                paired.add(index, a, b)
        else:
            paired.missing.append("speed.json")
        ours = (f"median {np.median(paired.plain):.0f} → {np.median(paired.smooth):.0f} "
                f"img/s; {direction_count(paired, 'lower', 'slower')}") if paired.keys \
            else "-"
        section.rows.append(Row(
            claim, f"Smoothing costs {kind} throughput", quoted, ours,
            sanity_outcome([d < 0 for d in paired.deltas], paired.missing, "round"),
            "the smoothed network computes everything the plain one does, plus the smoothing "
            "layers"))
    panels = {}
    if deltas:
        panels[f"Δ NLL N={large} vs all stages"] = deltas
    panels.update(costs)
    if panels:
        name = "claim5_ablations.png"
        section.figures[name] = lambda path: figures.horizontal_bars(
            panels, path, "Ablations (seed 0): NLL gain and throughput cost")
        lines += ["", f"![Ablations: NLL and throughput](reproduction/{name})"]
    return section


def no_claim(paired: Paired) -> str:
    """The verdict of a measurement the paper makes no claim about."""
    if not paired.keys:
        return not_run(paired.missing)
    return f"no paper claim ({plural(len(paired.keys), paired.unit)})"


def _load(measured: dict) -> str:
    other = measured.get("other_runnable")
    return "-" if other is None else f"{other:.2f}"
