"""The documentation: every Python code block runs (offline, on the CPU), or says why not.

The blocks come from `tests/repository/markdown_code.py`: each runs in a fresh namespace
in a temporary working directory (the files it writes go there), the blocks
of a `<!-- docs-test: group NAME -->` together, in order; a block marked
`<!-- docs-test: skip (reason) -->` is reported as skipped with its reason.
A new page in `docs/` is picked up by itself; its blocks are tested the same way.
Links between the pages must reach a file and a heading, and every Markdown file the
repository names is in it.
"""

import pathlib
import re

import pytest

from tests.repository.markdown_code import heading_anchors, python_blocks, relative_links, runs

ROOT = pathlib.Path(__file__).resolve().parents[2]
#: The Markdown files whose Python blocks are run, relative to the repository: the front page
#: and every page of `docs/`.
DOCUMENTS = ("README.md", *sorted(str(page.relative_to(ROOT)) for page in (ROOT / "docs").glob("*.md")))

BLOCKS = [block for document in DOCUMENTS for block in python_blocks(str(ROOT / document))]
RUNS = runs(BLOCKS)
#: The topic pages of `docs/`: each shows its subject with at least one example that runs.
TOPIC_PAGES = ("layers", "models", "zoo", "training", "evaluation", "analyses", "retrofit",
               "development")


def run_id(blocks) -> str:
    first = blocks[0]
    name = pathlib.Path(first.path).relative_to(ROOT)
    return f"{name}:{first.line}" + (f"[{first.group}]" if first.group else "")


def test_every_block_either_runs_or_is_skipped_with_a_reason():
    assert BLOCKS, "no Python block found"
    assert sum(len(blocks) for blocks in RUNS) == len(BLOCKS)
    for block in BLOCKS:
        assert block.skip is None or block.skip.strip(), block.where
    # Run blocks are the ones a reader can paste: each starts from its own imports.
    ran = [block for block in BLOCKS if block.skip is None]
    assert len(ran) > len(BLOCKS) - len(ran), "most blocks should run"


def test_every_topic_page_has_an_example_that_runs():
    for page in TOPIC_PAGES:
        path = str(ROOT / "docs" / f"{page}.md")
        assert path in {str(ROOT / document) for document in DOCUMENTS}, f"docs/{page}.md is missing"
        assert any(block.path == path and block.skip is None for block in BLOCKS), \
            f"docs/{page}.md has no Python example that runs"


def test_links_between_pages_reach_a_file_and_heading():
    for document in DOCUMENTS:
        page = ROOT / document
        for link in relative_links(str(page)):
            target, _, anchor = link.partition("#")
            path = (page.parent / target).resolve() if target else page
            assert path.exists(), f"{document}: the link {link} reaches no file"
            if anchor and path.suffix == ".md":
                assert anchor in heading_anchors(str(path)), \
                    f"{document}: the link {link} reaches no heading of {path.name}"


def test_every_markdown_file_the_repository_names_is_in_it():
    """The paper's facts the project uses are in docs/paper.md: no file cites notes kept elsewhere."""
    held = {path.name for path in ROOT.rglob("*.md") if ".venv" not in path.parts}
    places = [ROOT / "README.md", ROOT / "CHANGELOG.md", *(ROOT / "docs").glob("*.md")]
    for folder in ("blur_keras", "study", "tests", "benchmarks", "scripts", "colab"):
        places += [path for path in (ROOT / folder).rglob("*")
                   if path.suffix in (".py", ".md", ".ipynb", ".json", ".sh")
                   and "results" not in path.parts and path != pathlib.Path(__file__).resolve()]
    missing = {}
    for path in places:
        for name in re.findall(r"([\w.-]+\.md)\b", path.read_text(encoding="utf-8", errors="replace")):
            if name not in held:
                missing.setdefault(str(path.relative_to(ROOT)), set()).add(name)
    assert not missing, f"files naming Markdown files the repository does not hold: {missing}"


@pytest.mark.tensorflow_only
@pytest.mark.real_data
@pytest.mark.parametrize("blocks", RUNS, ids=run_id)
def test_documented_code_runs(blocks, tmp_path, monkeypatch):
    if blocks[0].skip is not None:
        pytest.skip(f"{blocks[0].where}: {blocks[0].skip}")
    monkeypatch.chdir(tmp_path)                      # the files a block writes go there
    namespace = {"__name__": "__docs__"}
    for block in blocks:
        exec(compile(block.code, block.where, "exec"), namespace)   # noqa: S102


def test_markers_group_skip_or_fail_loudly(tmp_path):
    from tests.repository.markdown_code import MarkerError
    page = tmp_path / "page.md"
    page.write_text("""# Page
```python
a = 1
```
<!-- docs-test: group g -->
```python
b = 2
```
Text between.

<!-- docs-test: skip (needs the network) -->
```python
import nowhere
```
```bash
echo not python
```
<!-- docs-test: group g -->
```py
assert b == 2
```
""")
    blocks = python_blocks(str(page))
    assert [(b.line, b.skip, b.group) for b in blocks] == [
        (2, None, None), (6, None, "g"), (12, "needs the network", None), (19, None, "g")]
    assert [[b.line for b in unit] for unit in runs(blocks)] == [[2], [6, 19], [12]]
    for text in ("<!-- docs-test: skip -->\n```python\nx\n```\n",           # no reason
                 "<!-- docs-test: ignore -->\n```python\nx\n```\n",         # unknown marker
                 "<!-- docs-test: skip (why) -->\ntext\n```python\nx\n```\n",  # not right above
                 "<!-- docs-test: group g -->\n```bash\nx\n```\n",         # not Python
                 "<!-- docs-test: group g -->\n"):                         # marks nothing
        page.write_text(text)
        with pytest.raises(MarkerError):
            python_blocks(str(page))
