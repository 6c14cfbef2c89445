"""The zoo's table of the shipped cards, in `zoo/README.md` and in the repository's README."""

import os

import pytest

from blur_keras import zoo

pytestmark = pytest.mark.tensorflow_only


@pytest.fixture(autouse=True)
def shipped_zoo(monkeypatch):
    monkeypatch.delenv("BLUR_KERAS_ZOO_DIR", raising=False)


def test_the_readme_and_the_zoo_readme_show_the_table_of_the_shipped_cards():
    import json
    from blur_keras.publishing.zoo_table import (
        LATENCY_FILE, TABLE_MARKERS, ZOO_README_HEAD, read_cards, zoo_table)
    zoo_dir = zoo.zoo_directory()
    latency_path = os.path.join(zoo_dir, LATENCY_FILE)
    latency = None
    if os.path.isfile(latency_path):
        with open(latency_path) as f:
            latency = json.load(f)["ms_per_image"]
    table = zoo_table(read_cards(zoo_dir, zoo.names()), latency)
    with open(os.path.join(zoo_dir, "README.md")) as f:
        zoo_readme = f.read()
    assert zoo_readme.startswith(ZOO_README_HEAD + table + "\n")
    readme = os.path.join(os.path.dirname(zoo_dir), "README.md")
    if os.path.isfile(readme):                        # a checkout (not an installed package)
        with open(readme) as f:
            text = f.read()
        start, end = TABLE_MARKERS        # the table and the line naming the latency's machine
        assert text.split(start, 1)[1].split(end, 1)[0].strip() == \
            zoo_readme[len(ZOO_README_HEAD):].strip()
