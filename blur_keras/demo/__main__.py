"""`python -m blur_keras.demo` (`make demo`): the MC dropout presets of the zoo, with and without smoothing.

Offline: loads the presets, predicts the real Fashion-MNIST test split clean
and under a few generated corruptions at N = 1, 2, 5 and 10 Monte Carlo
samples, prints NLL / accuracy / ECE per N and preset next to the cards'
numbers, and writes reliability diagrams, NLL against N and the images the
models are least sure of to --output_dir.

Examples:
    python -m blur_keras.demo
    python -m blur_keras.demo --corruptions=gaussian_noise --corruption_subset=500
    python -m blur_keras.demo --walkthrough --index=1     # the smoothing steps on one image

Exit codes: 0 done, 2 a bad flag, a missing preset or missing data.
"""

from __future__ import annotations

import time

from absl import flags, logging

from blur_keras import program_flags
from blur_keras.demo.zoo_demo import (DEFAULT_CORRUPTION_SUBSET, DEFAULT_CORRUPTIONS,
                                      DEFAULT_PRESETS, DEFAULT_SEVERITY)
from blur_keras.startup import ProgramError, no_positional_arguments, run_tensorflow_program

FLAGS = flags.FLAGS
flags.DEFINE_string("output_dir", "demo_output", "Where the figures and results.json go.")
flags.DEFINE_list("presets", list(DEFAULT_PRESETS), "Zoo presets to compare (one dataset).")
flags.DEFINE_list("corruptions", list(DEFAULT_CORRUPTIONS),
                  "Generated corruptions (blur_keras.corruptions names); empty: clean only.")
flags.DEFINE_integer("severity", DEFAULT_SEVERITY, "Severity of the corruptions, 1 to 5.")
flags.DEFINE_integer("corruption_subset", DEFAULT_CORRUPTION_SUBSET,
                     "Test images corrupted: a random subset drawn with seed 0.")
flags.DEFINE_integer("test_subset", 1000, "The first N test images (default 1,000: the cards' "
                     "first_1000 numbers, under 3 minutes on 2 cores); 0: the whole split (about 7 "
                     "minutes; compared with a card's test numbers where they come from a "
                     "10-sample pass, as in cards written before the 50-sample pass).")
program_flags.define_data_dir_flag()
flags.DEFINE_bool("walkthrough", False, "Instead: the smoothing walkthrough on one test image.")
flags.DEFINE_integer("index", 0, "--walkthrough: the Fashion-MNIST test image to show.")


def _zoo_demo(start: float) -> None:
    from blur_keras import zoo
    from blur_keras.demo import report, zoo_demo

    cards = zoo_demo.check_presets(FLAGS.presets)
    print(f"Zoo: {zoo.zoo_directory()}")
    for name, card in cards.items():
        print(f"  {name}: {card['parameters']:,} parameters, {card['dataset']}, "
              f"card evaluated on the {card['splits']['test']}")
    if FLAGS.test_subset == 0:
        FLAGS.test_subset = None                      # the whole split
    images = f"first {FLAGS.test_subset}" if FLAGS.test_subset else "all"
    print(f"Predicting the {images} test images at N = "
          f"{', '.join(map(str, zoo_demo.ensemble_sizes()))}"
          + (f"; {', '.join(FLAGS.corruptions)} at severity {FLAGS.severity} on "
             f"{min(FLAGS.corruption_subset, FLAGS.test_subset or FLAGS.corruption_subset)} of "
             f"them" if FLAGS.corruptions else "") + ".")
    demo = zoo_demo.run_demo(FLAGS.presets, FLAGS.corruptions, FLAGS.severity,
                             FLAGS.corruption_subset, FLAGS.test_subset, FLAGS.data_dir)
    print("\nNLL (nats), accuracy (%), ECE (%) per ensemble size N:")
    print(report.format_table(demo))
    print(f"\nClean test split against the cards (match: within {report.CARD_RELATIVE_TOLERANCE:g} "
          "relative, another CPU's float32 rounding):")
    print("\n".join(report.card_check(demo)))
    paths = report.write_outputs(demo, FLAGS.output_dir)
    print(f"\nWrote {len(paths)} files to {FLAGS.output_dir}: "
          f"{', '.join(sorted(p.rsplit('/', 1)[-1] for p in paths.values()))}")
    print(f"Done in {time.perf_counter() - start:.0f} s (TensorFlow's start included).")


def _start_time(argv: list[str]) -> float:
    """The time the demo starts, before TensorFlow's start (which its report counts)."""
    no_positional_arguments(argv)
    return time.perf_counter()


def main(start: float) -> None:
    logging.set_verbosity(logging.ERROR)   # tfds' notes while it looks for a prepared copy
    from blur_keras.zoo import PresetError
    try:
        if FLAGS.walkthrough:
            from blur_keras.demo import walkthrough
            walkthrough.run(FLAGS.index, FLAGS.output_dir, FLAGS.data_dir)
        else:
            _zoo_demo(start)
    except PresetError as error:
        raise ProgramError(f"{error} Rebuild the zoo with `python -m blur_keras.zoo build`, or "
                           f"name another with --presets or $BLUR_KERAS_ZOO_DIR.") from None


if __name__ == "__main__":
    run_tensorflow_program(main, check=_start_time)
