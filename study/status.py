"""`python -m study status`: what is done, what is missing, and what it would cost."""

from __future__ import annotations

import os

from blur_keras import corruptions
from study.ensembles import ENSEMBLES_FILE
from study.plan import EVALUATIONS, Plan, Run, Settings
from study.runner import needs_training, pending_evaluations, run_state
from study.speed import SPEED_FILE

#: Measured: a 50-sample pass over the 10,000 test images (500,000 forward passes of the
#: width-16 ResNet-18) took 17 CPU-minutes on this 2-core machine (blur_keras.publishing);
#: version 1's evaluations ran faster on one core (about 600 to 1,100 passes/s).
PASSES_PER_SECOND = 500_000 / (17 * 60)
#: Assumed, not measured: one Hessian-vector product costs about 4 forward passes.
HVP_PASSES = 4
#: Assumed: the batch-norm experiment's training-mode pass costs about 2 inference passes.
ADAPTED_PASSES = 2
#: Training images per second on one core (one thread per run, two runs at a time): the
#: deterministic and MC dropout ResNet-18 at width 16 as measured for the converged recipe;
#: smoothing and AlexNet scaled by version 1's measured rates (`images_per_second` of their
#: `result.json`: 323, 244, 271, 233; AlexNet 114).
TRAIN_IMAGES_PER_SECOND = {"resnet_dnn_18": 300.0, "resnet_dnn_smoothing_18": 300.0 * 244 / 323,
                           "resnet_mcdo_18": 230.0, "resnet_mcdo_smoothing_18": 230.0 * 233 / 271,
                           "alexnet_dnn": 114.0}
#: The Fashion-MNIST test split.
TEST_IMAGES = 10_000
#: The corruptions of the study's corruption evaluation (the 15 benchmark ones).
CORRUPTIONS = len(corruptions.names())


def evaluation_passes(run: Run, evaluation: str, settings: Settings) -> int:
    """Forward passes (images x samples) of one evaluation of `run`."""
    test = settings.test_subset or TEST_IMAGES
    stochastic = "mcdo" in run.model
    conditions = CORRUPTIONS * len(corruptions.SEVERITIES)
    return {
        "clean": test * max(run.sizes),
        "corruptions": conditions * settings.corruption_images,
        "consistency": len(settings.perturbations) * settings.consistency_images
        * settings.consistency_frames,
        "variance": settings.analysis_images * (settings.variance_samples + 1),
        "fourier": settings.analysis_images,
        "predictive": settings.predictive_images * (settings.predictive_samples
                                                    if stochastic else 1),
        "hessian": settings.hessian_batches * settings.hessian_repeats
        * settings.hessian_batch_size * settings.hessian_iterations * HVP_PASSES,
        "landscape": settings.landscape_points ** 2 * settings.landscape_images,
        "bn_adaptation": conditions * settings.bn_images * (1 + ADAPTED_PASSES),
    }[evaluation]


def training_minutes(run: Run) -> float | None:
    """Estimated single-core training minutes of `run` (None: no rate for its model)."""
    rate = TRAIN_IMAGES_PER_SECOND.get(run.model)
    if rate is None:
        return None
    from blur_keras.training import TrainConfig
    config = TrainConfig(model_dir=".", **run.train_options()).resolved()
    return config.train_images * (config.warmup_epochs + config.epochs) / rate / 60


def format_status(plan: Plan, runs_dir: str, results_dir: str) -> str:
    """A table of the runs (state, evaluations done and missing, estimated minutes) and totals."""
    lines = [f"{'run':<40} {'state':<16} {'evaluations missing (done)':<52} est. min",
             "-" * 118]
    to_train, train_total, eval_seconds, commands = 0, 0.0, 0.0, []
    for run in plan.runs:
        state = run_state(run, runs_dir)
        missing = pending_evaluations(run, results_dir, EVALUATIONS)
        done = [name for name in run.evaluations if name not in missing]
        seconds = sum(evaluation_passes(run, name, plan.settings) for name in missing) \
            / PASSES_PER_SECOND
        eval_seconds += seconds
        trains = not state.ready and needs_training(run, results_dir)
        minutes = training_minutes(run) if trains else None
        to_train += trains
        train_total += minutes or 0.0
        estimate = f"{seconds / 60:.0f}" + (
            f" + train {minutes:.0f}" if minutes else " + train ?" if trains else "")
        evaluations = (", ".join(missing) or "-") + (f" ({', '.join(done)})" if done else "")
        shown = state.status if state.ready or missing else "evaluated"
        lines.append(f"{run.name:<40} {shown:<16} {evaluations:<52} {estimate}")
        if trains and state.status in ("not started", "in progress"):
            commands.append(run.train_command(runs_dir))
        if state.detail and shown not in ("published", "evaluated"):
            lines.append(f"{'':<40} {state.detail}")
    for filename in (ENSEMBLES_FILE, SPEED_FILE):
        there = os.path.isfile(os.path.join(results_dir, filename))
        lines.append(f"{filename:<40} {'written' if there else 'missing'}")
    lines += [
        "",
        f"Left: {to_train} run(s) to train, about {train_total / 60:.1f} CPU-hours (one core "
        f"each: {', '.join(f'{m} {r:.0f}' for m, r in TRAIN_IMAGES_PER_SECOND.items())} "
        f"img/s), evaluations about {eval_seconds / 3600:.1f} CPU-hours (at "
        f"{PASSES_PER_SECOND:.0f} forward passes/s, measured for the width-16 ResNet-18 on this "
        f"2-core machine; a Hessian-vector product counted as {HVP_PASSES} passes, an "
        f"assumption; generating the corruptions adds minutes per process). Two processes "
        f"(--shard=1/2, --shard=2/2, --threads=1) halve the wall time.",
    ]
    if commands:
        lines += ["", "Runs to train (the study trains them itself, or start them by hand; seed "
                      "0 is the zoo preset's run, which `python -m blur_keras.zoo build "
                      f"--runs_dir={runs_dir}` trains in the same directory):"]
        lines += [f"  {command}" for command in commands]
    return "\n".join(lines)
