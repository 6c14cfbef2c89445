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
