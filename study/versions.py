"""Which results the study writes and which the report is made from.

Version 1 (the 5-epoch study) lives in `study/results/<run>/`, version 2 (the zoo's converged
recipe) in `study/results/v2/<run>/`. `python -m study run` and `status` work on version 2.
The report is made from version 2 once it is complete (every planned evaluation JSON and the
deep ensembles), or once version 1's files are gone; until then from version 1, so that the
committed report never shows a half-run study. When version 2 lands, version 1's folders are
removed from the tree (`git rm`; they stay in the history).
"""

from __future__ import annotations

import glob
import os

from study.plan import Plan, study_plan

RESULTS_ROOT = os.path.join("study", "results")
RESULTS_DIRS = {1: RESULTS_ROOT, 2: os.path.join(RESULTS_ROOT, "v2")}
#: The version `python -m study run` and `status` work on.
CURRENT = 2
#: A study-level file the report needs besides the per-run evaluations.
REQUIRED_STUDY_FILES = ("ensembles.json",)


def plan_of(version: int) -> Plan:
    """The plan of a version's results."""
    if version == 1:
        from study.plan_v1 import v1_plan
        return v1_plan()
    if version == 2:
        return study_plan()
    raise ValueError(f"unknown study version {version}; expected one of {sorted(RESULTS_DIRS)}")


def version_of(results_dir: str) -> int:
    """The version whose folder `results_dir` is (any other folder: `CURRENT`)."""
    wanted = os.path.normpath(os.path.abspath(results_dir))
    for version, directory in RESULTS_DIRS.items():
        if os.path.normpath(os.path.abspath(directory)) == wanted:
            return version
    return CURRENT


def missing(plan: Plan, results_dir: str) -> list[str]:
    """The evaluation JSONs (and `REQUIRED_STUDY_FILES`) of `plan` not in `results_dir`."""
    wanted = [os.path.join(run.name, f"{name}.json") for run in plan.runs
              for name in run.evaluations] + list(REQUIRED_STUDY_FILES)
    return [path for path in wanted if not os.path.isfile(os.path.join(results_dir, path))]


def has_results(results_dir: str) -> bool:
    """Whether some run folder directly in `results_dir` (not another version's folder in it)
    holds an evaluation JSON."""
    others = {os.path.basename(directory) for directory in RESULTS_DIRS.values()}
    return any(os.path.basename(path) != "result.json"
               and os.path.basename(os.path.dirname(path)) not in others
               for path in glob.glob(os.path.join(results_dir, "*", "*.json")))


def reported_version(root: str = ".") -> int:
    """The version the report is made from (see the module docstring)."""
    newest = os.path.join(root, RESULTS_DIRS[CURRENT])
    oldest = os.path.join(root, RESULTS_DIRS[1])
    if not missing(plan_of(CURRENT), newest) or not has_results(oldest):
        return CURRENT
    return 1
