"""The Colab notebooks of `colab/`: how they are stored, and each one run headless in its small mode.

The static tests derive every expected URL from `pyproject.toml` (`project.urls.Repository` and
`project.version`). The execution tests run each notebook with nbclient in a fresh kernel of this
Python, with `BLUR_KERAS_NOTEBOOK_SMALL=1` and the install cell (tag `skip-execution`) skipped;
a cell that raises fails the test.
"""

import os
import pathlib
import re

import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
COLAB = ROOT / "colab"
NOTEBOOKS = ("quickstart", "train_on_gpu_or_tpu", "robustness", "why_blurs_work")
#: The notebooks that read the real Fashion-MNIST files (train_on_gpu_or_tpu uses CIFAR-10).
FASHION_MNIST = ("quickstart", "robustness", "why_blurs_work")
SMALL_MODE = "BLUR_KERAS_NOTEBOOK_SMALL"
SKIP_TAG = "skip-execution"
COLAB_URL = re.compile(r"https://colab\.research\.google\.com/github/[^\s)\"']+")
GIT_URL = re.compile(r"git\+[^\s\"']+")


def project() -> tuple[str, str]:
    """The repository URL and the version, from pyproject.toml."""
    tomllib = pytest.importorskip("tomllib")   # Python >= 3.11
    with open(ROOT / "pyproject.toml", "rb") as f:
        metadata = tomllib.load(f)["project"]
    return metadata["urls"]["Repository"], metadata["version"]


def badge_url(name: str) -> str:
    url, version = project()
    owner_repo = url.removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{owner_repo}/blob/v{version}/colab/{name}.ipynb"


def read(name: str) -> nbformat.NotebookNode:
    return nbformat.read(COLAB / f"{name}.ipynb", as_version=4)


def all_sources(notebook) -> str:
    return "\n".join(cell.source for cell in notebook.cells)


def code_cells(notebook) -> list:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def install_cells(notebook) -> list:
    return [cell for cell in code_cells(notebook)
            if re.search(r"\bpip\b", cell.source) or "git+" in cell.source]


def test_colab_holds_the_four_notebooks():
    assert sorted(path.stem for path in COLAB.glob("*.ipynb")) == sorted(NOTEBOOKS)


def test_pyproject_names_the_repository_and_the_version():
    url, version = project()
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", url), url
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), version


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_is_stored_valid_and_without_outputs(name):
    notebook = read(name)
    nbformat.validate(notebook)
    for cell in code_cells(notebook):
        assert cell.outputs == [] and cell.execution_count is None, cell.source[:80]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_opens_with_title_badge_and_what_it_needs(name):
    first = read(name).cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    assert f"]({badge_url(name)})" in first.source
    assert "colab-badge.svg" in first.source
    needs = first.source[first.source.index("**What it needs.**"):]
    assert "Runtime:" in needs and "Time:" in needs


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_colab_link_in_a_notebook_is_its_own_badge(name):
    links = {link.rstrip(".,") for link in COLAB_URL.findall(all_sources(read(name)))}
    assert links == {badge_url(name)}


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_install_cell_pins_this_version_and_keeps_tensorflow(name):
    url, version = project()
    notebook = read(name)
    installs = install_cells(notebook)
    assert len(installs) == 1, "one install cell"
    install = installs[0]
    assert install.metadata.get("tags") == [SKIP_TAG]
    assert f'"blur_keras @ git+{url}@v{version}"' in install.source
    assert set(GIT_URL.findall(all_sources(notebook))) == {
        f"git+{url}@v{version}"}
    # The installed TensorFlow family is pinned through a constraints file.
    assert '"-c", "constraints.txt"' in install.source and "tensorflow.*" in install.source
    # Only the install cell is skipped in CI.
    tagged = [cell for cell in notebook.cells if SKIP_TAG in cell.metadata.get("tags", [])]
    assert tagged == [install]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_first_code_cell_reads_the_small_mode_before_anything_is_installed(name):
    notebook = read(name)
    first, second = code_cells(notebook)[:2]
    assert f'os.environ.get("{SMALL_MODE}") == "1"' in first.source
    assert not re.search(r"^\s*(import|from) blur_keras", first.source, re.MULTILINE)
    assert [second] == install_cells(notebook)


def test_readme_lists_every_notebook_with_its_badge():
    readme = (ROOT / "README.md").read_text()
    assert "- [Notebooks](#notebooks)" in readme
    section = readme[readme.index("\n## Notebooks\n"):]
    section = section[:section.index("\n## ", 1)]
    for name in NOTEBOOKS:
        assert f"(colab/{name}.ipynb)" in section
        assert f"]({badge_url(name)})" in section
    assert {link.rstrip(".,") for link in COLAB_URL.findall(readme)} == {
        badge_url(name) for name in NOTEBOOKS}


def test_train_notebook_keeps_its_run_where_a_disconnect_leaves_it():
    notebook = read("train_on_gpu_or_tpu")
    settings = code_cells(notebook)[0].source
    assert re.search(r"^OUTPUT_DIR = None\b", settings, re.MULTILINE)
    # On Colab (full mode) the run and the preset go to Google Drive; any mounted path will do.
    where = [cell.source for cell in code_cells(notebook) if "drive.mount(" in cell.source]
    assert len(where) == 1 and '"google.colab" in sys.modules' in where[0]
    assert 'RUN_DIR = os.path.join(OUTPUT_DIR, ' in where[0]
    assert 'ZOO_DIR = os.path.join(OUTPUT_DIR, ' in where[0]
    # What survives a disconnect is said where resuming is promised.
    train = next(cell.source for cell in notebook.cells
                 if cell.cell_type == "markdown" and cell.source.startswith("## Train"))
    assert "resumes" in train and "Google Drive" in train and "runtime's own disk" in train


@pytest.fixture
def kernel_name(tmp_path, monkeypatch):
    """A kernel spec that starts this Python (not whatever `python3` a user's Jupyter finds)."""
    from ipykernel.kernelspec import write_kernel_spec
    name = "blur_keras_tests"
    write_kernel_spec(str(tmp_path / "jupyter" / "kernels" / name))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    return name


@pytest.mark.slow
@pytest.mark.tensorflow_only
@pytest.mark.parametrize("name", [pytest.param(name, marks=pytest.mark.real_data)
                                  if name in FASHION_MNIST else name for name in NOTEBOOKS])
def test_notebook_runs_headless_in_small_mode(name, kernel_name, tmp_path, monkeypatch):
    from nbclient import NotebookClient
    monkeypatch.setenv(SMALL_MODE, "1")
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))   # no user profile or startup files
    # The kernel imports this checkout's blur_keras.
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    work = tmp_path / "work"
    work.mkdir()
    notebook = read(name)
    client = NotebookClient(notebook, timeout=600, startup_timeout=300, kernel_name=kernel_name,
                            skip_cells_with_tag=SKIP_TAG,
                            resources={"metadata": {"path": str(work)}})
    client.execute()      # raises CellExecutionError, with the cell and its traceback
    executed = [cell for cell in code_cells(notebook) if cell.execution_count is not None]
    assert len(executed) == len(code_cells(notebook)) - 1     # all but the install cell
    errors = [output for cell in executed for output in cell.outputs
              if output.output_type == "error"]
    assert errors == []
    if name == "train_on_gpu_or_tpu":
        # The card it publishes: how many test images it evaluated, and a load that works for a
        # preset in a local zoo (its directory, not a by-name load of the shipped zoo).
        readme = (work / "my_zoo" / "resnet_mcdo_smoothing_18.cifar10_notebook" / "README.md")
        text = readme.read_text()
        assert "First 128 test images" in text and "First 1,000" not in text
        assert 'blur_keras.zoo.load("./my_zoo/resnet_mcdo_smoothing_18.cifar10_notebook", ' \
               'seed=0)' in text
