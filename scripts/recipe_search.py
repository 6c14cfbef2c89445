"""The zoo's recipe search on the Fashion-MNIST hold-out (train[:50000] / train[50000:60000]).

Usage (from the repository root; resumable: a finished run is skipped, a killed one resumes
from its last backup):
    python scripts/recipe_search.py run --lane=0 --lanes=2 [--runs_dir=~/runs/search]
    python scripts/recipe_search.py collect      # finished runs -> docs/recipe_search/runs/*.json
    python scripts/recipe_search_report.py       # -> docs/recipe_search.md and its plot

Every run trains on the first 50,000 training images and validates on the last 10,000; the test
split is read only by each run's final evaluation and is not used by any choice. Lane k of n takes
the runs k, k+n, ... of `RUNS` in order.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

WIDTH = 16
#: name -> (model, schedule, scheduled epochs, MC dropout rate or None)
RUNS = {
    "dnn_cosine_e15": ("resnet_dnn_18", "cosine", 15, None),
    "mcdo0.3_cosine_e15": ("resnet_mcdo_18", "cosine", 15, 0.3),
    "dnn_multistep_e15": ("resnet_dnn_18", "multistep", 15, None),
    "mcdo0.1_cosine_e15": ("resnet_mcdo_18", "cosine", 15, 0.1),
    "mcdo0.05_cosine_e15": ("resnet_mcdo_18", "cosine", 15, 0.05),
    "mcdo0.2_cosine_e15": ("resnet_mcdo_18", "cosine", 15, 0.2),
    "dnn_cosine_e30": ("resnet_dnn_18", "cosine", 30, None),
    "mcdo0.3_multistep_e15": ("resnet_mcdo_18", "multistep", 15, 0.3),
}
#: Finished runs' records, committed (outside zoo/, whose JSON files ship in the wheel).
RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs", "recipe_search",
                       "runs")


def command(name: str, runs_dir: str) -> list[str]:
    model, schedule, epochs, rate = RUNS[name]
    model_args = {"width": WIDTH} if rate is None else {"width": WIDTH, "mc_dropout": rate}
    return [sys.executable, "-m", "blur_keras.training", f"--model={model}",
            "--dataset=fashion_mnist", "--validation=holdout", f"--schedule={schedule}",
            f"--epochs={epochs}", f"--model_args={json.dumps(model_args)}",
            "--eval_ensemble_sizes=1,10", "--verbose=2",
            f"--model_dir={os.path.join(runs_dir, name)}"]


def run(lane: int, lanes: int, runs_dir: str) -> None:
    for name in list(RUNS)[lane::lanes]:
        if os.path.exists(os.path.join(runs_dir, name, "result.json")):
            continue
        print("running", name, " ".join(command(name, runs_dir)), flush=True)
        subprocess.run(command(name, runs_dir), check=True)
        collect(runs_dir)


def collect(runs_dir: str) -> None:
    os.makedirs(RESULTS, exist_ok=True)
    for name in RUNS:
        directory = os.path.join(runs_dir, name)
        if not os.path.exists(os.path.join(directory, "result.json")):
            continue
        record = {"name": name, "command": " ".join(command(name, "RUNS_DIR")[1:])}
        for part in ("run", "curves", "result"):
            with open(os.path.join(directory, f"{part}.json")) as f:
                record[part] = json.load(f)
        with open(os.path.join(RESULTS, f"{name}.json"), "w") as f:
            json.dump(record, f, indent=1, sort_keys=True)
            f.write("\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=("run", "collect"))
    parser.add_argument("--lane", type=int, default=0)
    parser.add_argument("--lanes", type=int, default=1)
    parser.add_argument("--runs_dir", default=os.path.expanduser("~/runs/search"))
    args = parser.parse_args()
    runs_dir = os.path.expanduser(args.runs_dir)
    if args.step == "run":
        run(args.lane, args.lanes, runs_dir)
    else:
        collect(runs_dir)


if __name__ == "__main__":
    main()
