"""`python -m study status`: what is done, what is missing, and what it would cost."""

from __future__ import annotations

import os

from blur_keras import corruptions
from study.ensembles import ENSEMBLES_FILE
from study.plan import EVALUATIONS, Plan, Run, Settings
from study.runner import pending_evaluations, run_state
from study.speed import SPEED_FILE

#: Measured: a 50-sample pass over the 10,000 test images (500,000 forward passes of the
#: width-16 ResNet-18) took 17 CPU-minutes on this 2-core machine (blur_keras.publishing).
PASSES_PER_SECOND = 500_000 / (17 * 60)
#: Assumed, not measured: one Hessian-vector product costs about 4 forward passes.
HVP_PASSES = 4
#: The Fashion-MNIST test split.
TEST_IMAGES = 10_000
#: The corruptions of the study's corruption evaluation (the 15 benchmark ones).
CORRUPTIONS = len(corruptions.names())


def evaluation_passes(run: Run, evaluation: str, settings: Settings) -> int:
    """Forward passes (images x samples) of one evaluation of `run`."""
    test = settings.test_subset or TEST_IMAGES
    return {
        "clean": test * max(run.sizes),
        "corruptions": CORRUPTIONS * len(corruptions.SEVERITIES) * settings.corruption_images,
        "consistency": len(settings.perturbations) * settings.consistency_images
        * settings.consistency_frames,
        "variance": settings.analysis_images * settings.variance_samples,
        "fourier": settings.analysis_images,
        "hessian": settings.hessian_batches * settings.hessian_batch_size
        * settings.hessian_iterations * HVP_PASSES,
    }[evaluation]


def training_minutes(plan: Plan) -> float | None:
    """Mean training wall time of the zoo presets of the plan (their cards), in minutes."""
    from blur_keras.zoo.preset import card, names
    published = names()
    seconds = [card(run.preset)["training"]["wall_seconds"] for run in plan.runs
               if run.preset and run.preset in published]
    return sum(seconds) / len(seconds) / 60 if seconds else None


def format_status(plan: Plan, runs_dir: str, results_dir: str) -> str:
    """A table of the runs (state, evaluations done and missing, estimated minutes) and totals."""
    train_minutes = training_minutes(plan)
    lines = [f"{'run':<40} {'state':<16} {'evaluations missing (done)':<52} est. min",
             "-" * 118]
    to_train, presets, eval_seconds, commands = 0, 0, 0.0, []
    for run in plan.runs:
        state = run_state(run, runs_dir)
        missing = pending_evaluations(run, results_dir, EVALUATIONS)
        done = [name for name in run.evaluations if name not in missing]
        seconds = sum(evaluation_passes(run, name, plan.settings) for name in missing) \
            / PASSES_PER_SECOND
        eval_seconds += seconds
        trains = not state.ready
        to_train += trains and not run.preset
        presets += trains and bool(run.preset)
        how = "zoo build" if run.preset else "train"
        estimate = f"{seconds / 60:.0f}" + (
            f" + {how} {train_minutes:.0f}" if trains and train_minutes else
            f" + {how} ?" if trains else "")
        evaluations = (", ".join(missing) or "-") + (f" ({', '.join(done)})" if done else "")
        lines.append(f"{run.name:<40} {state.status:<16} {evaluations:<52} {estimate}")
        if state.status == "not started":
            commands.append(run.train_command(runs_dir))
        if state.status in ("foreign", "missing preset", "in progress"):
            lines.append(f"{'':<40} {state.detail}")
    for filename in (ENSEMBLES_FILE, SPEED_FILE):
        there = os.path.isfile(os.path.join(results_dir, filename))
        lines.append(f"{filename:<40} {'written' if there else 'missing'}")
    lines += [
        "",
        f"Left: {to_train} run(s) to train and {presets} zoo preset(s) to build"
        + (f" (about {train_minutes:.0f} min each: the mean training wall time on the zoo "
           f"cards)" if train_minutes else "") + f", evaluations about {eval_seconds / 60:.0f} "
        f"min (at {PASSES_PER_SECOND:.0f} forward passes/s, measured for the width-16 ResNet-18 "
        f"on this 2-core machine; a Hessian-vector product counted as {HVP_PASSES} passes, an "
        f"assumption; generating the corruptions adds about a minute per process).",
    ]
    if commands:
        lines += ["", "Runs not started (the study trains them itself, or start them by hand):"]
        lines += [f"  {command}" for command in commands]
    return "\n".join(lines)
