import json
import math

import numpy as np
import pytest

from blur_keras.json_output import strict, write_json


def test_non_finite_numbers_become_null_everywhere():
    content = {"acc90": float("nan"), "n": np.float32("inf"), "rows": [1.5, (np.float64(-np.inf),)],
               "ok": np.int64(3), "text": "NaN"}
    assert strict(content) == {"acc90": None, "n": None, "rows": [1.5, [None]], "ok": 3,
                               "text": "NaN"}


def test_written_files_parse_in_strict_json_readers(tmp_path):
    path = tmp_path / "results.json"
    write_json(str(path), {"nll": 0.25, "acc90": math.nan})

    def refuse(constant):
        raise ValueError(f"{constant} is not JSON")
    assert json.loads(path.read_text(), parse_constant=refuse) == {"nll": 0.25, "acc90": None}
    with pytest.raises(ValueError, match="is not JSON"):
        json.loads(json.dumps({"acc90": math.nan}), parse_constant=refuse)
