"""The zoo's recipe search on the Fashion-MNIST hold-out (train[:50000] / train[50000:60000]).

Usage (from the repository root; resumable: a finished run is skipped, a killed one resumes
from its last backup):
    python scripts/recipe_search.py run --lane=0 [--runs_dir=~/runs/search]   # and --lane=1
    python scripts/recipe_search.py collect      # finished runs -> docs/recipe_search/runs/*.json
    python scripts/recipe_search_report.py       # -> docs/recipe_search.md and its plot
    python scripts/recipe_search.py restore --runs_dir=...   # kept runs back as run directories

Every run trains on the first 50,000 training images and validates on the last 10,000; the test
split is read only by each run's final evaluation and is not used by any choice. The search is
sized for one 2-core machine for about two and a half hours: two lanes, one thread each
(`LANES`). A run is named `<dnn|mcdo<rate>>_<schedule>_e<scheduled epochs>`. The rate runs come
first; lane 1 then waits for the rate choice and trains MC dropout at that rate for 15 epochs
with the cosine schedule (the working assumption, fixed before any result; if the schedule
comparison picks multistep, the plan adds the same run with multistep).

The rules (fixed before any result; `decisions`), all on validation NLL:
- schedule: the deterministic network after 15 epochs, cosine vs multistep;
- MC dropout rate: the lowest NLL at N = 10 of the four short (5-epoch, cosine) runs;
- epochs: 15 is kept when it beats the shorter cosine run of the same network (deterministic:
  10, MC dropout at the chosen rate: 5, at N = 10); whether it converged is read from the size
  of that gain and the curves.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import time

from blur_keras.startup import thread_environment

WIDTH = 16
RATES = (0.05, 0.1, 0.2, 0.3)
RATE_RUNS = tuple(f"mcdo{rate}_cosine_e5" for rate in RATES)
#: Stands for `mcdo<chosen rate>_cosine_e15` until the rate is chosen.
CHOSEN_MCDO = "mcdo_chosen_e15"
LANES = (
    ("mcdo0.05_cosine_e5", "mcdo0.2_cosine_e5", "dnn_cosine_e15", "dnn_multistep_e15"),
    ("mcdo0.3_cosine_e5", "mcdo0.1_cosine_e5", CHOSEN_MCDO, "dnn_cosine_e10"),
)
#: Finished runs' records, committed (outside zoo/, whose JSON files ship in the wheel).
RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs", "recipe_search",
                       "runs")
#: The `model.keras` of every finished 15-epoch run (the zoo's candidates), committed so that a
#: preset can be published from its run on another machine (`restore`) without training it again.
MODELS = os.path.join(os.path.dirname(RESULTS), "models")
KEPT_EPOCHS = 15
_PARTS = ("run", "curves", "result")
_NAME = re.compile(r"^(dnn|mcdo(?P<rate>0\.\d+))_(?P<schedule>cosine|multistep)_e(?P<epochs>\d+)$")


def parse(name: str) -> tuple[str, str, int, float | None]:
    """`(model, schedule, scheduled epochs, MC dropout rate or None)` of a run name."""
    match = _NAME.match(name)
    if match is None:
        raise ValueError(f"not a run name of the search: {name!r} (expected e.g. "
                         "'dnn_cosine_e15' or 'mcdo0.1_multistep_e15').")
    rate = match["rate"]
    return ("resnet_dnn_18" if rate is None else "resnet_mcdo_18", match["schedule"],
            int(match["epochs"]), None if rate is None else float(rate))


def command(name: str, runs_dir: str) -> list[str]:
    """The training command of a run."""
    model, schedule, epochs, rate = parse(name)
    model_args = {"width": WIDTH} if rate is None else {"width": WIDTH, "mc_dropout": rate}
    return [sys.executable, "-m", "blur_keras.training", f"--model={model}",
            "--dataset=fashion_mnist", "--validation=holdout", f"--schedule={schedule}",
            f"--epochs={epochs}", f"--model_args={json.dumps(model_args)}",
            "--eval_ensemble_sizes=1,10", "--verbose=2",
            f"--model_dir={os.path.join(runs_dir, name)}"]


def load_runs(directory: str | None = None) -> dict[str, dict]:
    """The finished runs' records (`collect`; default directory `RESULTS`), by run name."""
    records = {}
    for path in sorted(glob.glob(os.path.join(directory or RESULTS, "*.json"))):
        with open(path) as f:
            record = json.load(f)
        records[record["name"]] = record
    return records


def validation_nll(record: dict, n: int) -> float:
    """A run's validation NLL at N samples (the final evaluation; N = 1 for a deterministic run)."""
    results = record["result"]["validation"]
    return results[str(n)]["nll"] if str(n) in results else results["1"]["nll"]


def pick(records: dict[str, dict], candidates: dict[str, str], n: int) -> dict:
    """The candidate with the lowest validation NLL at N, or an open choice naming what is missing.

    Args:
        records: finished runs by name.
        candidates: run name -> the option it stands for.
        n: the number of MC samples compared (1 for deterministic runs).

    Returns:
        `{"choice": option or None, "values": {option: NLL}, "missing": [run names]}`.
    """
    missing = [name for name in candidates if name not in records]
    values = {option: validation_nll(records[name], n) for name, option in candidates.items()
              if name in records}
    choice = None if missing else min(values, key=values.get)
    return {"choice": choice, "values": values, "missing": missing}


def chosen_mcdo_run(chosen: dict[str, dict], schedule: str = "cosine") -> str | None:
    """The 15-epoch MC dropout run at the chosen rate with `schedule`, or None while the rate is
    open."""
    rate = chosen["rate"]["choice"]
    return None if rate is None else f"mcdo{rate}_{schedule}_e15"


def decisions(records: dict[str, dict]) -> dict[str, dict]:
    """The search's choices by their rules (see the module docstring)."""
    chosen = {
        "schedule": pick(records, {"dnn_cosine_e15": "cosine", "dnn_multistep_e15": "multistep"}, 1),
        "rate": pick(records, {name: str(parse(name)[3]) for name in RATE_RUNS}, 10),
        "epochs (deterministic)": pick(records, {"dnn_cosine_e10": "10", "dnn_cosine_e15": "15"}, 1),
    }
    rate = chosen["rate"]["choice"]
    short = f"mcdo{rate}_cosine_e5" if rate else "the chosen rate's 5-epoch run"
    mcdo = chosen_mcdo_run(chosen) or CHOSEN_MCDO
    chosen["epochs (MC dropout)"] = pick(records, {short: "5", mcdo: "15"}, 10)
    return chosen


def planned_runs(records: dict[str, dict]) -> list[str]:
    """The search's runs in lane order, `CHOSEN_MCDO` resolved once the rate is chosen, and the
    multistep MC dropout run added if multistep is the chosen schedule."""
    chosen = decisions(records)
    names = [chosen_mcdo_run(chosen) or CHOSEN_MCDO if name == CHOSEN_MCDO else name
             for lane in LANES for name in lane]
    if chosen["schedule"]["choice"] == "multistep" and chosen["rate"]["choice"] is not None:
        names.append(chosen_mcdo_run(chosen, "multistep"))
    return names


def run(lane: int, runs_dir: str, threads: int, poll_seconds: float = 60.0) -> None:
    """Trains the lane's runs in order, each with `threads` TensorFlow threads, collecting each
    finished one."""
    environment = dict(os.environ, **thread_environment(threads))
    for name in LANES[lane]:
        while name == CHOSEN_MCDO:
            collect(runs_dir)
            name = chosen_mcdo_run(decisions(load_runs())) or CHOSEN_MCDO
            if name == CHOSEN_MCDO:
                print("waiting for the rate choice", flush=True)
                time.sleep(poll_seconds)
        if os.path.exists(os.path.join(runs_dir, name, "result.json")):
            continue
        print("running", name, " ".join(command(name, runs_dir)), flush=True)
        subprocess.run(command(name, runs_dir), check=True, env=environment)
        collect(runs_dir)


def collect(runs_dir: str) -> None:
    """Copies every finished run's run.json, curves.json and result.json into `RESULTS`."""
    os.makedirs(RESULTS, exist_ok=True)
    for directory in sorted(glob.glob(os.path.join(runs_dir, "*"))):
        name = os.path.basename(directory)
        if not _NAME.match(name) or not os.path.exists(os.path.join(directory, "result.json")):
            continue
        record = {"name": name, "command": " ".join(command(name, "RUNS_DIR")[1:])}
        for part in _PARTS:
            with open(os.path.join(directory, f"{part}.json")) as f:
                record[part] = json.load(f)
        with open(os.path.join(RESULTS, f"{name}.json"), "w") as f:
            json.dump(record, f, indent=1, sort_keys=True)
            f.write("\n")
        if parse(name)[2] == KEPT_EPOCHS:
            os.makedirs(MODELS, exist_ok=True)
            shutil.copyfile(os.path.join(directory, "model.keras"),
                            os.path.join(MODELS, f"{name}.keras"))


def restore(runs_dir: str) -> list[str]:
    """Writes every kept run back as a finished run directory `runs_dir/<name>` (run.json,
    curves.json, result.json, model.keras), e.g. to publish it as a zoo preset on another
    machine; an existing directory is left alone. Returns the names written."""
    written = []
    for name, record in load_runs().items():
        model = os.path.join(MODELS, f"{name}.keras")
        directory = os.path.join(runs_dir, name)
        if not os.path.exists(model) or os.path.exists(directory):
            continue
        os.makedirs(directory)
        for part in _PARTS:
            with open(os.path.join(directory, f"{part}.json"), "w") as f:
                json.dump(record[part], f, indent=2)
        shutil.copyfile(model, os.path.join(directory, "model.keras"))
        written.append(name)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=("run", "collect", "restore"))
    parser.add_argument("--lane", type=int, default=0, choices=range(len(LANES)))
    parser.add_argument("--runs_dir", default=os.path.expanduser("~/runs/search"))
    parser.add_argument("--threads", type=int, default=1, help="TensorFlow threads per run.")
    args = parser.parse_args()
    runs_dir = os.path.expanduser(args.runs_dir)
    if args.step == "run":
        run(args.lane, runs_dir, args.threads)
    elif args.step == "collect":
        collect(runs_dir)
    else:
        print("restored", ", ".join(restore(runs_dir)) or "nothing")


if __name__ == "__main__":
    main()
