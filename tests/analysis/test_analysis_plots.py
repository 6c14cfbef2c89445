import numpy as np
import pytest

from blur_keras import plots


def is_png(path):
    return path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_uncertainty_by_layer(tmp_path):
    plain = {"stage1_block1_out": {"model_uncertainty": 0.03, "data_uncertainty": 0.06},
             "stage2_block1_out": {"model_uncertainty": 0.11, "data_uncertainty": 0.09}}
    smooth = {"stage1_block1_out": {"model_uncertainty": 0.03, "data_uncertainty": 0.06},
              "stage1_smooth": {"model_uncertainty": 0.01, "data_uncertainty": 0.03},
              "stage2_block1_out": {"model_uncertainty": 0.05, "data_uncertainty": 0.04}}
    fig = plots.uncertainty_by_layer({"MC dropout": plain, "+ smooth": smooth},
                                     path=str(tmp_path / "v.png"))
    top, bottom = fig.axes
    np.testing.assert_allclose(top.lines[2].get_ydata(), [0.03, 0.01, 0.05])
    np.testing.assert_allclose(bottom.lines[3].get_xdata(), [1])   # the smoothing square
    assert [t.get_text() for t in bottom.get_xticklabels()] == list(smooth)
    # The model without the smoothing layer skips its position: its blocks stay aligned.
    np.testing.assert_allclose(top.lines[0].get_xdata(), [0, 2])
    assert is_png(tmp_path / "v.png")
    with pytest.raises(ValueError, match="at least one model"):
        plots.uncertainty_by_layer({})


def test_log_amplitude_curves(tmp_path):
    frequencies = np.pi * np.array([0, 0.5, 1.0])
    curves = {"stage1": (frequencies, np.array([6.0, 2.0, 1.0])),
              "stage1_smooth": (frequencies, np.array([5.0, 1.0, -13.8]))}
    fig = plots.log_amplitude_curves(curves, path=str(tmp_path / "f.png"))
    absolute, relative = fig.axes
    np.testing.assert_allclose(absolute.lines[0].get_xdata(), [0, 0.5, 1.0])
    np.testing.assert_allclose(relative.lines[1].get_ydata(), [0.0, -4.0, -18.8])
    assert is_png(tmp_path / "f.png")


def test_max_eigenvalue_density_and_spectrum(tmp_path):
    values = np.random.default_rng(0).normal(100, 10, 50)
    fig = plots.max_eigenvalue_density({"GAP": values, "flat": np.full(3, 40.0)},
                                       path=str(tmp_path / "h.png"))
    kde = fig.axes[0].lines[0]
    x, y = kde.get_xdata(), kde.get_ydata()
    assert np.sum(y) * (x[1] - x[0]) == pytest.approx(1.0, abs=0.02)
    assert "mean" in kde.get_label() and "all 40" in fig.axes[0].lines[2].get_label()
    assert is_png(tmp_path / "h.png")
    grid = np.linspace(-1, 3, 9)
    fig = plots.hessian_spectrum({"GAP": (grid, np.exp(-grid ** 2))})
    np.testing.assert_allclose(fig.axes[0].lines[0].get_ydata(), np.exp(-grid ** 2))
    with pytest.raises(ValueError, match="at least one model"):
        plots.max_eigenvalue_density({"empty": []})


def test_loss_landscape_contour(tmp_path):
    grid = np.linspace(-0.1, 0.1, 5)
    losses = np.add.outer(grid ** 2, grid ** 2) + 0.5
    fig = plots.loss_landscape_contour(grid, losses, path=str(tmp_path / "l.png"))
    assert fig.axes[0].get_xlabel() == "direction 2"
    assert is_png(tmp_path / "l.png")
    with pytest.raises(ValueError, match=r"losses must have shape \(len\(grid\), len\(grid\)\)"):
        plots.loss_landscape_contour(grid, losses[:, :3])


def test_loss_landscape_panels_share_their_levels(tmp_path):
    grid = np.linspace(-0.1, 0.1, 5)
    sharp = np.add.outer(grid ** 2, grid ** 2) * 100 + 0.5
    fig = plots.loss_landscape_contour(grid, {"MC dropout": sharp, "+ smoothing": sharp / 10},
                                       path=str(tmp_path / "l2.png"))
    left, right = fig.axes[:2]
    assert [left.get_title(), right.get_title()] == ["MC dropout", "+ smoothing"]
    np.testing.assert_allclose(left.collections[0].levels, right.collections[0].levels)
    assert is_png(tmp_path / "l2.png")


def test_comparison_figure_of_two_models(tmp_path):
    from blur_keras.analysis.comparison import comparison_figure
    fourier = {"a": {"stage1": {"frequency_over_pi": [0, 1], "log_amplitude": [2.0, 1.0]}},
               "b": {"stage1": {"frequency_over_pi": [0, 1], "log_amplitude": [2.0, 0.5]},
                     "stage1_smooth": {"frequency_over_pi": [0, 1],
                                       "log_amplitude": [1.5, -13.8]}}}
    fig = comparison_figure("fourier", fourier, str(tmp_path / "f.png"))
    assert [line.get_label() for line in fig.axes[0].lines] == [
        "a: stage1", "b: stage1", "b: stage1_smooth"]
    fig = comparison_figure("hessian", {"a": {"eigenvalues": [3.0, 4.0]},
                                        "b": {"eigenvalues": [1.0, 2.0]}})
    assert "a (mean 3.5)" in [line.get_label() for line in fig.axes[0].lines]
    grid = [-1.0, 0.0, 1.0]
    with pytest.raises(ValueError, match="the same grid"):
        comparison_figure("landscape", {"a": {"grid": grid, "losses": np.ones((3, 3))},
                                        "b": {"grid": [-2.0, 0.0, 2.0], "losses": np.ones((3, 3))}})
    with pytest.raises(ValueError, match="analysis must be one of"):
        comparison_figure("curvature", fourier)
