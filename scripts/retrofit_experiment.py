"""The retrofit experiment (issue 21): what smoothing put into an already trained network buys.

Usage (from the repository root; resumable: a finished step is skipped, a killed training run
resumes from its last backup):
    python scripts/retrofit_experiment.py plan                  # the runs, lanes, commands, cost
    python scripts/retrofit_experiment.py run --lane=0 --lanes=2 [--runs_dir=~/runs/retrofit]
    python scripts/retrofit_experiment.py run --lane=1 --lanes=2 [--runs_dir=~/runs/retrofit]
    python scripts/retrofit_experiment.py collect [--runs_dir=...]  # -> docs/retrofit/runs/*.json
    python scripts/retrofit_experiment.py outcomes [--runs_dir=...] # -> docs/retrofit/outcomes/
    python scripts/retrofit_report.py                           # -> docs/retrofit.md's section

For the deterministic and the MC dropout ResNet-18 presets (`SOURCES`), four cells:
(a) `preset`: the preset as it is; (b) `finetuned`: fine-tuned `FINE_TUNE` without smoothing;
(c) `retrofitted`: retrofitted with smoothing (`RETROFIT`), then fine-tuned the same way;
(d) `smoothing_preset`: the twin preset trained with smoothing from scratch (`TWINS`). Every cell is
one `python -m blur_keras.training` run with `--init_from` (cells (a) and (d) with
`--epochs=0 --warmup_epochs=0`: nothing trained), so all four are evaluated by the same code: the
hold-out (`train[50000:60000]`, the numbers to compare) and the test split (reported only), at
N = 1 and 10; fine-tuning reads `train[:50000]`. Then `python -m blur_keras.robustness` scores each
run's `model.keras` on the generated corruptions (`CORRUPTIONS`), and `outcomes` records each
test image's NLL at the family's compared N (one seeded pass of the run's `model.keras`), from
which the report draws paired bootstrap intervals. A run is named `<dnn|mcdo>_<cell>`.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shlex
import subprocess
import sys

from blur_keras.startup import thread_environment

#: The presets retrofitted, and their twins trained with smoothing from scratch.
SOURCES = {"dnn": "resnet_dnn_18.fmnist_w16", "mcdo": "resnet_mcdo_18.fmnist_w16"}
TWINS = {"dnn": "resnet_dnn_smoothing_18.fmnist_w16", "mcdo": "resnet_mcdo_smoothing_18.fmnist_w16"}
#: The short fine-tuning recipe of cells (b) and (c): scheduled epochs, no warm-up.
FINE_TUNE = {"epochs": 3, "schedule": "cosine", "lr": 0.01, "warmup_epochs": 0, "seed": 0}
#: The retrofit of cell (c): the builders' placement and reference padding ("full" for the 2x2
#: box blur), so that (c) is the architecture of (d) and differs from it only in its training.
RETROFIT = {"padding": "reference"}
#: Ensemble sizes of every evaluation (a deterministic network is evaluated at N = 1 only).
ENSEMBLE_SIZES = (1, 10)
#: The corruption summary: the 15 generated corruptions x 5 severities on the first `images`
#: test images, seed 0, N = `samples` (MC dropout at its N = 10; one pass is one sample).
CORRUPTIONS = {"images": 500, "seed": 0, "samples": {"dnn": 1, "mcdo": 10}}
#: The N each family is compared at (a deterministic network has one sample), and the seed of the
#: pass that records each test image's NLL there (`outcomes`): what the report's intervals read.
COMPARED_N = {"dnn": 1, "mcdo": 10}
OUTCOMES_SEED = 0
CELLS = ("preset", "finetuned", "retrofitted", "smoothing_preset")
FAMILIES = ("dnn", "mcdo")
#: Runs in the order the lanes take them (round robin): the most expensive first.
ORDER = ("mcdo_retrofitted", "mcdo_finetuned", "dnn_retrofitted", "dnn_finetuned",
         "mcdo_preset", "mcdo_smoothing_preset", "dnn_preset", "dnn_smoothing_preset")
#: Throughput assumed by `estimate_seconds` (one core, images per second): training measured on
#: this project's 2-core machine; inference taken as three times training (no backward pass).
TRAIN_RATE = {"dnn": 300.0, "mcdo": 230.0}
INFERENCE_FACTOR = 3.0
#: Per process: TensorFlow's start, data, model (seconds).
STARTUP_SECONDS = 20.0
HOLDOUT_IMAGES, TEST_IMAGES, TRAIN_IMAGES, BATCH = 10_000, 10_000, 50_000, 128
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
#: Finished runs' records, committed (outside zoo/, whose JSON files ship in the wheel).
RESULTS = os.path.join(ROOT, "docs", "retrofit", "runs")
#: Each finished run's per-image test outcomes at its family's compared N, committed.
OUTCOMES = os.path.join(ROOT, "docs", "retrofit", "outcomes")


def parse(name: str) -> tuple[str, str]:
    """`(family, cell)` of a run name, e.g. `("mcdo", "retrofitted")`."""
    family, _, cell = name.partition("_")
    if family not in FAMILIES or cell not in CELLS:
        raise ValueError(f"not a run of the experiment: {name!r} (expected <dnn|mcdo>_<cell>, "
                         f"cell one of {list(CELLS)}).")
    return family, cell


def training_command(name: str, runs_dir: str) -> list[str]:
    """The `python -m blur_keras.training` command of a run."""
    family, cell = parse(name)
    preset = TWINS[family] if cell == "smoothing_preset" else SOURCES[family]
    command = [sys.executable, "-m", "blur_keras.training", f"--model={preset.partition('.')[0]}",
               "--dataset=fashion_mnist", f"--init_from={preset}", "--validation=holdout",
               f"--eval_ensemble_sizes={','.join(map(str, ENSEMBLE_SIZES))}", "--verbose=2",
               f"--seed={FINE_TUNE['seed']}"]
    if cell in ("preset", "smoothing_preset"):
        command += ["--epochs=0", "--warmup_epochs=0"]
    else:
        command += [f"--{key}={FINE_TUNE[key]}" for key in ("epochs", "schedule", "lr",
                                                              "warmup_epochs")]
    if cell == "retrofitted":
        command.append(f"--retrofit={json.dumps(RETROFIT)}")
    return command + [f"--model_dir={os.path.join(runs_dir, name)}"]


def corruption_command(name: str, runs_dir: str) -> list[str]:
    """The `python -m blur_keras.robustness` command that scores a run's `model.keras`."""
    family, _ = parse(name)
    return [sys.executable, "-m", "blur_keras.robustness",
            f"--model={os.path.join(runs_dir, name, 'model.keras')}", "--dataset=fashion_mnist",
            f"--subset={CORRUPTIONS['images']}", f"--seed={CORRUPTIONS['seed']}",
            f"--num_samples={CORRUPTIONS['samples'][family]}", "--baseline=none",
            f"--output_dir={os.path.join(runs_dir, name, 'corruptions')}"]


def shown(command: list[str]) -> str:
    """A command as a user types it in a shell (`python -m ...`, the JSON flag quoted)."""
    return shlex.join(["python", *command[1:]])


def lane_runs(lane: int, lanes: int) -> list[str]:
    """The runs of lane `lane` of `lanes`: every `lanes`-th run of `ORDER`."""
    if not 0 <= lane < lanes:
        raise ValueError(f"--lane must be in 0..{lanes - 1}; got {lane}.")
    return list(ORDER[lane::lanes])


def estimate_seconds(name: str) -> float:
    """A run's CPU time on one core, from the assumed throughput (`TRAIN_RATE`)."""
    family, cell = parse(name)
    train, infer = TRAIN_RATE[family], TRAIN_RATE[family] * INFERENCE_FACTOR
    samples = max(ENSEMBLE_SIZES) if family == "mcdo" else 1
    seconds = 2 * STARTUP_SECONDS + (HOLDOUT_IMAGES + TEST_IMAGES) * samples / infer
    seconds += 15 * 5 * CORRUPTIONS["images"] * CORRUPTIONS["samples"][family] / infer
    if cell in ("finetuned", "retrofitted"):
        epochs = FINE_TUNE["epochs"] + FINE_TUNE["warmup_epochs"]
        seconds += epochs * (TRAIN_IMAGES // BATCH * BATCH / train + HOLDOUT_IMAGES / infer)
    return seconds


def trained(run_dir: str) -> bool:
    """Whether a run's training (or, for cells (a) and (d), its evaluation) has finished."""
    result = os.path.join(run_dir, "result.json")
    if not os.path.isfile(result):
        return False
    with open(result) as f:
        return json.load(f).get("status") == "finished"


def finished(run_dir: str) -> bool:
    """Whether a run's training and its corruption summary are both done."""
    return trained(run_dir) and os.path.isfile(
        os.path.join(run_dir, "corruptions", "corruptions.json"))


def run(lane: int, lanes: int, runs_dir: str, threads: int) -> None:
    """Trains (or evaluates) and scores the lane's runs in order, collecting each one finished."""
    environment = dict(os.environ, **thread_environment(threads))
    for name in lane_runs(lane, lanes):
        run_dir = os.path.join(runs_dir, name)
        if finished(run_dir):
            continue
        commands = [corruption_command(name, runs_dir)]
        if not trained(run_dir):
            commands.insert(0, training_command(name, runs_dir))
        for command in commands:
            print("running", name, shown(command), flush=True)
            subprocess.run(command, check=True, env=environment)
        collect(runs_dir)


def _card(preset: str) -> dict:
    with open(os.path.join(ROOT, "zoo", preset, "metadata.json")) as f:
        return json.load(f)


def source_facts(preset: str) -> dict:
    """What a preset's card says about its training images (did it see the hold-out?)."""
    card = _card(preset)
    config = card.get("training", {}).get("config", {})
    return {"preset": preset, "version": card.get("version"),
            "train": card.get("splits", {}).get("train"),
            "validation": config.get("validation", "test"),
            "train_subset": config.get("train_subset")}


def corruption_summary(path: str) -> dict:
    """Means over corruptions and severities (error, NLL, ECE), and the table of
    `corruptions.json`."""
    with open(path) as f:
        content = json.load(f)
    table = {corruption: {severity: {key: row[key] for key in ("accuracy", "nll", "ece")}
                          for severity, row in rows.items()}
             for corruption, rows in content["table"].items()}
    rows = [row for by_severity in table.values() for row in by_severity.values()]
    mean = {"error": sum(1 - row["accuracy"] for row in rows) / len(rows),
            "nll": sum(row["nll"] for row in rows) / len(rows),
            "ece": sum(row["ece"] for row in rows) / len(rows)}
    return {"config": content["config"], "mean": mean, "table": table}


def collect(runs_dir: str) -> None:
    """Copies every finished run's run.json, curves.json, result.json and corruption summary,
    with its commands and its source preset's card facts, into `RESULTS`."""
    os.makedirs(RESULTS, exist_ok=True)
    for name in ORDER:
        directory = os.path.join(runs_dir, name)
        if not finished(directory):
            continue
        family, cell = parse(name)
        preset = TWINS[family] if cell == "smoothing_preset" else SOURCES[family]
        record = {"name": name,
                  "commands": [shown(training_command(name, "RUNS_DIR")),
                               shown(corruption_command(name, "RUNS_DIR"))],
                  "source": source_facts(preset)}
        for part in ("run", "curves", "result"):
            path = os.path.join(directory, f"{part}.json")
            if os.path.isfile(path):          # no curves.json without an epoch trained
                with open(path) as f:
                    record[part] = json.load(f)
        record["corruptions"] = corruption_summary(
            os.path.join(directory, "corruptions", "corruptions.json"))
        with open(os.path.join(RESULTS, f"{name}.json"), "w") as f:
            json.dump(record, f, indent=1, sort_keys=True)
            f.write("\n")


def outcomes_record(name: str, runs_dir: str) -> dict:
    """Each test image's label and NLL for a finished run's `model.keras` at its family's
    `COMPARED_N`, from one pass seeded `OUTCOMES_SEED` over the whole test split."""
    import keras

    from blur_keras import data, evaluation
    from blur_keras.publishing.image_outcomes import outcomes
    family, _ = parse(name)
    n = COMPARED_N[family]
    keras.utils.set_random_seed(OUTCOMES_SEED)
    model = keras.saving.load_model(os.path.join(runs_dir, name, "model.keras"))
    test = data.load("fashion_mnist", "test", batch_size=500, training=False, download=False)
    results, probs, labels = evaluation.evaluate_ensemble_sizes(model, test, (n,),
                                                                progress=False)
    return {**outcomes(probs[n], labels, n, "test split, all images"), "seed": OUTCOMES_SEED,
            "metrics": results[n]}


def collect_outcomes(runs_dir: str) -> None:
    """Writes the outcomes (`outcomes_record`) of every finished run that has none yet into
    `OUTCOMES`."""
    os.makedirs(OUTCOMES, exist_ok=True)
    for name in ORDER:
        path = os.path.join(OUTCOMES, f"{name}.json")
        if os.path.isfile(path) or not finished(os.path.join(runs_dir, name)):
            continue
        print("per-image test outcomes of", name, flush=True)
        record = outcomes_record(name, runs_dir)
        with open(path + ".tmp", "w") as f:
            json.dump(record, f, separators=(",", ":"))
            f.write("\n")
        os.replace(path + ".tmp", path)


def load_outcomes(directory: str = OUTCOMES) -> dict[str, dict]:
    """The committed outcomes, by run name."""
    records = {}
    for path in sorted(glob.glob(os.path.join(directory, "*.json"))):
        with open(path) as f:
            records[os.path.basename(path)[:-len(".json")]] = json.load(f)
    return records


def load_runs(directory: str = RESULTS) -> dict[str, dict]:
    """The collected runs' records, by run name."""
    records = {}
    for path in sorted(glob.glob(os.path.join(directory, "*.json"))):
        with open(path) as f:
            record = json.load(f)
        records[record["name"]] = record
    return records


def plan(lanes: int, runs_dir: str) -> str:
    """The lanes, each run's commands and estimated CPU time, as text."""
    lines = []
    for lane in range(lanes):
        names = lane_runs(lane, lanes)
        total = sum(estimate_seconds(name) for name in names)
        lines.append(f"lane {lane}: {len(names)} runs, about {total / 60:.0f} CPU-minutes")
        for name in names:
            lines.append(f"  {name} (~{estimate_seconds(name) / 60:.0f} min)")
            lines += [f"    {shown(c)}" for c in (training_command(name, runs_dir),
                                                  corruption_command(name, runs_dir))]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=("plan", "run", "collect", "outcomes"))
    parser.add_argument("--lane", type=int, default=0)
    parser.add_argument("--lanes", type=int, default=2)
    parser.add_argument("--runs_dir", default=os.path.expanduser("~/runs/retrofit"))
    parser.add_argument("--threads", type=int, default=1, help="TensorFlow threads per run.")
    args = parser.parse_args()
    if args.lanes < 1:
        parser.error(f"--lanes must be >= 1; got {args.lanes}")
    runs_dir = os.path.abspath(os.path.expanduser(args.runs_dir))
    if args.step == "plan":
        print(plan(args.lanes, runs_dir))
    elif args.step == "run":
        try:
            lane_runs(args.lane, args.lanes)
        except ValueError as error:
            parser.error(str(error))
        run(args.lane, args.lanes, runs_dir, args.threads)
    elif args.step == "collect":
        collect(runs_dir)
    else:
        os.environ.update(thread_environment(args.threads))
        collect_outcomes(runs_dir)


if __name__ == "__main__":
    main()
