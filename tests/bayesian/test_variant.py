"""The `bnn` variant registers itself, whichever module a new process imports first."""

import ast
import pathlib

import pytest

from tests.test_case import run_fresh_python


@pytest.mark.slow                  # a fresh Python per import path
@pytest.mark.parametrize("first_import", [
    "from blur_keras.models import registry as models",
    "import blur_keras.models as models",
    "from blur_keras.bayesian import BayesianLayerFactory; from blur_keras import models",
    "from blur_keras import protocol; from blur_keras import models",
])
def test_bnn_names_exist_after_any_import_and_tfp_waits_for_a_bnn_model(first_import):
    out = run_fresh_python(f"""
import sys
import blur_keras
assert "keras" not in sys.modules, "import blur_keras stays light"
{first_import}
print("resnet_bnn_18" in models.names(), "tensorflow_probability" in sys.modules)
""")
    assert out.split() == ["True", "False"]


def test_the_models_import_nothing_of_bayesian():
    import blur_keras.models
    for path in pathlib.Path(blur_keras.models.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                modules = [alias.name for alias in node.names] if isinstance(node, ast.Import) \
                    else [node.module or ""]
                assert not any(m.startswith("blur_keras.bayesian") for m in modules), path
