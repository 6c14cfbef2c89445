import ast
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def imported_modules(path: pathlib.Path):
    """`(line, module)` for every absolute import statement of a Python file."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.lineno, node.module


def test_nothing_in_the_library_imports_the_study():
    """The reproduction study (`study/`) stays outside the wheel: the library never needs it."""
    importers = [f"{path.relative_to(ROOT)}:{line}"
                 for path in sorted((ROOT / "blur_keras").rglob("*.py"))
                 for line, module in imported_modules(path)
                 if module == "study" or module.startswith("study.")]
    assert importers == []


@pytest.mark.slow
@pytest.mark.tensorflow_only
def test_installed_package_finds_the_shipped_zoo_from_another_directory(tmp_path):
    """`pip install .` (not editable): the presets travel as package data."""
    wheel_dir, target = tmp_path / "wheel", tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                    "--no-build-isolation", str(ROOT), "-w", str(wheel_dir)],
                   check=True, capture_output=True, cwd=tmp_path, timeout=300)
    wheel = next(wheel_dir.glob("blur_keras-*.whl"))
    # The wheel states the lowest Python every dependency installs on, and carries the license.
    import zipfile
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA")))
    assert "Requires-Python: >=3.11" in metadata.decode().splitlines()
    assert "License-Expression: Apache-2.0" in metadata.decode().splitlines()
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), names
    # Every package under blur_keras/ is found (none is listed by hand), the repository's zoo/
    # travels as blur_keras/zoo/presets, and the reproduction study stays out.
    packages = {path.relative_to(ROOT).as_posix()
                for path in (ROOT / "blur_keras").rglob("__init__.py")}
    assert packages <= set(names), sorted(packages - set(names))
    assert "blur_keras/zoo/presets/build.json" in names
    assert not [n for n in names if n.startswith("study/") or "/study/" in n]
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                    str(target), str(wheel)], check=True, capture_output=True, timeout=300)
    code = ("import blur_keras, blur_keras.zoo as zoo, json; "
            "print(json.dumps([blur_keras.__file__, zoo.zoo_directory(), zoo.names(), "
            "zoo.verify()]))")
    env = {**os.environ, "PYTHONPATH": str(target)}
    env.pop("BLUR_KERAS_ZOO_DIR", None)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=tmp_path, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    import json
    package, zoo_dir, names, verified = json.loads(result.stdout.strip().splitlines()[-1])
    assert package.startswith(str(target)) and zoo_dir.startswith(str(target))
    shipped = sorted(json.loads((ROOT / "zoo" / "index.json").read_text())) \
        if (ROOT / "zoo" / "index.json").exists() else []
    assert names == shipped == verified
    if not shipped:
        assert (pathlib.Path(zoo_dir) / "build.json").is_file()
