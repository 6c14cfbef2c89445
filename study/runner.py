"""Runs the study: trains what is missing, evaluates every run once, writes small JSONs.

Resumable at every level: a training run resumes in its run directory (or is returned when
finished; a directory of another configuration is refused), and an evaluation whose JSON is
in the results folder is never computed again. Nothing is committed: the results folder is
meant to be committed by hand as runs finish. Seed 0 of each main model is its zoo preset's
run: it trains in `<runs_dir>/<preset>`, where `python -m blur_keras.zoo build
--runs_dir=<runs_dir>` trains it too (same options: either finds the other's run done), and a
zoo that already publishes the preset with the same options is used as it is.

Layout of the results folder (small files, committed): `<run>/result.json` (the training
run's, or for a published preset its card's training section), `<run>/<evaluation>.json`,
`<run>/probabilities.npz` (main runs: N = 1 test probabilities, float16), and the study-level
`ensembles.json` and `speed.json`.
"""

from __future__ import annotations

import dataclasses
import glob
import json
import os
import platform
import time
from typing import Callable, Sequence

from study.ensembles import ENSEMBLES_FILE, compute_ensembles, ensemble_inputs
from study.context import Context
from study.evaluations import EVALUATORS
from study.plan import BASELINE_NAME, EVALUATIONS, STEPS, Plan, Run
from study.results import RESULTS_DIR, read_json
from study.speed import SPEED_FILE, MachineBusy, measure_speed, other_load

RESULT_FILE = "result.json"


class StudyError(ValueError):
    """A run directory or results folder the study cannot use (the message says why)."""


@dataclasses.dataclass(frozen=True)
class RunState:
    """Where a run stands: `published`/`finished` (ready to evaluate), `missing preset`,
    `not started`, `in progress` or `foreign` (its directory holds another run)."""

    status: str
    detail: str = ""

    @property
    def ready(self) -> bool:
        return self.status in ("published", "finished")

    def __str__(self) -> str:
        return self.status + (f" ({self.detail})" if self.detail else "")


def run_dir(run: Run, runs_dir: str) -> str:
    """The run's directory: `runs_dir/<run.directory>` (a preset run's is the preset's name)."""
    return os.path.join(os.path.expanduser(runs_dir), run.directory)


def published_preset(run: Run) -> RunState | None:
    """`published` when a zoo holds `run.preset` trained with the run's own options; a
    `not started` state saying so when the zoo's preset is of another recipe; else None."""
    from blur_keras.zoo.files import read_index, zoo_directories
    if not run.preset or not any(run.preset in read_index(d) for d in zoo_directories()):
        return None
    from blur_keras import zoo
    from blur_keras.publishing.preset_members import recipe_differences
    changed = recipe_differences(zoo.card(run.preset), run.train_options())
    if changed:
        return RunState("not started", f"the zoo's {run.preset} is of another recipe "
                                       f"({'; '.join(changed)}): the study trains it")
    return RunState("published", f"zoo preset {run.preset}")


def run_state(run: Run, runs_dir: str) -> RunState:
    """Where `run` stands, read-only (nothing is created or claimed).

    A preset run is `published` when its directory holds no run yet and a zoo holds the
    preset trained with the same options (`published_preset`); otherwise it is a run like
    the others, in `run_dir` (where the zoo build trains the preset too).
    """
    from blur_keras.training import TrainConfig
    from blur_keras.training.run_directory import RESULT_FILE as RUN_RESULT
    from blur_keras.training.run_directory import RUN_FILE, differences, identity
    directory = run_dir(run, runs_dir)
    record = os.path.join(directory, RUN_FILE)
    if not os.path.isfile(record):
        leftovers = sorted(n for n in os.listdir(directory) if not n.startswith(".")) \
            if os.path.isdir(directory) else []
        if leftovers:
            return RunState("foreign", f"{directory} holds files of no blur_keras run: "
                                       f"{', '.join(leftovers[:3])}")
        return published_preset(run) or RunState("not started")
    with open(record) as f:
        recorded = json.load(f)
    current = identity(TrainConfig(model_dir=directory, **run.train_options()).resolved())
    changed = differences(recorded, current)
    if changed:
        return RunState("foreign", f"{directory} holds another run: {'; '.join(changed)}")
    result_path = os.path.join(directory, RUN_RESULT)
    if os.path.isfile(result_path):
        with open(result_path) as f:
            status = json.load(f).get("status")
        if status == "finished":
            return RunState("finished")
        return RunState("in progress", f"status {status}")
    epochs = len(glob.glob(os.path.join(directory, "backup", "epoch_*")))
    return RunState("in progress", f"{epochs} epoch backup(s)")


def usable_state(run: Run, runs_dir: str) -> RunState:
    """`run_state(run, runs_dir)`, refused when the run's directory holds another run.

    Raises:
        StudyError: the directory is foreign (the message says what it holds).
    """
    state = run_state(run, runs_dir)
    if state.status == "foreign":
        raise StudyError(f"{run.name}: {state.detail}. Move it away or use another --runs_dir.")
    return state


def write_json(path: str, content: dict) -> None:
    """Writes `content` as indented JSON atomically."""
    with open(path + ".tmp", "w") as f:
        json.dump(content, f, indent=2)
        f.write("\n")
    os.replace(path + ".tmp", path)


def machine() -> str:
    return f"{os.cpu_count()}-core {platform.machine()} CPU"


def train_run(run: Run, runs_dir: str, report: Callable[[str], None], verbose: int = 2) -> bool:
    """Trains (or resumes) `run` in its run directory unless it is finished or published.

    Returns:
        Whether it trained in this call.

    Raises:
        StudyError: its directory holds another run.
    """
    state = usable_state(run, runs_dir)
    if state.ready:
        return False
    from blur_keras.training import TrainConfig, train
    report(f"== {run.name}: training ({state}); the same as `{run.train_command(runs_dir)}`")
    train(TrainConfig(model_dir=run_dir(run, runs_dir), verbose=verbose, **run.train_options()),
          report=report)
    return True


def source_of(run: Run, state: RunState) -> str:
    """Where the evaluated model comes from, in words (recorded in every JSON)."""
    if state.status == "published":
        return f"zoo preset {run.preset}"
    what = f"trained with `{run.train_command('<runs_dir>')}`"
    return what + (f" (the run of the zoo preset {run.preset})" if run.preset else "")


def training_record(run: Run, runs_dir: str, state: RunState) -> dict:
    """The run's `result.json`: the training run's, or a published preset's training section."""
    if state.status == "published":
        from blur_keras import zoo
        card = zoo.card(run.preset)
        return {"status": "finished", "source": f"zoo preset {run.preset}", "preset": run.preset,
                "config": card["training"]["config"], "training": card["training"],
                "parameters": card["parameters"], "versions": card["versions"]}
    with open(os.path.join(run_dir(run, runs_dir), RESULT_FILE)) as f:
        return json.load(f)


def load_model(run: Run, runs_dir: str, state: RunState):
    """The trained model of `run`: its run's `model.keras`, or the published preset (verified;
    the bare network, as `model.keras`: both take standardised images)."""
    if state.status == "published":
        from blur_keras import zoo
        return zoo.load(run.preset, include_preprocessing=False, compile=False)
    import keras
    return keras.saving.load_model(os.path.join(run_dir(run, runs_dir), "model.keras"),
                                   safe_mode=True, compile=False)


def pending_evaluations(run: Run, results_dir: str, names: Sequence[str]) -> list[str]:
    """The evaluations of `run` among `names` whose JSON is not written yet."""
    return [name for name in run.evaluations if name in names
            and not os.path.isfile(os.path.join(results_dir, run.name, f"{name}.json"))]


def needs_training(run: Run, results_dir: str) -> bool:
    """Whether `run` has an evaluation left to write: a run whose every evaluation JSON is in
    the results folder (committed, say, from another machine) is not trained again."""
    return bool(pending_evaluations(run, results_dir, EVALUATIONS))


def evaluate_run(run: Run, runs_dir: str, results_dir: str, names: Sequence[str],
                 context: Context, report: Callable[[str], None]) -> list[str]:
    """Computes and writes the pending evaluations of a trained run; returns those written."""
    pending = pending_evaluations(run, results_dir, names)
    if not pending:
        return []
    state = run_state(run, runs_dir)
    if not state.ready:
        report(f"{run.name}: {', '.join(pending)} wait for the model ({state})")
        return []
    import keras
    from blur_keras.random_state import assign_values, random_state_variables, read_values
    from blur_keras.training.trainer import versions
    out = os.path.join(results_dir, run.name)
    os.makedirs(out, exist_ok=True)
    trained = read_json(os.path.join(out, RESULT_FILE))
    if trained is None:
        trained = training_record(run, runs_dir, state)
        write_json(os.path.join(out, RESULT_FILE), trained)
    # One model per run; before each evaluation its random generators go back to their
    # state right after a seeded load, so each JSON is what a fresh process computes.
    keras.utils.set_random_seed(context.settings.eval_seed)
    model = load_model(run, runs_dir, state)
    generators = random_state_variables(model)
    initial = read_values(generators)
    written = []
    for name in pending:
        report(f"== {run.name}: {name}")
        start = time.perf_counter()
        keras.utils.set_random_seed(context.settings.eval_seed)
        assign_values(generators, initial)
        content = EVALUATORS[name](model, run, context, out)
        seconds = time.perf_counter() - start
        record = {"evaluation": name, "run": run.name, "model": run.model, "seed": run.seed,
                  "model_args": trained["config"].get("model_args") or {},
                  "source": source_of(run, state),
                  "command": f"python -m study run --only={run.name} --steps={name} "
                             f"--runs_dir=<runs_dir>",
                  "eval_seed": context.settings.eval_seed,
                  "precision": keras.config.dtype_policy().name,
                  **content, "versions": versions(), "machine": machine(),
                  "seconds": round(seconds, 1)}
        write_json(os.path.join(out, f"{name}.json"), record)
        written.append(name)
        report(f"{run.name}: {name}.json written ({seconds:.0f} s)")
    return written


def write_ensembles(plan: Plan, results_dir: str, report: Callable[[str], None]) -> bool:
    """(Re)writes `ensembles.json` when its members changed; returns whether it wrote."""
    path = os.path.join(results_dir, ENSEMBLES_FILE)
    existing = read_json(path)
    inputs = ensemble_inputs(plan, results_dir)
    if existing is not None and existing["config"]["inputs"] == inputs:
        return False
    content = compute_ensembles(plan, results_dir)
    if content is None:
        report("ensembles: no member's probabilities yet")
        return False
    content["command"] = "python -m study run --steps=ensembles --runs_dir=<runs_dir>"
    write_json(path, content)
    report(f"ensembles: {ENSEMBLES_FILE} written from {len(inputs)} member(s)")
    return True


def default_baseline_dir() -> str:
    from blur_keras.robustness import baselines
    return os.path.join(os.path.dirname(baselines.__file__), "baseline_sums")


def write_baseline(plan: Plan, results_dir: str, baseline_dir: str | None,
                   report: Callable[[str], None]) -> bool:
    """Writes the baseline run's severity sums as a registered baseline, if new or changed.

    The file (`{dataset}_c_alexnet.json` in `blur_keras/robustness/baseline_sums/`) records
    the data it was measured on (generated corruptions, seed, first N test images), so
    `python -m blur_keras.robustness --baseline=auto` uses it only for the same images.
    """
    if plan.baseline is None:
        return False
    source = read_json(os.path.join(results_dir, plan.baseline, "corruptions.json"))
    if source is None:
        report(f"baseline: waits for {plan.baseline}/corruptions.json")
        return False
    from blur_keras.robustness import Baseline, severity_sums
    from blur_keras.robustness import write_baseline as write_baseline_file
    config = source["config"]
    table = {c: {int(s): row for s, row in rows.items()}
             for c, rows in source["result"]["table"].items()}
    name = BASELINE_NAME.format(dataset=config["dataset"])
    baseline = Baseline(
        name=name, model=f"{source['model']} (the reference AlexNet), run {source['run']} of "
                         f"the reproduction study",
        dataset=config["dataset"], source="generated", severities=tuple(config["severities"]),
        sums=severity_sums(table), seed=config["seed"], subset=config["subset"],
        description=f"Severity sums of {source['run']} ({source['source']}) on "
                    f"{config['images']} corrupted by blur_keras.corruptions (seed "
                    f"{config['seed']}), N = 1, ECE binning 'consistent'; written by `python -m "
                    f"study run --steps=baseline` from "
                    f"{results_dir}/{source['run']}/corruptions.json.")
    path = os.path.join(baseline_dir or default_baseline_dir(), f"{name}.json")
    temporary = path + ".new"
    write_baseline_file(baseline, temporary)
    with open(temporary) as f:
        new = f.read()
    if os.path.isfile(path):
        with open(path) as f:
            if f.read() == new:
                os.remove(temporary)
                return False
    os.replace(temporary, path)
    report(f"baseline: {path} written")
    return True


def write_speed(plan: Plan, results_dir: str, data_dir: str | None,
                report: Callable[[str], None], sample=other_load) -> bool:
    """Times the speed runs side by side into `speed.json` unless it holds them all."""
    path = os.path.join(results_dir, SPEED_FILE)
    existing = read_json(path)
    if not plan.speed_runs or (existing is not None
                               and set(existing["result"]) == set(plan.speed_runs)):
        return False
    report(f"== speed: {len(plan.speed_runs)} configurations side by side")
    try:
        content = measure_speed([plan.get(name) for name in plan.speed_runs], plan.dataset,
                                plan.settings, data_dir, report, sample)
    except MachineBusy as error:
        report(f"speed: not measured: {error}")
        return False
    content["command"] = "python -m study run --steps=speed --runs_dir=<runs_dir>"
    os.makedirs(results_dir, exist_ok=True)
    write_json(path, content)
    report(f"speed: {SPEED_FILE} written")
    return True


def parse_steps(steps: Sequence[str] | None) -> tuple[set[str], list[str]]:
    """`(steps, evaluations)` from `--steps` (steps and/or evaluation names; default all)."""
    if not steps:
        return set(STEPS), list(EVALUATIONS)
    known = set(STEPS) | set(EVALUATIONS)
    unknown = [step for step in steps if step not in known]
    if unknown:
        raise StudyError(f"unknown steps {unknown}; expected some of {list(STEPS)} or "
                         f"evaluations {list(EVALUATIONS)}.")
    evaluations = list(EVALUATIONS) if "evaluate" in steps \
        else [name for name in EVALUATIONS if name in steps]
    return set(steps) - set(EVALUATIONS) - {"evaluate"}, evaluations


def run_study(plan: Plan, runs_dir: str, results_dir: str = RESULTS_DIR, *,
              only: Sequence[str] | None = None, shard: tuple[int, int] | None = None,
              steps: Sequence[str] | None = None, data_dir: str | None = None,
              baseline_dir: str | None = None, report: Callable[[str], None] | None = None,
              sample=other_load) -> dict:
    """Trains, evaluates and summarises the study; skips everything already done.

    For each selected run: `train` (zoo presets are never trained; finished
    runs, and runs whose every evaluation is written, are not trained again),
    then each pending evaluation (`evaluate`, or the evaluation names
    given). Then the study-level steps: `ensembles` (from the stored
    probabilities), `baseline` (the AlexNet sums as a registered baseline)
    and `speed` (timed side by side; refused while other work runs). With
    `only` or `shard` the study-level steps run only when named in `steps`.

    Args:
        plan: the study (`study_plan()`).
        runs_dir: where the training runs are (one directory per run name).
        results_dir: the results folder (committed).
        only: run names (default: all).
        shard: `(i, k)`: every k-th selected run from the i-th (1-based), to
            split the runs over k processes.
        steps: steps (`STEPS`) and/or evaluation names (default: all).
        data_dir: where the dataset is.
        baseline_dir: where the registered baseline is written (default: the
            package's `blur_keras/robustness/baseline_sums/`).
        report: progress messages (default: print).
        sample: measures the other load before timings (tests replace it).

    Returns:
        `{"trained": [...], "evaluated": {run: [evaluations]}, "study": [steps written]}`.

    Raises:
        StudyError: an unknown run or step, a bad shard, or a foreign run directory.
    """
    report = report or (lambda message: print(message, flush=True))
    chosen, evaluation_names = parse_steps(steps)
    try:
        runs = plan.select(only, shard)
    except ValueError as error:
        raise StudyError(str(error)) from None
    for run in runs:       # refuse foreign directories before any compute
        usable_state(run, runs_dir)
    os.makedirs(results_dir, exist_ok=True)
    summary = {"trained": [], "evaluated": {}, "study": []}
    context = Context(plan.dataset, plan.settings, data_dir)
    for run in runs:
        if "train" in chosen and needs_training(run, results_dir) \
                and train_run(run, runs_dir, report):
            summary["trained"].append(run.name)
        written = evaluate_run(run, runs_dir, results_dir, evaluation_names, context, report)
        if written:
            summary["evaluated"][run.name] = written
    partial = bool(only or shard)
    explicit = set(steps or ())

    def wanted(step: str) -> bool:
        return step in chosen and (not partial or step in explicit)

    if wanted("ensembles") and write_ensembles(plan, results_dir, report):
        summary["study"].append("ensembles")
    if wanted("baseline") and write_baseline(plan, results_dir, baseline_dir, report):
        summary["study"].append("baseline")
    if wanted("speed") and write_speed(plan, results_dir, data_dir, report, sample):
        summary["study"].append("speed")
    return summary

