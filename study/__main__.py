"""`python -m study`: the reproduction study (run it, see where it stands, report it).

Commands:
    run     trains what is missing and writes every missing evaluation JSON (resumable):
            python -m study run --runs_dir=runs/study [--only=NAMES]
                [--shard=1/2] [--steps=train,evaluate,ensembles,baseline,speed] [--threads=1]
    status  what is done and missing, with the estimated cost and the training commands:
            python -m study status --runs_dir=runs/study
    report  rebuilds docs/REPRODUCTION.md and docs/reproduction/*.png from the results:
            python -m study report

Run it from the repository root. All three work on version 2 of the study (the zoo's converged
recipe, study/results/v2/; version 1, the 5-epoch recipe, is in the git history). Exit codes:
0 done, 2 a bad flag, run directory or results folder (one `error:` line).
"""

from __future__ import annotations

import os

from absl import flags

from blur_keras.startup import ProgramError, run_tensorflow_program, thread_environment
from study.results import RESULTS_DIR

FLAGS = flags.FLAGS
COMMANDS = ("run", "status", "report")
flags.DEFINE_string("runs_dir", None, "run, status: where the training runs are (one directory "
                    "per run name; e.g. runs/study, ignored by git).")
flags.DEFINE_string("results_dir", None, "The results folder (committed). Default: "
                    f"{RESULTS_DIR}.")
flags.DEFINE_list("only", None, "run: these run names only (see `status`).")
flags.DEFINE_string("shard", None, "run: i/k: every k-th run from the i-th (1-based), to split "
                    "the runs over k processes.")
flags.DEFINE_list("steps", None, "run: some of train, evaluate, ensembles, baseline, speed, or "
                  "evaluation names (clean, corruptions, consistency, variance, fourier, "
                  "predictive, hessian, landscape, bn_adaptation); default all. With --only or "
                  "--shard the study-level steps (ensembles, baseline, speed) run only when "
                  "named here.")
flags.DEFINE_integer("threads", None, "run: TensorFlow intra- and inter-op threads (default: "
                     "TensorFlow's, all cores); 1 for one process per core with --shard.")
flags.DEFINE_string("data_dir", None, "Directory of the dataset (see blur_keras.data.load).")
flags.DEFINE_string("output", "docs/REPRODUCTION.md", "report: the markdown file; the figures go "
                    "into reproduction/ next to it.")


def _shard():
    if FLAGS.shard is None:
        return None
    try:
        index, count = (int(part) for part in FLAGS.shard.split("/"))
    except ValueError:
        raise ValueError(f"--shard must be i/k (e.g. 1/2); got {FLAGS.shard!r}.") from None
    if not 1 <= index <= count:
        raise ValueError(f"--shard must be i/k with 1 <= i <= k; got {FLAGS.shard!r}.")
    return index, count


def _checked(command: str) -> dict:
    """The arguments of `command`, checked before TensorFlow starts (one `ValueError` each)."""
    if command == "report":
        return {}
    if not FLAGS.runs_dir:
        raise ValueError("--runs_dir is required (where the training runs are, e.g. "
                         "runs/study).")
    from study.plan import study_plan
    plan = study_plan()
    if command == "status":
        return {"plan": plan}
    from study.runner import parse_steps
    shard = _shard()
    plan.select(FLAGS.only, shard)          # unknown names: a ValueError naming them
    parse_steps(FLAGS.steps)
    if FLAGS.threads is not None and FLAGS.threads < 1:
        raise ValueError(f"--threads must be a positive integer; got {FLAGS.threads}.")
    return {"plan": plan, "shard": shard}


def _run(command: str, args: dict) -> None:
    results_dir = FLAGS.results_dir or RESULTS_DIR
    if command == "report":
        from study.report import build_report
        written = build_report(results_dir=results_dir, output=FLAGS.output)
        print(f"Wrote {written['report']} and {len(written['figures'])} figure(s).")
        return
    if command == "status":
        from study.status import format_status
        print(format_status(args["plan"], FLAGS.runs_dir, results_dir))
        return
    from study.runner import run_study
    summary = run_study(args["plan"], FLAGS.runs_dir, results_dir, only=FLAGS.only,
                        shard=args["shard"], steps=FLAGS.steps, data_dir=FLAGS.data_dir)
    written = sum(len(names) for names in summary["evaluated"].values())
    print(f"Done: {len(summary['trained'])} run(s) trained, {written} evaluation(s) written"
          + (f", {', '.join(summary['study'])}" if summary["study"] else "")
          + f". `python -m study status --runs_dir={FLAGS.runs_dir}` shows what is "
            f"left; commit {results_dir}.")


def check(argv: list[str]) -> tuple[str, dict]:
    """The command and its checked arguments, before TensorFlow starts (it reads the threads)."""
    if len(argv) != 2 or argv[1] not in COMMANDS:
        raise ProgramError(f"expected one command of {', '.join(COMMANDS)}; got {argv[1:]} "
                           f"(flags are --name=value).")
    command = argv[1]
    args = _checked(command)
    if FLAGS.threads is not None:
        os.environ.update(thread_environment(FLAGS.threads))   # read when TensorFlow starts
    return command, args


def main(command_and_args: tuple[str, dict]) -> None:
    _run(*command_and_args)


if __name__ == "__main__":
    run_tensorflow_program(main, check)
