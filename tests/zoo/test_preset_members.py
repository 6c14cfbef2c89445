"""`member_from_preset`: an ensemble member written from a published preset, and written again
when the zoo publishes that preset anew."""

import json

import pytest

from blur_keras.publishing.preset_members import member_from_preset, published_as
from tests.zoo.conftest import TINY

pytestmark = [pytest.mark.tensorflow_only, pytest.mark.real_data]


def result_of(run_dir):
    return json.loads((run_dir / "result.json").read_text())


def rewrite_result(run_dir, **changes):
    (run_dir / "result.json").write_text(json.dumps({**result_of(run_dir), **changes}))


def test_a_member_is_kept_while_the_zoo_publishes_the_same_preset(tiny_zoo, tmp_path):
    run_dir = tmp_path / f"{TINY}.from_zoo"
    assert member_from_preset(TINY, str(tiny_zoo), str(run_dir)) == str(run_dir)
    assert result_of(run_dir)["preset"] == published_as(TINY, str(tiny_zoo))
    assert result_of(run_dir)["preset"]["sha256"]["model.weights.h5"]
    rewrite_result(run_dir, marker="kept")
    member_from_preset(TINY, str(tiny_zoo), str(run_dir))
    assert result_of(run_dir)["marker"] == "kept"


@pytest.mark.parametrize("stale", [
    {"version": 0},                                            # another version
    {"sha256": {"model.weights.h5": "0" * 64}},                # a file changed
    None])                                                     # written before the record
def test_a_member_of_an_earlier_publication_is_written_again(tiny_zoo, tmp_path, stale):
    run_dir = tmp_path / f"{TINY}.from_zoo"
    member_from_preset(TINY, str(tiny_zoo), str(run_dir))
    current = result_of(run_dir)["preset"]
    (run_dir / "model.keras").write_bytes(b"weights of an earlier publication")
    rewrite_result(run_dir, marker="stale",
                   preset=None if stale is None else {**current, **stale})
    member_from_preset(TINY, str(tiny_zoo), str(run_dir))
    result = result_of(run_dir)
    assert "marker" not in result and result["preset"] == current
    assert (run_dir / "model.keras").read_bytes() != b"weights of an earlier publication"
