import json
import os
import subprocess
import sys

import numpy as np
import pytest

from blur_keras import plots


#: Tiny presets of the demo's two models, under their own tags (a name means one preset: the
#: shipped zoo holds the `fmnist_w16` ones).
PRESETS = ("resnet_mcdo_18.tiny_w4", "resnet_mcdo_smoothing_18.tiny_w4")
#: The tiny presets' cards and the demo both use the first TEST_SUBSET test images: two batches
#: of `card_evaluation.EVAL_BATCH` (500), so the random state carries over from one batch to the next.
TEST_SUBSET = 510
CORRUPTION_SUBSET = 40


def run_demo(*flags, env=None):
    return subprocess.run([sys.executable, "-m", "blur_keras.demo", *flags],
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **(env or {})})


@pytest.fixture(scope="session")
def tiny_mcdo_zoo(tmp_path_factory):
    """A zoo holding the two demo presets, trained for 2 steps at width 4 on 64 images."""
    from blur_keras.training import TrainConfig, train
    from blur_keras.publishing import publish
    root = tmp_path_factory.mktemp("demo_zoo")
    zoo_dir = root / "zoo"
    zoo_dir.mkdir()
    for name in PRESETS:
        run_dir = root / name
        train(TrainConfig(model=name.partition(".")[0], dataset="fashion_mnist",
                          model_dir=str(run_dir), model_args={"width": 4}, epochs=1,
                          warmup_epochs=0, batch_size=32, train_subset=64, eval_subset=64,
                          eval_ensemble_sizes=(1,), verbose=0, deterministic=False),
              report=lambda message: None)   # op determinism is process-wide: not here
        publish(str(run_dir), name, str(zoo_dir), progress=False, corruptions=False,
                test_subset=TEST_SUBSET)
    return zoo_dir


@pytest.mark.slow
@pytest.mark.tensorflow_only
@pytest.mark.real_data
def test_demo_reproduces_the_cards_and_writes_its_figures(tiny_mcdo_zoo, tmp_path):
    result = run_demo(f"--output_dir={tmp_path}", f"--test_subset={TEST_SUBSET}",
                      f"--corruption_subset={CORRUPTION_SUBSET}", f"--presets={','.join(PRESETS)}",
                      env={"BLUR_KERAS_ZOO_DIR": str(tiny_mcdo_zoo)})
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert out.count(" | match") == 4 and "DIFFER" not in out, out    # N = 1 and 10, two presets
    written = json.loads((tmp_path / "results.json").read_text())
    assert written["corruption_images"] == CORRUPTION_SUBSET
    rows = [line.split() for line in out.splitlines()]
    for column, name in enumerate(PRESETS):
        card = json.loads((tiny_mcdo_zoo / name / "metadata.json").read_text())
        ours = written["results"][name]
        assert set(ours) == {"clean", "gaussian_noise", "defocus_blur", "contrast"}
        # The cards' test split (here the same TEST_SUBSET images) comes from a 50-sample pass;
        # their first_1000 (here those images too) from the demo's 10-sample pass.
        assert set(card["evaluation"]["test"]) == {"1", "2", "5", "10", "20", "50"}
        recorded = card["evaluation"]["first_1000"]
        for n in ("1", "2", "5", "10"):
            # The demo feeds raw pixels to the presets as loaded; the cards were measured on the
            # bare networks with standardised images: the same up to float32 rounding.
            for key in ("nll", "accuracy", "ece", "brier"):
                assert ours["clean"][n][key] == pytest.approx(recorded[n][key], rel=1e-6,
                                                              abs=1e-9)
            assert ours["clean"][n]["accuracy"] == recorded[n]["accuracy"]
            for condition, label in (("clean", ["clean"]), ("contrast", ["contrast", "s3"])):
                row = next(r for r in rows if r[:len(label) + 1] == label + [n])
                nll, acc, ece = row[len(label) + 1 + 3 * column:len(label) + 4 + 3 * column]
                m = ours[condition][n]
                assert (nll, acc, ece) == (f"{m['nll']:.4f}", f"{100 * m['accuracy']:.2f}",
                                           f"{100 * m['ece']:.2f}")
    for name in PRESETS:
        for figure in (f"reliability_{name}_n1.png", f"reliability_{name}_n10.png",
                       f"least_certain_{name}.png"):
            assert (tmp_path / figure).stat().st_size > 10_000, figure
    assert (tmp_path / "nll_vs_n.png").stat().st_size > 10_000
    assert (tmp_path / "nll_vs_n_corrupted.png").stat().st_size > 10_000


@pytest.mark.slow
@pytest.mark.tensorflow_only
@pytest.mark.real_data
def test_demo_names_a_missing_preset_in_one_line(tiny_mcdo_zoo, tmp_path):
    result = run_demo(f"--output_dir={tmp_path}", "--presets=resnet_mcdo_18.fmnist_w17",
                      env={"BLUR_KERAS_ZOO_DIR": str(tiny_mcdo_zoo)})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "resnet_mcdo_18.fmnist_w17" in lines[0] and "resnet_mcdo_18.fmnist_w16" in lines[0]
    assert "resnet_mcdo_18.tiny_w4" in lines[0]              # the user's zoo is searched too


def test_least_certain_indices_rank_by_predictive_entropy():
    probs = [[0.9, 0.1, 0.0], [0.4, 0.3, 0.3], [1.0, 0.0, 0.0], [0.5, 0.5, 0.0]]
    # entropies 0.325, 1.089, 0, 0.693 nats
    np.testing.assert_array_equal(plots.least_certain_indices(probs, 3), [1, 3, 0])
    with pytest.raises(ValueError, match="count must be a positive integer"):
        plots.least_certain_indices(probs, 0)


@pytest.mark.slow
@pytest.mark.real_data
def test_walkthrough_runs_on_real_fashion_mnist(tmp_path):
    result = run_demo("--walkthrough", f"--output_dir={tmp_path}", "--index=1")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Fashion-MNIST test image 1 (Pullover)" in result.stdout
    assert "4 SpatialSmoothing layers" in result.stdout
    assert (tmp_path / "smoothing_steps.png").stat().st_size > 10_000


@pytest.mark.slow
@pytest.mark.real_data
def test_walkthrough_rejects_bad_index(tmp_path):
    result = run_demo("--walkthrough", f"--output_dir={tmp_path}", "--index=10000")
    assert result.returncode == 2
    assert "error: index must be in [0, 10000)" in result.stderr


def test_the_demo_compares_a_card_only_with_a_pass_of_as_many_samples():
    from blur_keras.demo.report import card_reference
    metrics = {"nll": 0.2, "accuracy": 0.9, "ece": 0.01}
    old = {"splits": {"test": "test split, all images"},
           "evaluation": {"stochastic": True, "test": {n: metrics for n in ("1", "2", "5", "10")},
                          "first_1000": {"1": metrics}}}
    new = {**old, "evaluation": {**old["evaluation"],
                                 "test": {n: metrics for n in ("1", "2", "5", "10", "20", "50")}}}
    # The whole split: a card of a 10-sample pass compares; one of a 50-sample pass does not.
    assert card_reference(old, None)[0].startswith("test numbers")
    assert card_reference(new, None) is None
    # The first 1,000 images: both cards' first_1000 (a 10-sample pass) compare.
    assert card_reference(new, 1000)[0].startswith("first_1000 numbers")
    deterministic = {**new, "evaluation": {"stochastic": False, "test": {"1": metrics},
                                           "first_1000": {"1": metrics}}}
    assert card_reference(deterministic, None)[0].startswith("test numbers")


@pytest.mark.parametrize("relative, verdict", [(1.02e-6, "match"), (2e-5, "DIFFER")])
def test_the_card_check_forgives_another_cpus_rounding_and_nothing_coarser(relative, verdict):
    # 1.02e-6 is what an AMD EPYC gave against a card made on an Intel Xeon (ECE, N = 1);
    # 2e-5 is still far below the printed digits, and it is a different number.
    from blur_keras.demo.report import card_check
    card_metrics = {"nll": 0.1498, "accuracy": 0.953, "ece": 0.0128}
    card = {"splits": {"test": "test split, all images"},
            "evaluation": {"stochastic": True,
                           "test": {n: card_metrics for n in ("1", "2", "5", "10", "20", "50")},
                           "first_1000": {"1": card_metrics, "10": card_metrics}}}
    ours = {**card_metrics, "ece": card_metrics["ece"] * (1 + relative)}
    demo = {"test_subset": 1000, "sizes": [1, 2, 5, 10],
            "presets": {"p": {"card": card, "results": {"clean": {1: ours, 10: card_metrics}}}}}
    lines = card_check(demo)
    assert lines[1].endswith(f"| {verdict}") and lines[2].endswith("| match"), lines
