import numpy as np
import pytest

from blur_keras import plots


def test_reliability_diagram_saves_png(tmp_path):
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(200, 5)) * 2
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    labels = rng.integers(0, 5, 200)
    path = tmp_path / "reliability.png"
    fig = plots.reliability_diagram(probs, labels, title="test", path=str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "ECE" in fig.axes[0].get_title()
    assert len(fig.axes[0].patches) == 20   # accuracy + gap bars for 10 bins


def test_ensemble_size_curves(tmp_path):
    results = {"MC dropout": {1: 1.02, 2: .94, 50: .85},
               "MC dropout + smooth": {1: .91, 2: .855, 50: .80}}
    fig = plots.ensemble_size_curves(results, path=str(tmp_path / "curves.png"))
    assert len(fig.axes[0].lines) == 2
    assert (tmp_path / "curves.png").stat().st_size > 1000
    with pytest.raises(ValueError, match="at least one model"):
        plots.ensemble_size_curves({})


def corruption_table():
    return {c: {s: {"accuracy": 1 - 0.1 * s, "nll": 0.2 * s, "ece": 0.01 * s} for s in (1, 2, 3)}
            for c in ("fog", "snow")}


def test_corruption_heatmap_and_metric_vs_severity(tmp_path):
    fig = plots.corruption_heatmap(corruption_table(), "nll", path=str(tmp_path / "h.png"))
    assert fig.axes[0].images[0].get_array().shape == (2, 3)
    assert len(fig.axes[0].texts) == 6 and (tmp_path / "h.png").stat().st_size > 1000
    fig = plots.metric_vs_severity({"a": corruption_table(), "b": corruption_table()})
    np.testing.assert_allclose(fig.axes[0].lines[0].get_ydata(), [0.9, 0.8, 0.7])
    with pytest.raises(ValueError, match="missing"):
        plots.corruption_heatmap(corruption_table(), "brier")
    with pytest.raises(ValueError, match="at least one"):
        plots.metric_vs_severity({})


def test_image_grid(tmp_path):
    grid = np.random.default_rng(0).random((2, 3, 8, 8, 1))
    fig = plots.image_grid(grid, ["a", "b"], [1, 2, 3], path=str(tmp_path / "g.png"))
    assert len(fig.axes) == 6 and fig.axes[0].get_title() == "1"
    with pytest.raises(ValueError, match="row and 3 column labels"):
        plots.image_grid(grid, ["a"], [1, 2, 3])
    with pytest.raises(ValueError, match="grid must have shape"):
        plots.image_grid(grid[0], ["a"], [1])


def test_learning_curves_plot_training_against_validation(tmp_path):
    curves = {"validation": "holdout", "epoch": [1, 2, 3], "best_val_nll_epoch": 2,
              "train_nll": [1.2, .8, .6], "val_nll": [1.0, .7, .75],
              "train_accuracy": [.6, .7, .8], "val_accuracy": [.65, .72, .71],
              "train_ece": [.05, .04, .03], "val_ece": [.02, .03, .05]}
    fig = plots.learning_curves(curves, title="run", path=str(tmp_path / "curves.png"))
    assert [axis.get_ylabel() for axis in fig.axes] == ["NLL", "accuracy", "ECE"]
    np.testing.assert_allclose(fig.axes[0].lines[1].get_ydata(), [1.0, .7, .75])
    np.testing.assert_allclose(fig.axes[2].lines[0].get_ydata(), [.05, .04, .03])
    assert fig.axes[1].lines[2].get_xdata()[0] == 2                 # the best epoch
    assert "hold-out" in fig.axes[0].get_legend().get_texts()[1].get_text()
    assert (tmp_path / "curves.png").stat().st_size > 1000
    with pytest.raises(ValueError, match="val_ece"):
        plots.learning_curves({k: v for k, v in curves.items() if k != "val_ece"})
