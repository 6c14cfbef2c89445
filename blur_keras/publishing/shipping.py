"""The bar a preset of `build.json` ships over (`ship_if`), and the record of those below it.

A preset below its bar is not published: `zoo/not_shipped.json` says what its run reached, what
was asked, and the command that builds it again, so that a page (and the zoo's README) can say
why it is not in the zoo.
"""

from __future__ import annotations

import datetime
import json
import math
import os
from typing import TYPE_CHECKING

from blur_keras.json_output import strict
from blur_keras.zoo.files import PresetError

if TYPE_CHECKING:
    from blur_keras.publishing.build_spec import BuildEntry

NOT_SHIPPED_FILE = "not_shipped.json"


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def shortfall(entry: BuildEntry, result: dict, run_dir: str) -> dict | None:
    """Why a finished run does not ship under its entry's `ship_if`, or None when it ships.

    The run's own final evaluation (`result.json`'s `test`, at `ship_if["n"]`
    samples) is held against the bar, before any card is measured.

    Args:
        entry: the preset's entry.
        result: its run's `result.json`.
        run_dir: its run directory.

    Returns:
        None (it ships, or has no bar), or the record of `not_shipped.json` for it.

    Raises:
        PresetError: the run did not evaluate the test split at `n` samples.

    Example:

    >>> shortfall(entry, {"test": {"1": {"accuracy": 0.884}}, ...}, "runs/bnn")["reason"]
    'test accuracy 88.40% at N = 1, below the 90.00% build.json asks (ship_if)'
    """
    if entry.ship_if is None:
        return None
    n, bar = entry.ship_if["n"], entry.ship_if["test_accuracy"]
    measured = (result.get("test") or {}).get(str(n))
    if not measured or not _finite(measured.get("accuracy")):
        raise PresetError(f"{entry.name}: its run in {run_dir} has no test accuracy at N = {n} "
                          f"(it evaluated N = {sorted(result.get('test') or {}, key=int)}); "
                          f"ship_if asks for N = {n}.")
    accuracy = measured["accuracy"]
    if accuracy >= bar:
        return None
    from blur_keras.publishing.runs import train_command
    validation = (result.get("validation") or {}).get(str(n))
    return {
        "preset": entry.name, "version": entry.version,
        "reached": {"test_accuracy": accuracy, "test_nll": measured.get("nll"), "n": n,
                    "test_images": (result.get("splits") or {}).get("test", "test"),
                    "validation_accuracy": validation.get("accuracy") if validation else None,
                    "epochs": result["config"]["warmup_epochs"] + result["config"]["epochs"],
                    "best_val_nll_epoch": result.get("best_val_nll_epoch")},
        "required": dict(entry.ship_if),
        "reason": (f"test accuracy {100 * accuracy:.2f}% at N = {n}, below the "
                   f"{100 * bar:.2f}% build.json asks (ship_if)"),
        "build_command": f"python -m blur_keras.zoo build --only={entry.name}",
        "train_command": train_command(result["config"]),
        "run": os.path.basename(os.path.normpath(run_dir)),
        "date": datetime.date.today().isoformat()}


def read_not_shipped(zoo_dir: str) -> dict:
    """`{preset: record}` of the zoo's `not_shipped.json` (empty without one)."""
    path = os.path.join(zoo_dir, NOT_SHIPPED_FILE)
    if not os.path.isfile(path):
        return {}
    with open(path) as f:
        return json.load(f)


def record_not_shipped(zoo_dir: str, name: str, record: dict | None) -> str | None:
    """Writes (or, with `record` None, removes) the preset's entry of `not_shipped.json`.

    The file goes when no entry is left. Returns its path, or None when it is gone.
    """
    records = read_not_shipped(zoo_dir)
    if record is None:
        records.pop(name, None)
    else:
        records[name] = record
    path = os.path.join(zoo_dir, NOT_SHIPPED_FILE)
    if not records:
        if os.path.isfile(path):
            os.remove(path)
        return None
    with open(path + ".tmp", "w") as f:
        json.dump(strict({key: records[key] for key in sorted(records)}), f, indent=2,
                  allow_nan=False)
        f.write("\n")
    os.replace(path + ".tmp", path)
    return path


def not_shipped_lines(zoo_dir: str) -> list[str]:
    """One Markdown line per preset below its bar, for the zoo's README."""
    return [f"- `{name}` is not shipped: {record['reason']}; rebuild it with "
            f"`{record['build_command']}`." for name, record in
            sorted(read_not_shipped(zoo_dir).items())]
