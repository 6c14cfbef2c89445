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
    """A JSON-object flag, e.g. `--model_args='{"width": 16}'` or `--retrofit='{}'`, as a dict
    (None passes)."""
    if text is None:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"--{flag} is not valid JSON ({error.msg} at character "
                         f"{error.pos}): {text!r}.") from None
    if not isinstance(value, dict):
        raise ValueError(f"--{flag} must be a JSON object ({{...}}); got {text!r}.")
    return value


def writable_directory(flag: str, path: str) -> str:
    """`path` with `~` expanded and made absolute, after checking that it is or can become a
    writable directory; nothing is written.

    The directory may not exist yet: then its nearest existing ancestor must be
    a writable directory.

    Raises:
        ValueError: `path` is a file, or it (or, when it does not exist yet,
            its nearest existing ancestor) is not a writable directory.
    """
    expanded = os.path.abspath(os.path.expanduser(path))
    if os.path.exists(expanded) and not os.path.isdir(expanded):
        raise ValueError(f"--{flag}={path} is a file, not a directory.")
    ancestor = expanded
    while not os.path.exists(ancestor):
        ancestor = os.path.dirname(ancestor)
    if not os.path.isdir(ancestor):
        raise ValueError(f"Cannot write to --{flag}={path}: {ancestor} is a file, not a "
                         f"directory.")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise ValueError(f"Cannot write to --{flag}={path}: {ancestor} is not writable.")
    return expanded


def output_dir(flag: str, path: str, filenames: Iterable[str]) -> str:
    """`path` with `~` expanded, after checking that `filenames` can be written into it.

    The directory may not exist yet (see `writable_directory`). An existing
    file in the way (the directory itself, or a directory where one of
    `filenames` goes) is an error.
    """
    expanded = writable_directory(flag, path)
    for name in filenames:
        target = os.path.join(expanded, name)
        if os.path.isdir(target) or (os.path.exists(target) and not os.access(target, os.W_OK)):
            raise ValueError(f"--{flag}={path}: cannot write {target} (a directory or "
                             f"read-only file is in the way).")
    return expanded
