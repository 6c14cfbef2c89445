"""Checks of command-line arguments, run before any compute.

Each check raises a one-line `ValueError` naming the flag and what it expects;
the programs print it as `error: ...` and exit with status 2. Paths get `~`
expanded (a shell leaves `--flag=~/x` alone).
"""

from __future__ import annotations

import json
import os
from typing import Iterable, Sequence


def positive_int(flag: str, value, allow_none: bool = False) -> int | None:
    """`value` if it is a positive integer (or None with `allow_none`)."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"--{flag} must be a positive integer; got {value!r}.")
    return value


def int_list(flag: str, values: Sequence[str], choices: Iterable[int] | None = None) -> list[int]:
    """A comma-separated flag as positive integers (from `choices` when given)."""
    try:
        numbers = [int(v) for v in values]
    except ValueError:
        raise ValueError(f"--{flag} must be comma-separated integers; got "
                         f"{','.join(values)!r}.") from None
    allowed = None if choices is None else sorted(choices)
    bad = [n for n in numbers if n < 1 or (allowed is not None and n not in allowed)]
    if not numbers or bad:
        expected = f"from {allowed}" if allowed is not None else "positive"
        raise ValueError(f"--{flag} must be {expected} integers; got {','.join(values)!r}.")
    return numbers


def existing_file(flag: str, path: str | None) -> str | None:
    """`path` with `~` expanded; it must be a file (None passes)."""
    if path is None:
        return None
    expanded = os.path.expanduser(path)
    if not os.path.isfile(expanded):
        raise ValueError(f"--{flag}: file not found: {path}")
    return expanded


def existing_dir(flag: str, path: str | None) -> str | None:
    """`path` with `~` expanded; it must be a directory (None passes)."""
    if path is None:
        return None
    expanded = os.path.expanduser(path)
    if not os.path.isdir(expanded):
        raise ValueError(f"--{flag}: directory not found: {path}")
    return expanded


def json_object(flag: str, text: str | None) -> dict | None:
    """A JSON-object flag, e.g. `--model_args='{"width": 16}'`, as a dict (None passes)."""
    if text is None:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"--{flag} is not valid JSON ({error.msg} at character "
                         f"{error.pos}): {text!r}.") from None
    if not isinstance(value, dict):
        raise ValueError(f"--{flag} must be a JSON object of builder arguments; got {text!r}.")
    return value


def model_and_weights(model: str, weights: str | None, model_args: dict | None = None
                      ) -> tuple[str, str | None]:
    """`--model` (a `.keras` file, a zoo preset or a registry name) and `--weights`, `~` expanded.

    `model_args` (`--model_args`, the builder arguments the weights were
    trained with) are for registry names and must be arguments of its builder.
    """
    if model_args and (model.endswith(".keras") or "." in model):
        raise ValueError("--model_args is for registry names (with --weights); a .keras file "
                         "or a zoo preset holds its architecture.")
    if model.endswith(".keras"):
        return existing_file("model", model), existing_file("weights", weights)
    if "." in model and os.sep not in model:
        from blur_keras.zoo import names
        if model not in names():
            raise ValueError(f"--model {model!r} is not a zoo preset (python -m blur_keras.zoo "
                             f"list), a registry name or a .keras file.")
        if weights:
            raise ValueError("--weights is for registry names; a zoo preset holds its weights.")
        return model, None
    from blur_keras.models import parse
    from blur_keras.protocol import check_model_args
    check_model_args(parse(model), model_args or {})
    return model, existing_file("weights", weights)


def define_model_flags() -> None:
    """Defines `--model`, `--weights` and `--model_args`, shared by the programs that load a model.

    They belong to the calling program: its `--help` lists them with its own flags.
    """
    from absl import flags
    flags.disclaim_key_flags()    # the DEFINEs below count as the caller's, not this module's
    flags.DEFINE_string("model", None, "(required) A zoo preset name, a registry name (with "
                        "--weights) or a .keras file.")
    flags.DEFINE_string("weights", None, "A .weights.h5 file for a registry --model.")
    flags.DEFINE_string("model_args", None, "JSON object of the builder arguments the --weights "
                        "were trained with, for a registry --model, e.g. '{\"width\": 16}' (a "
                        "training run's result.json records them under config.model_args).")
    flags.mark_flag_as_required("model")


def output_dir(flag: str, path: str, filenames: Iterable[str]) -> str:
    """`path` with `~` expanded, after checking that `filenames` can be written into it.

    The directory may not exist yet: then its nearest existing ancestor must be
    a writable directory. An existing file in the way (the directory itself,
    or a directory where one of `filenames` goes) is an error.
    """
    expanded = os.path.abspath(os.path.expanduser(path))
    if os.path.exists(expanded) and not os.path.isdir(expanded):
        raise ValueError(f"--{flag}={path} is a file, not a directory.")
    ancestor = expanded
    while not os.path.exists(ancestor):
        ancestor = os.path.dirname(ancestor)
    if not os.path.isdir(ancestor):
        raise ValueError(f"--{flag}={path}: {ancestor} is a file, not a directory.")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise ValueError(f"--{flag}={path}: {ancestor} is not writable.")
    for name in filenames:
        target = os.path.join(expanded, name)
        if os.path.isdir(target) or (os.path.exists(target) and not os.access(target, os.W_OK)):
            raise ValueError(f"--{flag}={path}: cannot write {target} (a directory or "
                             f"read-only file is in the way).")
    return expanded


def define_prediction_flags() -> None:
    """Defines `--outputs` and `--ece_binning`, shared by the programs that score predictions.

    They belong to the calling program: its `--help` lists them with its own flags.
    """
    from absl import flags
    flags.disclaim_key_flags()    # the DEFINEs below count as the caller's, not this module's
    flags.DEFINE_enum("outputs", "auto", ["auto", "logits", "probabilities"],
                      "What the model outputs; auto: probabilities when its last layer applies a "
                      "softmax (or its first outputs are probability rows), else logits.")
    flags.DEFINE_enum("ece_binning", "consistent", ["consistent", "reference"],
                      "ECE bins: consistent ((lo, hi] for everything) or reference (the paper's "
                      "code: confidences summed over [lo, hi)).")
