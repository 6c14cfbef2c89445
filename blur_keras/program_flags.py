"""The flags several programs share, each defined once, and flags derived from a dataclass's fields.

A `define_*` function defines its flags for the program that calls it: its
`--help` lists them with its own. `define_flags_from_fields` turns each field
of a configuration dataclass into a flag (its type, default and the `help` and
`choices` of its metadata), and `config_from_flags` builds the dataclass back
from the parsed flags, so a program's options are written once, on the fields.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any

from absl import flags

from blur_keras.cli_checks import int_list, json_object

flags.disclaim_key_flags()    # the DEFINEs here count as the calling program's, not this module's

#: `--data_dir`, as every program that reads a dataset takes it.
DATA_DIR_HELP = ("tfds data_dir / directory of IDX files (must exist; default: tfds' own, then "
                 "$BLUR_KERAS_DATA_DIR and Debian's IDX directories).")
#: `--download`, as every program that may fetch a dataset with tfds takes it.
DOWNLOAD_HELP = "Let tfds download missing data."


def define_data_dir_flag() -> None:
    """Defines `--data_dir`: where the dataset is."""
    flags.DEFINE_string("data_dir", None, DATA_DIR_HELP)


def define_download_flag() -> None:
    """Defines `--download`: whether tfds may download a missing dataset."""
    flags.DEFINE_bool("download", False, DOWNLOAD_HELP)


def define_dataset_flags(batch_size: int, batch_size_help: str = "Images per batch.") -> None:
    """Defines `--dataset` (default Fashion-MNIST), `--data_dir`, `--download` and `--batch_size`.

    Args:
        batch_size: the default of `--batch_size`.
        batch_size_help: what `--batch_size` means for the program.
    """
    flags.DEFINE_string("dataset", "fashion_mnist", "Dataset name (see blur_keras.data.DATASETS).")
    define_data_dir_flag()
    define_download_flag()
    flags.DEFINE_integer("batch_size", batch_size, batch_size_help)


def define_model_flags() -> None:
    """Defines `--model`, `--weights` and `--model_args` (see `model_source.resolve_model`)."""
    flags.DEFINE_string("model", None, "(required) A zoo preset name, a registry name (with "
                        "--weights) or a .keras file.")
    flags.DEFINE_string("weights", None, "A .weights.h5 file for a registry --model.")
    flags.DEFINE_string("model_args", None, "JSON object of the builder arguments the --weights "
                        "were trained with, for a registry --model, e.g. '{\"width\": 16}' (a "
                        "training run's result.json records them under config.model_args).")
    flags.mark_flag_as_required("model")


def define_prediction_flags() -> None:
    """Defines `--outputs` and `--ece_binning`, shared by the programs that score predictions."""
    flags.DEFINE_enum("outputs", "auto", ["auto", "logits", "probabilities"],
                      "What the model outputs; auto: probabilities when its last layer applies a "
                      "softmax (or its first outputs are probability rows), else logits.")
    flags.DEFINE_enum("ece_binning", "consistent", ["consistent", "reference"],
                      "ECE bins: consistent ((lo, hi] for everything) or reference (the paper's "
                      "code: confidences summed over [lo, hi)).")


def define_flags_from_fields(config_class: type) -> None:
    """Defines one flag per field of the dataclass `config_class` that has `metadata["help"]`.

    A field's type picks the flag: `str` a string (an enum with
    `metadata["choices"]`), `int`, `float`, `bool`, `tuple[int, ...]` a
    comma-separated list, `dict` a JSON object. Its default is the flag's; a
    field without one is a required flag. A field without help gets no flag
    here: the program defines it with a shared group of this module (e.g.
    `define_data_dir_flag`), under the field's name.

    Args:
        config_class: a dataclass whose fields carry `metadata={"help": ...}`.

    Example:

    ```python
    @dataclasses.dataclass
    class Options:
        seed: int = dataclasses.field(default=0, metadata={"help": "Seed."})

    define_flags_from_fields(Options)      # --seed, default 0
    ```
    """
    defines = {str: flags.DEFINE_string, int: flags.DEFINE_integer, float: flags.DEFINE_float,
               bool: flags.DEFINE_bool, tuple: flags.DEFINE_list, dict: flags.DEFINE_string}
    annotations = typing.get_type_hints(config_class)
    for field in dataclasses.fields(config_class):
        if "help" not in field.metadata:
            continue
        required = field.default is dataclasses.MISSING
        default = None if required else field.default
        if "choices" in field.metadata:
            flags.DEFINE_enum(field.name, default, list(field.metadata["choices"]),
                              field.metadata["help"])
        else:
            define = defines[_flag_type(annotations[field.name])]
            define(field.name, default, field.metadata["help"])
        if required:
            flags.mark_flag_as_required(field.name)


def config_from_flags(config_class: type) -> Any:
    """The dataclass `config_class` with every field from the flag of its name.

    Comma-separated lists become tuples of positive integers and JSON
    strings dicts, checked (`cli_checks`): a `ValueError` names the flag.
    """
    annotations = typing.get_type_hints(config_class)
    values = {}
    for field in dataclasses.fields(config_class):
        value = flags.FLAGS[field.name].value
        kind = _flag_type(annotations[field.name])
        if kind is tuple and value is not None:
            value = tuple(int_list(field.name, value))
        elif kind is dict:
            value = json_object(field.name, value)
        values[field.name] = value
    return config_class(**values)


def _flag_type(annotation) -> type:
    """`int` for `int | None`, `tuple` for `tuple[int, ...]`, `dict` for `dict[str, Any]`."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
    return typing.get_origin(annotation) or annotation
