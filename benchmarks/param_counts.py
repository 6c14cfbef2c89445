"""Trainable-parameter counts of every family and depth, against the reference.

Usage:
    python -m benchmarks.param_counts

Prints two markdown tables: (1) the default head of every family/depth, CIFAR
stem with 10 and 100 classes, and the reference PyTorch counts of
docs/paper.md#parameter-counts where listed; (2) the ResNet families with 100
classes, as `mcdo` (the pre-activation MC dropout bottleneck adds shortcut BNs) and with
`head="mlp"` (the reference's 7x7 adaptive pool + 4096-4096; these models
hold up to ~540M parameters, ~2 GB of float32 weights, while they are built).
"""

from __future__ import annotations

from absl import app

#: (name, dataset) -> reference count (docs/paper.md#parameter-counts).
REFERENCE = {
    ("resnet_dnn_18", "cifar100"): 11_220_132, ("resnet_dnn_34", "cifar100"): 21_328_292,
    ("resnet_dnn_50", "cifar100"): 23_705_252, ("resnet_dnn_101", "cifar100"): 42_697_380,
    ("resnet_dnn_152", "cifar100"): 58_341_028, ("preresnet_dnn_18", "cifar100"): 11_218_340,
    ("resnext_dnn_50", "cifar100"): 23_177_124, ("wideresnet_dnn_50", "cifar100"): 67_031_460,
    ("vgg_dnn_11", "cifar100"): 129_178_788, ("vgg_dnn_16", "cifar100"): 134_674_468,
    ("vgg_dnn_19", "cifar100"): 139_985_444, ("prevgg_dnn_16", "cifar100"): 134_673_450,
    ("alexnet_dnn", "cifar100"): 23_836_452, ("resnet_dnn_18", "cifar10"): 11_173_962,
    ("resnet_dnn_50", "cifar10"): 23_520_842, ("resnet_dnn_18", "imagenet2012"): 11_689_512,
    ("resnet_dnn_50", "imagenet2012"): 25_557_032,
    ("vgg_dnn_16", "imagenet2012"): 138_361_768, ("alexnet_dnn", "imagenet2012"): 61_099_688,
}


#: Families whose `head="mlp"` and `mcdo` counts the second table lists.
RESNET_FAMILIES = ("resnet", "preresnet", "resnext", "wideresnet")


def count(name: str, dataset: str, **overrides) -> int:
    """Trainable parameters of registry model `name` built for `dataset`'s protocol."""
    import numpy as np
    import keras
    from blur_keras import protocol
    model = protocol.build_model(name, dataset, overrides)
    total = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    keras.backend.clear_session()
    return total


def cell(name: str, dataset: str) -> str:
    ours = count(name, dataset)
    ref = REFERENCE.get((name, dataset))
    if ref is None:
        return f"{ours:,}"
    return f"{ours:,} ({'=' if ours == ref else '!='} ref)"


def main(argv) -> None:
    del argv
    from blur_keras import models
    print("| family | depth | CIFAR stem, 10 classes | CIFAR stem, 100 classes | "
          "ImageNet stem, 1000 classes |")
    print("|---|---|---|---|---|")
    for family_name, family in models.FAMILIES.items():
        for depth in family.depths:
            name = f"{family_name}_dnn" + ("" if depth is None else f"_{depth}")
            imagenet = cell(name, "imagenet2012") if (name, "imagenet2012") in REFERENCE else ""
            print(f"| `{family_name}` | {depth or '-'} | {cell(name, 'cifar10')} | "
                  f"{cell(name, 'cifar100')} | {imagenet} |", flush=True)
    print()
    print("| family | depth | `mcdo`, CIFAR stem, 100 classes | "
          "`head=\"mlp\"`, CIFAR stem, 100 classes |")
    print("|---|---|---|---|")
    for family_name in RESNET_FAMILIES:
        for depth in models.FAMILIES[family_name].depths:
            mcdo = count(f"{family_name}_mcdo_{depth}", "cifar100")
            mlp = count(f"{family_name}_dnn_{depth}", "cifar100", head="mlp")
            print(f"| `{family_name}` | {depth} | {mcdo:,} | {mlp:,} |", flush=True)


if __name__ == "__main__":
    app.run(main)
