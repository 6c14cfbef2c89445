"""The reproduction study: the paper's claims re-measured with this project's code.

A workbench of the repository, not part of the installed library: it lives beside its
results (`study/results/`) and runs from the repository root.

`study_plan()` is the study as data (runs, evaluations, sizes); `run_study` trains what is
missing and writes one small JSON per evaluation into `study/results/v2/` (resumable: nothing
finished is computed twice); `build_report` rebuilds `docs/REPRODUCTION.md` and its figures
from those JSONs alone. Command line: `python -m study run|status|report`. Names
are imported on first use.
"""

from blur_keras.lazy import lazy_exports

_EXPORTS = {
    "Plan": "plan", "Run": "plan", "Settings": "plan", "study_plan": "plan",
    "run_study": "runner", "run_state": "runner", "StudyError": "runner",
    "build_report": "report", "render": "report",
    "format_status": "status",
    "compute_ensembles": "ensembles", "measure_speed": "speed", "MachineBusy": "speed",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
