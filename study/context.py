"""The data every evaluation of the study reads, loaded once per process (`Context`), and the
split a run trained on."""

from __future__ import annotations

from typing import Callable

import numpy as np

from study.plan import Run, Settings


class Context:
    """The data of the evaluations, loaded once per process and shared by the runs.

    Args:
        dataset: the dataset of every run.
        settings: the study's sizes and seeds.
        data_dir: where the dataset is (see `blur_keras.data.load`).
    """

    def __init__(self, dataset: str, settings: Settings, data_dir: str | None = None):
        from blur_keras.data import get_spec
        self.dataset, self.settings, self.data_dir = dataset, settings, data_dir
        self.spec = get_spec(dataset)
        self._arrays: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._corrupted: dict[tuple[str, int], list] = {}
        self._generate = None
        self._sequences: dict[str, np.ndarray] = {}

    @property
    def normalization(self):
        return self.spec.mean, self.spec.std

    def test_arrays(self, count: int) -> tuple[np.ndarray, np.ndarray]:
        """The first `count` test images (uint8) and labels."""
        if count not in self._arrays:
            from blur_keras.data import load_arrays
            self._arrays[count] = load_arrays(self.dataset, "test", data_dir=self.data_dir,
                                              subset=count)
        return self._arrays[count]

    def test_inputs(self, count: int) -> np.ndarray:
        """The first `count` test images, normalised as model inputs."""
        from blur_keras.robustness import normalize_images
        return normalize_images(self.test_arrays(count)[0], self.normalization)

    def corrupted_batches(self) -> Callable[[str, int], list]:
        """`(corruption, severity) -> batches`: `robustness.generated_batches`, each made once."""
        if self._generate is None:
            from blur_keras.robustness import generated_batches
            images, labels = self.test_arrays(self.settings.corruption_images)
            self._generate = generated_batches(images, labels, self.normalization,
                                               self.settings.eval_batch,
                                               self.settings.corruption_seed)

        def batches(corruption: str, severity: int) -> list:
            key = (corruption, severity)
            if key not in self._corrupted:
                self._corrupted[key] = list(self._generate(corruption, severity))
            return self._corrupted[key]

        return batches

    def first_corrupted(self, corruption: str, severity: int, count: int) -> list:
        """The batches that hold the first `count` corrupted images of `corrupted_batches` (the
        same pixels), made without the rest when they are not made yet."""
        batches = -(-count // self.settings.eval_batch)
        if (corruption, severity) in self._corrupted:
            return self._corrupted[(corruption, severity)][:batches]
        self.corrupted_batches()
        import itertools
        return list(itertools.islice(self._generate(corruption, severity), batches))

    def sequences(self, name: str) -> np.ndarray:
        """Perturbation sequences of the first `consistency_images` test images (made once)."""
        if name not in self._sequences:
            from blur_keras.corruptions import perturbations
            images = self.test_arrays(self.settings.consistency_images)[0]
            self._sequences[name] = perturbations.sequences(
                images.astype(np.float32) / 255.0, name, self.settings.consistency_frames,
                seed=self.settings.corruption_seed)
        return self._sequences[name]


def training_split(run: Run) -> str:
    """The `blur_keras.data` split the run trained on (its hold-out stays out)."""
    return "train_minus_validation" if run.options.get("validation") == "holdout" else "train"
