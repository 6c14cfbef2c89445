r"""`python -m blur_keras.training`: the paper's training recipe on one CPU or many accelerators.

Examples:
    python -m blur_keras.training --model=resnet_mcdo_smoothing_18 --dataset=cifar100 \
        --model_dir=runs/c100_mcdo_smooth                      # the full reference recipe
    python -m blur_keras.training --model=resnet_mcdo_smoothing_18 --dataset=fashion_mnist \
        --model_args='{"width": 16}' --epochs=8 --mixed_precision=mixed_bfloat16 \
        --model_dir=runs/fmnist_w16
    python -m blur_keras.training --model=resnet_dnn_18 --dataset=fashion_mnist \
        --init_from=resnet_dnn_18.fmnist_w16 --retrofit='{"padding": "reference"}' \
        --epochs=3 --schedule=cosine --lr=0.01 --warmup_epochs=0 \
        --model_dir=runs/fmnist_retrofit                      # fine-tune a preset, smoothed

Exit codes: 0 finished (or already finished in --model_dir), 1 the loss became
NaN/infinite (result.json says where), 2 a bad flag, data or --model_dir
(nothing was computed). TensorFlow's start-up logs are hidden unless
BLUR_KERAS_TF_LOGS=1.
"""

from __future__ import annotations

from blur_keras import program_flags
from blur_keras.startup import (ProgramError, no_positional_arguments, quiet_tensorflow_start,
                                run_tensorflow_program)

quiet_tensorflow_start()      # TrainConfig's module imports TensorFlow; its fields are the flags
from blur_keras.training.config import TrainConfig  # noqa: E402

program_flags.define_flags_from_fields(TrainConfig)
program_flags.define_data_dir_flag()
program_flags.define_download_flag()


def summary(result: dict) -> str:
    """The end of a run in a few readable lines."""
    lines = [f"status     {result['status']}: {result['steps']} steps"
             + (f", {result['images_per_second']:.0f} img/s this session"
                if result.get("images_per_second") is not None else "")]
    if result.get("best_val_nll_epoch") is not None:
        lines.append(f"best       validation NLL {result['best_val_nll']:.4f} at epoch "
                     f"{result['best_val_nll_epoch']} ({result['splits']['validation']})")
    for split in ("validation", "test"):
        for n, values in result.get(split, {}).items():
            lines.append(f"{split} N={n:<3} " + "  ".join(
                f"{key} {values[key]:.4f}" for key in ("nll", "accuracy", "ece", "brier")
                if key in values))
    return "\n".join(lines)


def main(argv) -> None:
    del argv
    from blur_keras.training import TrainingDiverged, train
    config = program_flags.config_from_flags(TrainConfig)
    try:
        result = train(config)
    except TrainingDiverged as error:
        raise ProgramError(str(error), exit_code=1) from None
    print(summary(result), flush=True)


if __name__ == "__main__":
    run_tensorflow_program(main, check=no_positional_arguments)
