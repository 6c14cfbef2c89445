r"""`python -m blur_keras.retrofit`: a trained model with spatial smoothing (and MC dropout) added.

Examples:
    # A zoo preset, smoothed before every subsampling after the stem:
    python -m blur_keras.retrofit --model=resnet_dnn_18.fmnist_w16 --output=smoothed.keras
    # A .keras file, the reference padding, stages 2-4 only, MC dropout at 5%:
    python -m blur_keras.retrofit --model=mine.keras --output=mine_smoothed.keras \
        --smoothing='{"padding": "reference"}' --stages=2,3,4 --mc_dropout=0.05

It prints where each layer went (`blur_keras.retrofit.describe`) and saves the
model as a `.keras` file (it loads in safe mode once `blur_keras` is imported).
Exit codes: 0 done, 2 a bad flag or a model that cannot be retrofitted. TensorFlow's start-up
logs are hidden unless BLUR_KERAS_TF_LOGS=1.
"""

from __future__ import annotations

import json
import os

from absl import flags

from blur_keras.startup import no_positional_arguments, run_tensorflow_program

FLAGS = flags.FLAGS
flags.DEFINE_string("model", None, "(required) A .keras file, a zoo preset name or a preset "
                    "directory.")
flags.DEFINE_string("output", None, "(required) The .keras file to write.")
flags.DEFINE_string("smoothing", "true", "true, false, or a JSON object of SpatialSmoothing "
                    "arguments (prob, temperature, kernel, padding, pad_mode); padding "
                    "'reference' is the reference code's ('full' for the 2x2 box blur).")
flags.DEFINE_list("stages", None, "Stages to smooth (1 = the largest subsampled size); "
                  "default all.")
flags.DEFINE_float("mc_dropout", 0.0, "MC dropout rate in [0, 1); 0 adds none.")
flags.DEFINE_integer("mc_dropout_seed", None, "Base seed of the MC dropout layers.")
flags.DEFINE_bool("overwrite", False, "Replace an existing --output file.")


def _smoothing(text: str):
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    try:
        value = json.loads(text)
    except ValueError:
        raise ValueError(f"--smoothing must be true, false or a JSON object; got {text!r}.") \
            from None
    if not isinstance(value, dict):
        raise ValueError(f"--smoothing must be true, false or a JSON object; got {text!r}.")
    if "kernel" in value and isinstance(value["kernel"], list):
        value["kernel"] = tuple(value["kernel"])
    return value


def _checked_flags(argv: list[str]) -> dict:
    """The options, checked before TensorFlow starts."""
    from blur_keras.cli_checks import int_list
    no_positional_arguments(argv)
    if not FLAGS.model or not FLAGS.output:
        raise ValueError("--model and --output are required.")
    if FLAGS.model.endswith(".keras") and not os.path.isfile(os.path.expanduser(FLAGS.model)):
        raise ValueError(f"--model: file not found: {FLAGS.model}")
    output = os.path.abspath(os.path.expanduser(FLAGS.output))
    if not output.endswith(".keras"):
        raise ValueError(f"--output must be a .keras file; got {FLAGS.output!r}.")
    if os.path.exists(output) and not FLAGS.overwrite:
        raise ValueError(f"--output {FLAGS.output} exists; pass --overwrite to replace it.")
    if not os.path.isdir(os.path.dirname(output)):
        raise ValueError(f"--output: directory not found: {os.path.dirname(output)}")
    return {"output": output, "smoothing": _smoothing(FLAGS.smoothing),
            "stages": int_list("stages", FLAGS.stages) if FLAGS.stages else None}


def _load(model: str):
    import keras
    import blur_keras.layers  # noqa: F401  (registers the layers for safe-mode loading)
    if model.endswith(".keras"):
        return keras.saving.load_model(os.path.expanduser(model), safe_mode=True, compile=False)
    from blur_keras import zoo
    return zoo.load(os.path.expanduser(model), compile=False)


def _line(entry: dict) -> str:
    where = f"{entry['after']} -> {', '.join(entry['before'])}"
    if entry["kind"] == "smoothing":
        return (f"stage {entry['stage']}  smoothing   {entry['layer']}: {where} "
                f"({entry['prob']}, kernel {entry['kernel']}, padding {entry['padding']})")
    return f"         mc_dropout  {entry['layer']}: {where} (rate {entry['rate']})"


def main(options: dict) -> None:
    from blur_keras.retrofit import describe, retrofit
    model = _load(FLAGS.model)
    result = retrofit(model, options["smoothing"], stages=options["stages"],
                      mc_dropout=FLAGS.mc_dropout, mc_dropout_seed=FLAGS.mc_dropout_seed)
    for entry in describe(result):
        print(_line(entry))
    result.save(options["output"])
    print(f"saved {result.name} to {options['output']}")


if __name__ == "__main__":
    run_tensorflow_program(main, check=_checked_flags)
