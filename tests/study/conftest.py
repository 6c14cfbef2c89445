"""A tiny study: width-4 ResNets trained for 2 steps, evaluated on a few images."""

from study.plan import Settings, study_plan

#: Training options of every tiny run (eval_subset and deterministic are not part of a run's
#: identity; op determinism is process-wide: left off here).
TINY_RECIPE = {"dataset": "fashion_mnist", "model_args": {"width": 4}, "epochs": 1,
               "warmup_epochs": 0, "batch_size": 32, "train_subset": 64, "eval_subset": 32,
               "deterministic": False}
TINY_SETTINGS = Settings(
    eval_batch=32, test_subset=64, main_sizes=(1, 2, 3), ablation_sizes=(1, 2),
    corruption_images=8, consistency_images=4, consistency_frames=3,
    perturbations=("translate", "gaussian_noise"), analysis_images=8, variance_samples=2,
    hessian_batches=2, hessian_batch_size=8, hessian_iterations=2, speed_train_batch=16,
    speed_eval_batch=16, speed_warmup=1, speed_steps=1, speed_rounds=3)


def tiny_plan(**overrides):
    """The study's plan shape at tiny sizes (no baseline, no ablations unless asked)."""
    options = dict(models=("resnet_mcdo_18",), seeds=(0, 1), ablations=(), baseline=False,
                   recipe=TINY_RECIPE, settings=TINY_SETTINGS)
    options.update(overrides)
    return study_plan(**options)
