"""Sections of a preset's README that older cards may lack: the images of each role, the curves,
the twin comparison and an ensemble's members (each says what an older card does not record)."""

from __future__ import annotations


def splits_lines(card: dict) -> list[str]:
    """Which images trained, validated and tested the preset."""
    splits = card["splits"]
    slices = splits.get("slices", {})

    def role(key: str) -> str:
        return f"`{slices[key]}` ({splits[key]})" if key in slices else splits[key]
    lines = ["## Data", f"- trained on {role('train')}"]
    if "validation" in splits:
        lines.append(f"- validated after every epoch on {role('validation')}")
    else:
        lines.append("- validation: not recorded (a card written before the hold-out)")
    lines += [f"- tested on {role('test')}: every number below", ""]
    return lines


def curves_lines(card: dict) -> list[str]:
    """The training curves: the plot, the JSON, the best validation epoch per run."""
    curves = card.get("curves")
    lines = ["## Training curves"]
    if not curves:
        return lines + ["No curves recorded: this preset was published from a training run "
                        "without `curves.json`.", ""]
    lines += [f"![Training and validation NLL and accuracy per epoch]({curves['plot']})", "",
              f"Per epoch, in [`{curves['file']}`]({curves['file']}): training NLL, accuracy "
              f"and ECE (streaming means over the epoch's batches: augmented, dropout on) and "
              f"validation NLL, accuracy and ECE (one pass over the validation images after "
              f"the epoch; MC dropout: one sample)."]
    for run in curves["runs"]:
        best = (f"best validation NLL {run['best_val_nll']:.4f} at epoch "
                f"{run['best_val_nll_epoch']} of {run['epochs']}"
                if run.get("best_val_nll") is not None else f"{run['epochs']} epochs")
        lines.append(f"- {run['label']}: {best}")
    if curves.get("missing"):
        lines.append(f"- no curves recorded for: {', '.join(curves['missing'])}")
    return lines + [""]


def twin_lines(card: dict) -> list[str]:
    """How the preset's test NLL compares with its deterministic twin's (when in the zoo)."""
    twin = card.get("twin")
    if not twin:
        return []
    title = "Against one of its networks" if card.get("ensemble") else \
        "Against its deterministic twin"
    return [f"## {title}", twin["sentence"], ""]


def ensemble_lines(card: dict) -> list[str]:
    """An ensemble's members: seeds, runs and their own test numbers, and how it was made."""
    ensemble = card.get("ensemble")
    if not ensemble:
        return []
    lines = ["## Ensemble", ensemble["how"], "",
             f"Made of {ensemble['size']} networks with the recipe of `{ensemble['of']}`:", "",
             "| seed | run | test NLL (its run, N = 1) | test Acc (%) |", "|---|---|---|---|"]
    for member in ensemble["members"]:
        test = (member.get("test") or {}).get("1")
        numbers = (f"{test['nll']:.4f} | {100 * test['accuracy']:.2f}" if test else "- | -")
        lines.append(f"| {member['seed']} | `{member['run']}` | {numbers} |")
    return lines + [""]

