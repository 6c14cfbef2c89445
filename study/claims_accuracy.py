"""Claims 1, 2 and 4 of the report: clean accuracy and uncertainty, fewer samples, calibration."""

from __future__ import annotations

import numpy as np

from study import figures, paper
from study.plan import run_name
from study.results import LABELS, Results, Row, Section, label, table
from study.verdicts import (
    MIN_SEEDS, Paired, Tally, compared, direction_count, mean_std, missing_text, paired_verdict, plural,
    signed, verdict)

#: "Matches" in claim 2: NLL at most this much above plain MC dropout's at the largest N
#: (the paper's own headline, .855 vs .850, is 0.6% above).
MATCH_TOLERANCE = 0.01
#: "Fewer samples" in claim 2a: the match saves at least this factor of forward passes.
FEWER_FACTOR = 5
#: metric -> (heading, digits, scale, the paper's better direction for smoothing).
METRICS = {"nll": ("NLL", 4, 1.0, "lower"), "accuracy": ("Acc %", 2, 100.0, "higher"),
           "ece": ("ECE %", 2, 100.0, "lower"), "brier": ("Brier", 4, 1.0, "lower")}


def largest_size(results: Results) -> int:
    return max(results.plan.settings.main_sizes)


def _paper_pair(pair: str, index: int, scale: str = "{:.3f}",
                names: tuple[str, ...] = paper.RESNET18_CIFAR) -> str:
    """The paper's `(without → with smoothing)` value of `pair` in the table rows `names`."""
    plain, smooth = pair, f"{pair}_smoothing"
    rows = paper.TABLE["rows"]
    return "; ".join(f"{scale.format(rows[name][plain][index])} → "
                     f"{scale.format(rows[name][smooth][index])} "
                     f"({name})" for name in names)


def compared_metric(paired: Paired, metric: str) -> str:
    """`compared` with the digits, scale and better direction of `metric`."""
    _, digits, scale, better = METRICS[metric]
    return compared(paired, better, digits, scale)


def clean_paired(results: Results, pair: str, size: int, metric: str) -> Paired:
    return results.paired(pair, lambda run: results.clean(run, size, metric), "clean")


def claim1(results: Results) -> Section:
    """Accuracy and uncertainty with and without smoothing (Table E.1 / Fig. 3)."""
    plan, large = results.plan, largest_size(results)
    section = Section("1. Accuracy and uncertainty (paper Table E.1 / Fig. 3)")
    lines = section.lines
    lines += [f"Paper ({paper.TABLE['source']}), NLL / Acc % / ECE %:", "",
              "| model, data | deterministic | + smoothing | MC dropout | MC dropout + smoothing |",
              "|---|---|---|---|---|"]
    for data, rows in paper.TABLE["rows"].items():
        lines.append(f"| {data} | " + " | ".join(
            "{:.3f} / {:.1f} / {:.2f}".format(*rows[key])
            for key in ("dnn", "dnn_smoothing", "mcdo", "mcdo_smoothing")) + " |")
    lines += ["", f"Ours (Fashion-MNIST test split, mean ± std over seeds; MC dropout at N = 1 "
                  f"and N = {large}):", "",
              "| model | N | NLL | Acc % | ECE % | Brier | seeds |",
              "|---|---|---|---|---|---|---|"]
    panels = {heading: {} for heading, *_ in METRICS.values()}
    for pair, models in plan.pairs.items():
        sizes = (1,) if pair == "dnn" else (1, large)
        for size in sizes:
            group = f"{pair} N={size}"
            for model in models:
                values = {metric: results.by_seed(model, lambda run, m=metric: results.clean(
                    run, size, m)) for metric in METRICS}
                count = len(values["nll"])
                lines.append(f"| {label(model)} | {size} | " + " | ".join(
                    mean_std(values[m], digits, scale) for m, (_, digits, scale, _b)
                    in METRICS.items()) + f" | {count} |")
                for metric, (heading, _, scale, _b) in METRICS.items():
                    panels[heading].setdefault(group, {})["smoothing" if "smoothing" in model
                                                         else "no smoothing"] = [
                        v * scale for v in values[metric]]
    lines += ["", "Paired (same seed with minus without smoothing):", "",
              "| pair | N | metric | change, mean ± std | in the paper's direction |",
              "|---|---|---|---|---|"]
    for pair in plan.pairs:
        for size in ((1,) if pair == "dnn" else (1, large)):
            for metric, (heading, digits, scale, better) in METRICS.items():
                paired = clean_paired(results, pair, size, metric)
                change = mean_std(paired.deltas, digits, scale) if paired.keys else "-"
                lines.append(f"| {pair} | {size} | {heading} | {change} | "
                             f"{direction_count(paired, better, better)} |")
    rows = [("1a", "dnn", 1, "nll", "Smoothing lowers NLL (deterministic)", _paper_pair("dnn", 0)),
            ("1b", "dnn", 1, "accuracy", "Smoothing raises accuracy (deterministic)",
             _paper_pair("dnn", 1, "{:.1f}")),
            ("1c", "mcdo", large, "nll", f"Smoothing lowers NLL (MC dropout, N = {large})",
             _paper_pair("mcdo", 0)),
            ("1d", "mcdo", large, "accuracy",
             f"Smoothing raises accuracy (MC dropout, N = {large})",
             _paper_pair("mcdo", 1, "{:.1f}")),
            ("1e", "mcdo", 1, "nll", "Smoothing lowers NLL (MC dropout, N = 1)",
             f"{paper.SAMPLES['mcdo'][0]:.3f} → {paper.SAMPLES['mcdo_smoothing'][0]:.3f} "
             f"(CIFAR-100)"),
            ("1f", "mcdo", 1, "accuracy", "Smoothing raises accuracy (MC dropout, N = 1)",
             f"{paper.SAMPLES['accuracy']['mcdo'][0]:.2f} → "
             f"{paper.SAMPLES['accuracy']['mcdo_smoothing'][0]:.2f} (CIFAR-100)")]
    for claim, pair, size, metric, text, quoted in rows:
        if pair not in plan.pairs:
            continue
        paired = clean_paired(results, pair, size, metric)
        better = METRICS[metric][3]
        section.rows.append(Row(claim, text, quoted, compared_metric(paired, metric),
                                paired_verdict(paired, better)))
    lines += ["", "Brier scores have no paper number (docs/paper.md gives NLL, Acc and ECE)."]
    if any(values for groups in panels.values() for bars in groups.values()
           for values in bars.values()):
        name = "claim1_accuracy.png"
        section.figures[name] = lambda path: figures.grouped_bars(
            panels, path, "Clean test metrics per seed (bars: mean)")
        lines += ["", f"![Clean metrics with and without smoothing](reproduction/{name})"]
    return section


def _curve(results: Results, model: str, metric: str, scale: float):
    sizes, means, stds = [], [], []
    for size in results.plan.settings.main_sizes:
        values = [v * scale for v in results.by_seed(
            model, lambda run: results.clean(run, size, metric))]
        if values:
            sizes.append(size)
            means.append(float(np.mean(values)))
            stds.append(float(np.std(values, ddof=1)) if len(values) > 1 else 0.0)
    return sizes, means, stds


def matching_size(results: Results, seed: int, tolerance: float) -> tuple[int | None, bool]:
    """Smallest N at which MC dropout + smoothing's NLL is within `tolerance` of plain MC
    dropout's at the largest N (same seed); `(None, False)` when a JSON is missing,
    `(None, True)` when no N matches."""
    plain, smooth = results.plan.pairs["mcdo"]
    large = largest_size(results)
    target = results.clean(run_name(plain, seed), large, "nll")
    if target is None or results.evaluation(run_name(smooth, seed), "clean") is None:
        return None, False
    for size in results.plan.settings.main_sizes:
        value = results.clean(run_name(smooth, seed), size, "nll")
        if value is not None and value <= target * (1 + tolerance):
            return size, True
    return None, True


def _missing_clean(results: Results, runs) -> list[str]:
    """`<run>/clean.json` of each of `runs` whose clean evaluation is not there yet."""
    return [f"{run}/clean.json" for run in runs if results.evaluation(run, "clean") is None]


def _paper_nll(size: int) -> float:
    return paper.SAMPLES["mcdo_smoothing"][paper.SAMPLES["sizes"].index(size)]


def paper_matching_size() -> int:
    """The paper's smallest N matching plain MC dropout at N = 50, by this study's rule."""
    target = paper.SAMPLES["mcdo"][-1] * (1 + MATCH_TOLERANCE)
    return next(size for size in paper.SAMPLES["sizes"] if _paper_nll(size) <= target)


def claim2(results: Results) -> Section:
    """Fewer samples: NLL against N, the N that matches plain MC dropout at N = 50; ensembles."""
    plan, large = results.plan, largest_size(results)
    section = Section("2. Fewer samples (the headline; paper Fig. 3)")
    lines = section.lines
    lines += [f"Paper ({paper.SAMPLES['source']}), NLL at N = "
              f"{', '.join(str(n) for n in paper.SAMPLES['sizes'])}:", "",
              "| model | " + " | ".join(f"N={n}" for n in paper.SAMPLES["sizes"]) + " |",
              "|---|" + "---|" * len(paper.SAMPLES["sizes"])]
    for key in ("mcdo", "mcdo_smoothing"):
        lines.append(f"| {LABELS[key]} | " + " | ".join(
            f"{v:.3f}" for v in paper.SAMPLES[key]) + " |")
    lines += ["", f"The headline: {paper.SAMPLES['headline']}.", ""]
    if "mcdo" not in plan.pairs:
        return section
    plain, smooth = plan.pairs["mcdo"]
    lines += ["Ours (mean ± std over seeds; N = n is the mean of the first n of one "
              f"{large}-sample pass):", "",
              "| N | NLL | NLL + smoothing | Acc % | Acc % + smoothing | ECE % | "
              "ECE % + smoothing |", "|---|---|---|---|---|---|---|"]
    for size in plan.settings.main_sizes:
        cells = []
        for metric in ("nll", "accuracy", "ece"):
            _, digits, scale, _b = METRICS[metric]
            for model in (plain, smooth):
                cells.append(mean_std(results.by_seed(
                    model, lambda run: results.clean(run, size, metric)), digits, scale))
        lines.append(f"| {size} | " + " | ".join(cells) + " |")
    # The headline: the smallest N that matches plain MC dropout at the largest N.
    paper_size = paper_matching_size()
    paper_plain = paper.SAMPLES["mcdo"][-1]
    lines += ["", f"Smallest N at which MC dropout + smoothing matches plain MC dropout at "
                  f"N = {large} (same seed). *Matches*: NLL at most {100 * MATCH_TOLERANCE:g}% "
                  f"above (the paper's {_paper_nll(paper_size):.3f} vs {paper_plain:.3f} is "
                  f"{100 * (_paper_nll(paper_size) / paper_plain - 1):.1f}% above); *at or "
                  f"below*: no tolerance.", ""]
    header = [f"| seed | plain NLL at N = {large} | matches at N | fewer passes | at or below "
              f"at N |", "|---|---|---|---|---|"]
    fewer, exact = Tally(), Tally()
    cells, rows = [], []
    for seed in plan.seeds:
        size, complete = matching_size(results, seed, MATCH_TOLERANCE)
        strict, _ = matching_size(results, seed, 0.0)
        if not complete:
            missing = _missing_clean(results, [run_name(m, seed) for m in (plain, smooth)])
            fewer.missing += missing
            exact.missing += missing
            continue
        target = results.clean(run_name(plain, seed), large, "nll")
        ratio = f"{large / size:.3g}x" if size else "-"
        fewer.add(agrees=size is not None and large / size >= FEWER_FACTOR,
                  opposes=size is None or size == large)
        exact.add(agrees=size is not None and size <= paper_size,
                  opposes=size is None or size > paper_size)
        shown = str(size) if size else f"none up to {large}"
        cells.append(f"N = {shown}" + (f" ({ratio})" if size else ""))
        rows.append(f"| {seed} | {target:.4f} | {shown} | {ratio} | "
                    f"{strict if strict else f'none up to {large}'} |")
    lines += table(header, rows)
    lines += ["", f"2a calls a seed *in the paper's direction* when the match comes with at least "
                  f"{FEWER_FACTOR}x fewer forward passes (N ≤ {large // FEWER_FACTOR}), against "
                  f"it when nothing below N = {large} matches; 2d asks for the paper's own "
                  f"N = {paper_size}."]
    ours = ("; ".join(cells) + (f" ({missing_text(fewer.missing)})" if fewer.missing else "")) \
        if cells else "-"
    section.rows.append(Row(
        "2a", f"MC dropout + smoothing matches plain MC dropout at N = {large} with at least "
              f"{FEWER_FACTOR}x fewer samples", f"N = {paper_size} ({_paper_nll(paper_size):.3f} "
              f"vs {paper_plain:.3f}, ~{large // paper_size}x fewer passes; "
              f"CIFAR-100)", ours, fewer.verdict()))
    # Lower NLL at every N, per seed.
    every = Tally()
    for seed in plan.seeds:
        runs = (run_name(plain, seed), run_name(smooth, seed))
        absent = _missing_clean(results, runs)
        if absent:
            every.missing += absent
            continue
        deltas = [results.clean(runs[1], n, "nll") - results.clean(runs[0], n, "nll")
                  for n in plan.settings.main_sizes]
        every.add(agrees=all(d < 0 for d in deltas), opposes=all(d > 0 for d in deltas))
    section.rows.append(Row(
        "2b", f"Smoothing lowers MC dropout's NLL at every N (1 to {large})",
        "at every N of " + ", ".join(str(n) for n in paper.SAMPLES["sizes"]) + " (CIFAR-100)",
        f"at every N in {every.agreeing}/{every.count} seeds" if every.count else "-",
        every.verdict()))
    panels = {}
    for metric in ("nll", "accuracy", "ece"):
        heading, _, scale, _b = METRICS[metric]
        lines_by_model = {label(model): _curve(results, model, metric, scale)
                          for model in (plain, smooth)}
        if any(sizes for sizes, _, _ in lines_by_model.values()):
            panels[heading] = lines_by_model
    if panels:
        name = "claim2_samples.png"
        section.figures[name] = lambda path: figures.curves(
            panels, path, "MC dropout: metrics against the number of samples (mean ± std)",
            "samples N")
        lines += ["", f"![NLL, accuracy and ECE against N](reproduction/{name})"]
    _ensembles(results, section)
    section.rows.append(Row(
        "2d", f"MC dropout + smoothing matches plain MC dropout at N = {large} already at the "
              f"paper's N = {paper_size}", f"N = {paper_size} (CIFAR-100)",
        f"at N ≤ {paper_size} in {exact.agreeing}/{exact.count} seeds" if exact.count else "-",
        exact.verdict()))
    return section


def _ensembles(results: Results, section: Section) -> None:
    plan, lines = results.plan, section.lines
    lines += ["", "### Deep ensembles", "",
              f"Paper ({paper.ENSEMBLES['source']}), NLL at M = 1 to 5 members: deterministic "
              + ", ".join(f"{v:.3f}" for v in paper.ENSEMBLES["dnn"]) + "; + smoothing "
              + ", ".join(f"{v:.3f}" for v in paper.ENSEMBLES["dnn_smoothing"]) + ".", ""]
    content = results.study("ensembles.json")
    if "dnn" not in plan.pairs:
        return
    plain, smooth = plan.pairs["dnn"]
    if content is None:
        lines.append("Ours: not run yet (missing: ensembles.json).")
        section.rows.append(Row("2c", "Smoothing lowers the NLL of deep ensembles (M = 2 to "
                                      f"{len(plan.seeds)})", _paper_ensembles(len(plan.seeds)),
                                "missing: ensembles.json", "not run yet (missing: "
                                                           "ensembles.json)"))
        return
    by_model = content["result"]
    lines += [f"Ours: every combination of M of the seeds (members: the N = 1 test "
              f"probabilities of each seed, stored as float16; "
              f"{content['config']['test_images']} test images); mean ± std over the "
              f"combinations. The verdict pairs the ensembles of M ≥ 2 only (M = 1 is claim "
              f"1a); they share members, so they are not independent evidence:", "",
              "| M | NLL | NLL + smoothing | Acc % | Acc % + smoothing | combinations |",
              "|---|---|---|---|---|---|"]
    paired = Paired(unit="ensemble")
    seeds_used, curves = set(), {}
    for size in sorted({int(m) for model in by_model.values() for m in model}):
        plain_entries = {tuple(e["seeds"]): e["metrics"]
                         for e in by_model.get(plain, {}).get(str(size), [])}
        smooth_entries = {tuple(e["seeds"]): e["metrics"]
                          for e in by_model.get(smooth, {}).get(str(size), [])}
        cells = []
        for metric in ("nll", "accuracy"):
            _, digits, scale, _b = METRICS[metric]
            for entries in (plain_entries, smooth_entries):
                cells.append(mean_std([e[metric] for e in entries.values()], digits, scale,
                                      "combination"))
        for key in sorted(set(plain_entries) & set(smooth_entries)) if size > 1 else ():
            # M = 1 is claim 1a's comparison: only true ensembles count here.
            paired.add((size, key), plain_entries[key]["nll"], smooth_entries[key]["nll"])
            seeds_used.update(key)
        lines.append(f"| {size} | " + " | ".join(cells)
                     + f" | {len(plain_entries)} / {len(smooth_entries)} |")
        for model, entries in ((plain, plain_entries), (smooth, smooth_entries)):
            if entries:
                values = [e["nll"] for e in entries.values()]
                curve = curves.setdefault(label(model), ([], [], []))
                curve[0].append(size)
                curve[1].append(float(np.mean(values)))
                curve[2].append(float(np.std(values, ddof=1)) if len(values) > 1 else 0.0)
    agreeing, opposing = paired.agreeing("lower"), paired.opposing("lower")
    if len(seeds_used) < MIN_SEEDS:
        outcome = (f"inconclusive ({plural(len(seeds_used), 'seed')})" if seeds_used
                   else "not run yet (missing: paired ensembles)")
    else:
        outcome = verdict(agreeing, opposing, len(paired.keys), unit="ensemble")
    ours = (f"lower in {agreeing}/{len(paired.keys)} paired ensembles (same seeds), over "
            f"{plural(len(seeds_used), 'seed')}") if paired.keys else "no paired ensembles yet"
    section.rows.append(Row("2c", f"Smoothing lowers the NLL of deep ensembles (M = 2 to "
                                  f"{len(plan.seeds)})", _paper_ensembles(len(plan.seeds)), ours,
                            outcome))
    if curves:
        name = "claim2_ensembles.png"
        section.figures[name] = lambda path: figures.curves(
            {"NLL": curves}, path, "Deep ensembles of the seeds (mean ± std over combinations)",
            "members M")
        lines += ["", f"![Deep-ensemble NLL against M](reproduction/{name})"]


def _paper_ensembles(largest: int) -> str:
    """The paper's deep-ensemble NLL without → with smoothing, M = 2 to `largest`."""
    return "; ".join(f"M={m}: {a:.3f} → {b:.3f}" for m, a, b in zip(
        paper.ENSEMBLES["sizes"], paper.ENSEMBLES["dnn"], paper.ENSEMBLES["dnn_smoothing"])
        if 1 < m <= largest)


def claim4(results: Results) -> Section:
    """Calibration: does smoothing lower ECE, and does it worsen where accuracy rises a lot?"""
    plan, large = results.plan, largest_size(results)
    section = Section("4. Calibration (paper: ECE is not always better with smoothing)")
    lines = section.lines
    cells = [(name, pair, rows[pair], rows[f"{pair}_smoothing"])
             for name, rows in paper.TABLE["rows"].items() for pair in ("dnn", "mcdo")]
    risen = [(name, pair, a, b) for name, pair, a, b in cells if b[2] > a[2]]
    lines += [f"Paper ({paper.TABLE['source']}): ECE rises with smoothing in {len(risen)} of "
              f"{len(cells)} cells: " + "; ".join(
                  f"{name} {pair} ({a[2]:.2f} → {b[2]:.2f}, accuracy {a[1]:.1f} → {b[1]:.1f})"
                  for name, pair, a, b in risen)
              + "; it falls in the others (table of claim 1). The study's issue asks whether "
                "smoothing worsens ECE where it raises accuracy a lot.", "",
              "Ours, per seed: change of accuracy and of ECE with smoothing (percentage "
              "points):", ""]
    rows = []
    comparisons = [(pair, size) for pair in plan.pairs
                   for size in ((1,) if pair == "dnn" else (1, large))]
    points, rises, total, biggest = {}, [], 0, None
    for pair, size in comparisons:
        accuracy = clean_paired(results, pair, size, "accuracy")
        ece = clean_paired(results, pair, size, "ece")
        for seed, d_acc, d_ece in zip(accuracy.keys, accuracy.deltas, ece.deltas):
            rows.append(f"| {pair} | {size} | {seed} | {signed(d_acc, 2, 100)} | "
                        f"{signed(d_ece, 2, 100)} |")
            points.setdefault(f"{pair}, N={size}", []).append((100 * d_acc, 100 * d_ece))
            total += 1
            if d_ece > 0:
                rises.append((pair, size, seed, d_acc, d_ece))
            if biggest is None or d_acc > biggest[3]:
                biggest = (pair, size, seed, d_acc, d_ece)
    lines += table(["| pair | N | seed | Δ Acc (pp) | Δ ECE (pp) |", "|---|---|---|---|---|"],
                   rows)
    if total:
        lines += ["", f"ECE rose with smoothing in {len(rises)} of {total} paired comparisons"
                      + (": " + "; ".join(f"{p} N = {n} seed {s} (accuracy "
                                          f"{signed(a, 2, 100)} pp, ECE {signed(e, 2, 100)} pp)"
                                          for p, n, s, a, e in rises) if rises else "")
                      + f". The largest accuracy gain ({signed(biggest[3], 2, 100)} pp, "
                        f"{biggest[0]} N = {biggest[1]} seed {biggest[2]}) came with an ECE "
                        f"change of {signed(biggest[4], 2, 100)} pp."]
    for claim, pair, size in (("4a", "dnn", 1), ("4b", "mcdo", large)):
        if pair not in plan.pairs:
            continue
        lower = sum(b[2] < a[2] for _, p, a, b in cells if p == pair)
        quoted = (f"lower in {lower}/{len(paper.TABLE['rows'])} rows: "
                  + _paper_pair(pair, 2, "{:.2f}", tuple(paper.TABLE["rows"])))
        paired = clean_paired(results, pair, size, "ece")
        what = "deterministic" if pair == "dnn" else f"MC dropout, N = {size}"
        section.rows.append(Row(claim, f"Smoothing lowers ECE ({what})", quoted,
                                compared_metric(paired, "ece"), paired_verdict(paired, "lower")))
    paper_points = [(b[1] - a[1], b[2] - a[2]) for _, _, a, b in cells]
    if points:
        points["paper (CIFAR, ImageNet)"] = paper_points
        name = "claim4_calibration.png"
        section.figures[name] = lambda path: figures.delta_scatter(
            points, path, "Change with smoothing, per seed", "Δ accuracy (pp)", "Δ ECE (pp)")
        lines += ["", f"![Change of ECE against change of accuracy](reproduction/{name})"]
    return section

