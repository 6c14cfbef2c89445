"""The reproduction study as data: its runs, what each is evaluated on, and with which sizes.

`study_plan()` is the study of `docs/REPRODUCTION.md`: ResNet-18 at the zoo's width on
Fashion-MNIST with the zoo's recipe (`zoo/build.json`), 3 seeds of the four variants (seed 0
is the zoo preset, never trained again), the reference AlexNet as the corruption baseline, and
one seed of each ablation of the smoothing layer. Nothing here imports Keras.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Mapping, Sequence

from blur_keras.corruptions.perturbations import NAMES as PERTURBATIONS

#: The four variants of claims 1-4 and 6, as (without, with) smoothing pairs.
PAIRS = {"dnn": ("resnet_dnn_18", "resnet_dnn_smoothing_18"),
         "mcdo": ("resnet_mcdo_18", "resnet_mcdo_smoothing_18")}
MAIN_MODELS = PAIRS["dnn"] + PAIRS["mcdo"]
SEEDS = (0, 1, 2)
#: Seed 0 of each main model is this zoo preset: `{model}.{ZOO_TAG}`.
ZOO_TAG = "fmnist_w16"
BASELINE_MODEL = "alexnet_dnn"
#: Registered name of the baseline run's severity sums (`blur_keras.robustness.BASELINES`).
BASELINE_NAME = "{dataset}_c_alexnet"
#: The ablations of claim 5 (seed 0 of `ABLATED_MODEL`): suffix, what changes, model_args
#: beyond the zoo's (the preset itself: Prob tanh t = 10, 2x2 box blur, "full" padding, all
#: four stages).
ABLATED_MODEL = "resnet_mcdo_smoothing_18"
ABLATIONS: tuple[tuple[str, str, dict], ...] = (
    ("blur_only", "Blur alone (no Prob)", {"smoothing": {"prob": None, "temperature": None}}),
    ("t1", "tanh temperature 1", {"smoothing": {"temperature": 1.0}}),
    ("t100", "tanh temperature 100", {"smoothing": {"temperature": 100.0}}),
    ("k121", "kernel (1, 2, 1), \"same\" padding", {"smoothing": {"kernel": [1, 2, 1]}}),
    ("k14641", "kernel (1, 4, 6, 4, 1), \"same\" padding",
     {"smoothing": {"kernel": [1, 4, 6, 4, 1]}}),
    ("pad_same", "2x2 box, size-preserving \"same\" padding", {"smoothing": {"padding": "same"}}),
    ("stage1", "smoothing after stage 1 only", {"smoothing_stages": [1]}),
    ("stage2", "smoothing after stage 2 only", {"smoothing_stages": [2]}),
    ("stage3", "smoothing after stage 3 only", {"smoothing_stages": [3]}),
    ("stage4", "smoothing after stage 4 only", {"smoothing_stages": [4]}),
)
#: Per-run evaluations (one JSON each in the run's results folder).
EVALUATIONS = ("clean", "corruptions", "consistency", "variance", "fourier", "hessian")
#: Study-level steps (one JSON each in the results folder) after the per-run ones.
STUDY_STEPS = ("ensembles", "baseline", "speed")
STEPS = ("train", "evaluate") + STUDY_STEPS


@dataclasses.dataclass(frozen=True)
class Settings:
    """Sizes and seeds of the evaluations (every JSON records the values it used).

    Attributes:
        eval_seed: `keras.utils.set_random_seed` before each evaluation loads its model.
        eval_batch: images per prediction batch (and per corruption batch: part of its seed).
        test_subset: first N test images of the clean evaluation (None: the whole split).
        main_sizes: N of the clean evaluation of the main runs: one pass of max(N) samples
            per image, N = n uses its first n (deterministic models: N = 1).
        ablation_sizes: the same for the ablations.
        corruption_images: first N test images, corrupted (15 corruptions x 5 severities).
        corruption_seed: seed of the generated corruptions and perturbation sequences.
        consistency_images: first N test images, one perturbation sequence each.
        consistency_frames: frames per sequence.
        perturbations: `blur_keras.corruptions.perturbations` names.
        analysis_images: first N test images of the variance and Fourier analyses.
        variance_samples: executions of the variance analysis.
        hessian_batches, hessian_batch_size, hessian_iterations: training batches (with the
            training augmentation, seed `eval_seed`), their size, power-iteration steps.
        speed_train_batch, speed_eval_batch: batch of a timed training / inference step.
        speed_warmup, speed_steps, speed_rounds: untimed steps per model, timed steps per
            round, rounds (the models take turns in each round).
        speed_max_other_load: refuse to time when other processes keep more than this many
            CPUs busy on average (runnable tasks besides this one).
    """

    eval_seed: int = 0
    eval_batch: int = 500
    test_subset: int | None = None
    main_sizes: tuple[int, ...] = (1, 2, 3, 4, 5, 10, 20, 50)
    ablation_sizes: tuple[int, ...] = (1, 2, 5, 10)
    corruption_images: int = 1000
    corruption_seed: int = 0
    consistency_images: int = 200
    consistency_frames: int = 10
    perturbations: tuple[str, ...] = PERTURBATIONS
    analysis_images: int = 128
    variance_samples: int = 10
    hessian_batches: int = 10
    hessian_batch_size: int = 128
    hessian_iterations: int = 20
    speed_train_batch: int = 128
    speed_eval_batch: int = 500
    speed_warmup: int = 3
    speed_steps: int = 10
    speed_rounds: int = 3
    speed_max_other_load: float = 0.5


@dataclasses.dataclass(frozen=True)
class Run:
    """One model of the study: trained (or taken from the zoo) once, evaluated several ways.

    Attributes:
        name: `{model}.s{seed}` (main runs, the baseline) or `{model}.{ablation}`.
        model: registry name.
        seed: training seed.
        group: `"main"`, `"baseline"` or `"ablation"`.
        options: `TrainConfig` fields besides `model` and `model_dir` (dataset, model_args,
            epochs, milestones, seed, ...).
        evaluations: names of `EVALUATIONS` to compute.
        sizes: ensemble sizes of the clean evaluation.
        preset: the zoo preset that *is* this run (seed 0), or None: trained by the study.
        probabilities: also store the N = 1 test probabilities (deep ensembles).
        description: what the run changes (ablations).
    """

    name: str
    model: str
    seed: int
    group: str
    options: Mapping[str, Any]
    evaluations: tuple[str, ...]
    sizes: tuple[int, ...] = (1,)
    preset: str | None = None
    probabilities: bool = False
    description: str = ""

    def train_options(self) -> dict[str, Any]:
        """`TrainConfig` keyword arguments (without `model_dir`)."""
        options = {key: (tuple(value) if isinstance(value, list) and key != "model_args"
                         else value) for key, value in self.options.items()}
        return {"model": self.model, "eval_ensemble_sizes": (1,), **options}

    def train_command(self, runs_dir: str) -> str:
        """The `python -m blur_keras.training` line that trains this run into `runs_dir`."""
        import shlex
        flags = [("model", self.model)]
        for key, value in self.train_options().items():
            if key == "model" or value is None:
                continue
            if key == "model_args":
                text = json.dumps(value) if value else None
            elif isinstance(value, (tuple, list)):
                text = ",".join(str(v) for v in value)
            elif isinstance(value, bool):
                flags.append((key if value else f"no{key}", None))
                continue
            else:
                text = str(value)
            if text is not None:
                flags.append((key, text))
        flags.append(("model_dir", f"{runs_dir.rstrip('/')}/{self.name}"))
        return "python -m blur_keras.training " + " ".join(
            f"--{key}" if text is None else f"--{key}={shlex.quote(text)}" for key, text in flags)


@dataclasses.dataclass(frozen=True)
class Plan:
    """The study: its runs and settings, and which runs the claims compare.

    Attributes:
        runs: every run, main ones first.
        settings: evaluation sizes.
        pairs: `{pair: (model without smoothing, model with smoothing)}`.
        seeds: seeds of the main runs.
        baseline: name of the baseline run (AlexNet), or None.
        ablation_references: `(no smoothing, default smoothing)` run names the
            ablations are compared with.
        speed_runs: run names timed side by side (claim 5).
        ensemble_models: models whose seeds make deep ensembles.
        dataset: the dataset of every run.
    """

    runs: tuple[Run, ...]
    settings: Settings
    pairs: Mapping[str, tuple[str, str]]
    seeds: tuple[int, ...]
    baseline: str | None
    ablation_references: tuple[str, str] | None
    speed_runs: tuple[str, ...]
    ensemble_models: tuple[str, ...]
    dataset: str

    def names(self) -> list[str]:
        return [run.name for run in self.runs]

    def get(self, name: str) -> Run:
        for run in self.runs:
            if run.name == name:
                return run
        raise KeyError(name)

    def ablations(self) -> list[Run]:
        return [run for run in self.runs if run.group == "ablation"]

    def select(self, only: Sequence[str] | None = None,
               shard: tuple[int, int] | None = None) -> list[Run]:
        """The runs named in `only` (default all), then those of shard `(i, k)` (1-based).

        Raises:
            ValueError: an unknown name, or a bad shard.
        """
        runs = list(self.runs)
        if only:
            unknown = [name for name in only if name not in self.names()]
            if unknown:
                raise ValueError(f"unknown runs {unknown}; the study's runs are "
                                 f"{', '.join(self.names())}.")
            runs = [run for run in runs if run.name in only]
        if shard is not None:
            index, count = shard
            if not 1 <= index <= count:
                raise ValueError(f"shard must be i/k with 1 <= i <= k; got {index}/{count}.")
            runs = runs[index - 1::count]
        return runs


def run_name(model: str, seed: int) -> str:
    return f"{model}.s{seed}"


def _zoo_recipe(model: str, zoo_dir: str | None) -> dict[str, Any]:
    """The training options of the zoo preset `{model}.{ZOO_TAG}` (`zoo/build.json`)."""
    from blur_keras.zoo.files import BUILD_FILE, PresetError, read_build_spec
    presets = read_build_spec(zoo_dir)["presets"]
    name = f"{model}.{ZOO_TAG}"
    if name not in presets:
        raise PresetError(f"{name} is not in the zoo's {BUILD_FILE}: the study's recipe is the "
                          f"zoo's.")
    options = {key: value for key, value in presets[name].items() if key != "notes"}
    options.pop("seed", None)
    return options


def study_plan(*, models: Sequence[str] = MAIN_MODELS, seeds: Sequence[int] = SEEDS,
               ablations: Sequence[tuple[str, str, dict]] = ABLATIONS,
               baseline: bool = True, recipe: Mapping[str, Any] | None = None,
               presets: bool = True, settings: Settings | None = None,
               zoo_dir: str | None = None) -> Plan:
    """The study's plan (by default the one of `docs/REPRODUCTION.md`).

    Args:
        models: main models (pairs are kept where both members are present).
        seeds: their seeds.
        ablations: `(suffix, description, extra model_args)` of `ABLATED_MODEL`, seed 0.
        baseline: include the AlexNet baseline run.
        recipe: `TrainConfig` options of every run (dataset, model_args, epochs, ...);
            default: each main model's zoo preset options in `build.json` (the AlexNet
            baseline and the ablations take those of `ABLATED_MODEL`; AlexNet without
            model_args: the reference AlexNet).
        presets: seed 0 of each main model is its zoo preset `{model}.{ZOO_TAG}`.
        settings: evaluation sizes (default `Settings()`).
        zoo_dir: the zoo whose `build.json` gives the recipe.

    Returns:
        The `Plan`.
    """
    settings = settings or Settings()

    def options(model: str, seed: int, extra: Mapping[str, Any] | None = None,
                reference: str | None = None) -> dict[str, Any]:
        base = dict(recipe) if recipe is not None else _zoo_recipe(reference or model, zoo_dir)
        model_args = dict(base.get("model_args") or {})
        model_args.update(extra or {})
        return {**base, "model_args": model_args, "seed": seed}

    runs = []
    for model in models:
        stochastic = "mcdo" in model
        for seed in seeds:
            evaluations = ["clean", "corruptions", "consistency", "variance", "fourier"]
            if stochastic:              # the paper's Hessian spectra are of MC dropout models
                evaluations.append("hessian")
            runs.append(Run(
                name=run_name(model, seed), model=model, seed=seed, group="main",
                options=options(model, seed), evaluations=tuple(evaluations),
                sizes=settings.main_sizes if stochastic else (1,),
                preset=f"{model}.{ZOO_TAG}" if presets and seed == 0 else None,
                probabilities=True))
    if baseline:
        base = options(BASELINE_MODEL, 0, reference=ABLATED_MODEL) if recipe is None \
            else options(BASELINE_MODEL, 0)
        if recipe is None:
            base["model_args"] = {}
        runs.append(Run(name=run_name(BASELINE_MODEL, 0), model=BASELINE_MODEL, seed=0,
                        group="baseline", options=base, evaluations=("clean", "corruptions"),
                        description="the corruption baseline (reference AlexNet)"))
    for suffix, description, extra in ablations:
        runs.append(Run(name=f"{ABLATED_MODEL}.{suffix}", model=ABLATED_MODEL, seed=0,
                        group="ablation", evaluations=("clean",),
                        options=options(ABLATED_MODEL, 0, extra, reference=ABLATED_MODEL),
                        sizes=settings.ablation_sizes, description=description))
    names = {run.name for run in runs}
    pairs = {key: pair for key, pair in PAIRS.items() if set(pair) <= set(models)}
    references = tuple(run_name(m, 0) for m in PAIRS["mcdo"])
    references = references if set(references) <= names and ablations else None
    speed = tuple(run.name for run in runs if run.group == "ablation")
    if references:
        speed = references + speed
    ensemble_models = tuple(m for m in PAIRS["dnn"] if m in models)
    return Plan(runs=tuple(runs), settings=settings, pairs=pairs, seeds=tuple(seeds),
                baseline=run_name(BASELINE_MODEL, 0) if baseline else None,
                ablation_references=references, speed_runs=speed,
                ensemble_models=ensemble_models,
                dataset=runs[0].options["dataset"] if runs else "fashion_mnist")
