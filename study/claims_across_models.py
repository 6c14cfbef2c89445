"""Claim 6 measured where it is not guaranteed: the smoothed model against the plain one at the
same depth (one block after each smoothing layer, and the output), and the loss landscape.

Before and after one smoothing layer of one model, the uncertainty and the high frequencies
cannot grow (the sanity checks of `study.claims_mechanisms`). One block later the next block
has had its chance to undo it, and the plain model at the same depth is the fair comparison:
these rows can fail.
"""

from __future__ import annotations

import numpy as np

from study.intervals import interval_verdict, seed_interval
from study.plan import run_name
from study.results import Results, Row, Section, label, table
from study.verdicts import compared, mean_interval, not_run, paired_verdict

#: The high-frequency band of the Fourier claims, in units of pi.
HIGH_BAND = 0.5
#: Variance keys -> words.
KINDS = {"model_uncertainty": "model uncertainty", "data_uncertainty": "data uncertainty"}
#: predictive.json keys -> (heading, digits).
OUTPUT = {"predictive_variance": ("predictive variance", 5),
          "mutual_information": ("mutual information (model)", 4),
          "expected_entropy": ("expected entropy (data)", 4),
          "predictive_entropy": ("predictive entropy", 4)}


def after_smoothing(names) -> list[str]:
    """The tapped layer right after each smoothing layer (`stage{s}_smooth`), in order."""
    names = list(names)
    return [names[i + 1] for i, name in enumerate(names[:-1])
            if name.startswith("stage") and name.endswith("_smooth")]


def _variance(results: Results, run: str) -> dict | None:
    content = results.evaluation(run, "variance")
    return None if content is None else content["result"]


def _layers(results: Results, pair: str) -> list[str]:
    smooth = results.plan.pairs[pair][1]
    for seed in results.plan.seeds_of(pair):
        found = _variance(results, run_name(smooth, seed))
        if found is not None:
            return after_smoothing(found["layers"])
    return []


def _value(result: dict | None, layer: str, key: str, relative: bool = False) -> float | None:
    if result is None or layer not in result["layers"]:
        return None
    value = result["layers"][layer][key]
    if not relative:
        return value
    scale = (result.get("scale") or {}).get(layer)
    return None if not scale else value / scale


def depth_table(results: Results, section: Section, pair: str, layers: list[str]) -> None:
    """Per layer after smoothing: plain → smoothed uncertainty with the paired interval."""
    plain, smooth = results.plan.pairs[pair]
    keys = list(KINDS) if pair == "mcdo" else ["data_uncertainty"]
    scaled = any((_variance(results, run_name(model, seed)) or {}).get("scale")
                 for model in (plain, smooth) for seed in results.plan.seeds_of(pair))
    views = (False, True) if scaled else (False,)
    rows = []
    for layer in layers:
        cells = []
        for key in keys:
            for relative in views:
                paired = results.paired(pair, lambda run: _value(
                    _variance(results, run), layer, key, relative), "variance")
                cells.append(compared(paired, 4))
        rows.append(f"| `{layer}` | " + " | ".join(cells) + " |")
    heading = " | ".join(f"{KINDS[key]}" + (f" | {KINDS[key]} ÷ scale" if scaled else "")
                         for key in keys)
    note = ("; ÷ scale: divided by the map's root mean square, a scale-free view" if scaled
            else "")
    section.lines += [f"{label(plain)} → {label(smooth)} (mean over seeds; Δ with minus without "
                      f"[95% interval]{note}):", "", f"| layer | {heading} |",
                      "|---|" + "---|" * (len(views) * len(keys))] + rows + [""]


def depth_row(results: Results, claim: str, pair: str, key: str, layers: list[str]) -> Row:
    """The verdict on the geometric mean over `layers` of (smoothed / plain) `key`, per seed."""
    plain, smooth = results.plan.pairs[pair]
    logs, per_seed, missing = [], [], []
    for seed in results.plan.seeds_of(pair):
        found = [_variance(results, run_name(model, seed)) for model in (plain, smooth)]
        ratios = [_value(found[1], layer, key) / _value(found[0], layer, key) for layer in layers
                  if None not in (_value(found[0], layer, key), _value(found[1], layer, key))
                  and _value(found[0], layer, key) > 0]
        if not ratios:
            missing += [f"{run_name(m, seed)}/variance.json" for m, f in zip((plain, smooth),
                                                                            found) if f is None]
            continue
        logs.append(float(np.mean(np.log(ratios))))
        per_seed.append(f"{np.exp(logs[-1]):.3g}x")
    what = "MC dropout" if pair == "mcdo" else "deterministic"
    text = (f"Smoothing lowers the {KINDS[key]} one block after each smoothing layer ({what}; "
            f"against the plain model at the same depth)")
    where = ", ".join(f"`{layer}`" for layer in layers) or "the layers after smoothing"
    if not logs:
        return Row(claim, text, "- (the paper measures before/after the layer only)", "-",
                   not_run(missing or [f"{run_name(smooth, 0)}/variance.json"]))
    interval = seed_interval(logs)
    span = (f"[{np.exp(interval.low):.3g}x, {np.exp(interval.high):.3g}x]" if interval.defined
            else "(1 seed, no interval)")
    ours = (f"with / without at {where}, geometric mean: {np.exp(interval.mean):.3g}x {span} "
            f"(per seed: {', '.join(per_seed)})")
    return Row(claim, text, "- (the paper measures before/after the layer only; Prop. 1 "
                            "predicts lower)", ours, interval_verdict(interval, "lower", logs))


def _high_band_at(results: Results, run: str, layer: str) -> float | None:
    content = results.evaluation(run, "fourier")
    if content is None or layer not in content["result"]["layers"]:
        return None
    values = content["result"]["layers"][layer]
    frequency = np.asarray(values["frequency_over_pi"])
    amplitude = np.asarray(values["log_amplitude"])
    return float(np.mean(amplitude[frequency >= HIGH_BAND] - amplitude[0]))


def fourier_row(results: Results, claim: str, pair: str) -> Row | None:
    """The relative high-frequency amplitude one block after the stage-1 blur, paired."""
    smooth = results.plan.pairs[pair][1]
    layer = None
    for seed in results.plan.seeds_of(pair):
        content = results.evaluation(run_name(smooth, seed), "fourier")
        if content is not None:
            following = after_smoothing(content["result"]["layers"])
            layer = following[0] if following else None
            break
    what = "deterministic" if pair == "dnn" else "MC dropout"
    text = (f"One block after the stage-1 blur, smoothing lowers the relative high-frequency "
            f"amplitude ({what}; against the plain model at the same block)")
    quoted = "- (the paper plots the blur's own output)"
    if layer is None:
        return Row(claim, text, quoted, "-", not_run([f"{run_name(smooth, 0)}/fourier.json"]))
    paired = results.paired(pair, lambda run: _high_band_at(results, run, layer), "fourier")
    return Row(claim, text, quoted, compared(paired, 2, prefix=f"`{layer}` high band "),
               paired_verdict(paired, "lower"))


def output_uncertainty_lines(results: Results, section: Section) -> None:
    """The output's uncertainty per variant (mean [95% interval] over seeds) and row 6l."""
    plan = results.plan
    if not plan.has_evaluation("predictive"):
        return
    rows, config = [], None
    for pair, models in plan.pairs.items():
        for model in models:
            contents = [c for c in (results.evaluation(run_name(model, seed), "predictive")
                                    for seed in plan.seeds_of(pair)) if c is not None]
            if contents:
                config = contents[0]["config"]
            rows.append(f"| {label(model)} | " + " | ".join(
                mean_interval([c["result"][key] for c in contents], digits)
                for key, (_, digits) in OUTPUT.items()) + f" | {len(contents)} |")
    section.lines += ["### Uncertainty at the output", ""]
    section.lines += table(["| model | " + " | ".join(h for h, _ in OUTPUT.values())
                            + " | seeds |", "|---|" + "---|" * (len(OUTPUT) + 1)], rows)
    if config:
        section.lines += ["", f"{config['samples']} MC samples of {config['images']} "
                              f"(deterministic models: one pass, no model uncertainty); "
                              f"{config['measures']}."]
    section.lines.append("")
    if "mcdo" in plan.pairs:
        paired = results.paired("mcdo", lambda run: _output(results, run, "predictive_variance"),
                                "predictive")
        section.rows.append(Row(
            "6l", "Smoothing lowers the predictive variance across MC samples (MC dropout, "
                  "output)", "- (Prop. 1: ensembles reduce the variance of predictions)",
            compared(paired, 5), paired_verdict(paired, "lower")))


def _output(results: Results, run: str, key: str) -> float | None:
    content = results.evaluation(run, "predictive")
    return None if content is None else content["result"][key]


def landscape_lines(results: Results, section: Section) -> None:
    """The loss landscape of every MC dropout seed, summarised, and row 6m."""
    plan = results.plan
    if not plan.has_evaluation("landscape") or "mcdo" not in plan.pairs:
        return
    rows, config = [], None
    for model in plan.pairs["mcdo"]:
        for seed in plan.seeds_of(model):
            content = results.evaluation(run_name(model, seed), "landscape")
            if content is None:
                continue
            config, result = content["config"], content["result"]
            rows.append(f"| {label(model)} | {seed} | {result['centre']:.4f} | "
                        f"{result['mean']:.4f} | {result['edge_mean']:.4f} | "
                        f"{result['max']:.4f} | {result['rise']:+.4f} |")
    section.lines += ["### Loss landscape (paper Fig. 7)", "",
                      "Paper (docs/paper.md, the reference sample, ResNet-18 MC dropout on "
                      "CIFAR-100): centre NLL .0128, corners .0200-.0225; flatter with "
                      "smoothing.", ""]
    section.lines += table(["| model | seed | centre | mean | edge mean | max | rise (mean − "
                            "centre) |", "|---|---|---|---|---|---|---|"], rows)
    if config:
        grid = config["grid"]
        section.lines += ["", f"Grid {len(grid)} x {len(grid)} on [{grid[0]:g}, {grid[-1]:g}]² "
                              f"({config['directions']}); NLL on {config['images']}; "
                              f"{config['samples']}."]
    section.lines.append("")
    paired = results.paired("mcdo", lambda run: _landscape_rise(results, run), "landscape")
    section.rows.append(Row(
        "6m", "Smoothing flattens the loss landscape (MC dropout): the NLL rises less around "
              "the trained weights", "flatter with smoothing (Fig. 7; no number)",
        compared(paired, 4, prefix="rise "), paired_verdict(paired, "lower")))


def _landscape_rise(results: Results, run: str) -> float | None:
    content = results.evaluation(run, "landscape")
    return None if content is None else content["result"]["rise"]


def across_models(results: Results, section: Section) -> None:
    """Rows 6g-6m and their tables: the mechanisms against the plain model at the same depth."""
    plan, lines = results.plan, section.lines
    lines += ["", "### Against the plain model at the same depth", "",
              "The rows above compare a layer's input with its output inside one model (sanity "
              "checks). Here the smoothed model meets the plain one at the same block: the "
              "block right after each smoothing layer (it sees the smoothed maps and may undo "
              "them), which both models have.", ""]
    claims = iter(("6g", "6h", "6i"))
    for pair in ("mcdo", "dnn"):
        if pair not in plan.pairs:
            continue
        layers = _layers(results, pair)
        if layers:
            depth_table(results, section, pair, layers)
        keys = list(KINDS) if pair == "mcdo" else ["data_uncertainty"]
        for key in keys:
            section.rows.append(depth_row(results, next(claims), pair, key, layers))
    for claim, pair in (("6j", "dnn"), ("6k", "mcdo")):
        if pair in plan.pairs:
            section.rows.append(fourier_row(results, claim, pair))
    output_uncertainty_lines(results, section)
    landscape_lines(results, section)
