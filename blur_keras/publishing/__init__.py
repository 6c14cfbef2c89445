"""The zoo, write side: presets made from training runs, measured for their cards, indexed.

`publish(run_dir, name)` turns a finished training run into a preset;
`publish_ensemble(run_dirs, name)` turns finished runs of one recipe (other seeds) into a deep
`Ensemble` preset; `build(runs_dir)` trains and publishes every preset of the zoo's `build.json`;
`reevaluate` measures the cards again, `rewrite_readmes` writes their READMEs
again; `save_preset` writes a preset directory. It may use training,
evaluation and robustness; the read side (`blur_keras.zoo`: names, card, load,
verify) uses none of them. Command line: `python -m blur_keras.publishing`
(also reached as `python -m blur_keras.zoo publish|build|readmes|reevaluate`).
Names are imported on first use.
"""

from blur_keras.lazy import lazy_exports

_EXPORTS = {
    "build": "building", "publish": "from_run", "publish_ensemble": "ensembles",
    "reevaluate": "reevaluation",
    "rewrite_readmes": "readmes", "save_preset": "saving",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
