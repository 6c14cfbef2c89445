"""`TrainConfig.retrofit`: the JSON options of a run's retrofit, turned into `retrofit()` arguments.

One flat JSON object, as `--retrofit` takes it: `SpatialSmoothing` arguments (`prob`,
`temperature`, `kernel`, `padding`, `pad_mode`) configure the smoothing, `stages`, `mc_dropout`
and `mc_dropout_seed` are `blur_keras.retrofit.retrofit`'s keyword arguments, and
`"smoothing": false` inserts MC dropout only. `{}` is the retrofit's default: smoothing (tanh,
t = 10, 2x2 box blur, size-preserving padding) before every subsampling after the stem.
"""

from __future__ import annotations

import json
import numbers
from typing import Any

from blur_keras.models.options import SMOOTHING_KEYS

#: The keys `TrainConfig.retrofit` takes, besides the `SpatialSmoothing` arguments.
RETROFIT_KEYS = ("smoothing", "stages", "mc_dropout", "mc_dropout_seed")


def _integer(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def retrofit_arguments(options: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of `blur_keras.retrofit.retrofit` for a run's `retrofit` options.

    Every value is checked here, before any model exists (the stages against
    the model only when it is retrofitted).

    Args:
        options: a JSON object, e.g. `{}`, `{"padding": "reference"}` or
            `{"smoothing": false, "mc_dropout": 0.1, "mc_dropout_seed": 0}`.

    Returns:
        `{"smoothing": True | False | dict, "stages": list | None,
        "mc_dropout": float, "mc_dropout_seed": int | None}`.

    Raises:
        ValueError: one line, starting with `retrofit `, saying which option
            is wrong and what it must be.

    Example:

    >>> retrofit_arguments({"padding": "reference", "stages": [2, 3]})["smoothing"]
    {'padding': 'reference'}
    """
    shown = json.dumps(options) if isinstance(options, dict) else repr(options)
    if not isinstance(options, dict):
        raise ValueError(f"retrofit must be a JSON object of retrofit options; got {shown}.")
    unknown = sorted(set(options) - set(SMOOTHING_KEYS) - set(RETROFIT_KEYS))
    if unknown:
        raise ValueError(f"retrofit {shown}: unknown options {unknown}; expected "
                         f"SpatialSmoothing arguments {list(SMOOTHING_KEYS)} or "
                         f"{list(RETROFIT_KEYS)}.")
    smoothing = options.get("smoothing", True)
    arguments = {key: options[key] for key in SMOOTHING_KEYS if key in options}
    if not isinstance(smoothing, bool):
        raise ValueError(f"retrofit {shown}: smoothing must be true or false (the smoothing's "
                         f"arguments are options of their own); got {smoothing!r}.")
    if not smoothing and arguments:
        raise ValueError(f"retrofit {shown}: {sorted(arguments)} configure a smoothing that "
                         f"\"smoothing\": false leaves out.")
    stages = options.get("stages")
    if stages is not None and (not isinstance(stages, list) or not stages
                               or not all(_integer(s) and s >= 1 for s in stages)):
        raise ValueError(f"retrofit {shown}: stages must be a list of stage numbers >= 1; "
                         f"got {stages!r}.")
    if stages is not None and not smoothing:
        raise ValueError(f"retrofit {shown}: stages chooses where smoothing goes; it needs "
                         f"smoothing on.")
    rate = options.get("mc_dropout", 0.0)
    if not isinstance(rate, numbers.Real) or isinstance(rate, bool) or not 0 <= rate < 1:
        raise ValueError(f"retrofit {shown}: mc_dropout must be a rate in [0, 1); got {rate!r}.")
    seed = options.get("mc_dropout_seed")
    if seed is not None and not _integer(seed):
        raise ValueError(f"retrofit {shown}: mc_dropout_seed must be an integer or null; "
                         f"got {seed!r}.")
    if not smoothing and not rate:
        raise ValueError(f"retrofit {shown}: with smoothing off and no mc_dropout rate it "
                         f"would insert nothing.")
    if smoothing:
        from blur_keras.retrofit.retrofitting import smoothing_config
        checked = {**arguments}
        if isinstance(checked.get("kernel"), list):
            checked["kernel"] = tuple(checked["kernel"])
        try:
            smoothing_config(checked)        # every SpatialSmoothing value, checked now
        except (ValueError, TypeError) as error:
            raise ValueError(f"retrofit {shown}: {error}") from None
        smoothing = checked or True
    return {"smoothing": smoothing, "stages": stages, "mc_dropout": float(rate),
            "mc_dropout_seed": seed}
