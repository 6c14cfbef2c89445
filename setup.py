"""The package list, the one build setting that pyproject.toml cannot state.

Every package under `blur_keras/` is found, so a new one needs no entry here. The presets are
the exception: `blur_keras.zoo.presets` is the repository's top-level `zoo/` folder (mapped in
pyproject.toml's `[tool.setuptools.package-dir]`), and `[tool.setuptools.packages.find]` only
finds packages whose folder path is their name, so it could not list it. Everything else about
the build is in pyproject.toml. The reproduction study (`study/`) is not found: it is not part of
the installed library.
"""

from setuptools import find_packages, setup

setup(packages=[*find_packages(include=["blur_keras", "blur_keras.*"]), "blur_keras.zoo.presets"])
