"""The paper's numbers the report compares with, quoted from `docs/paper.md`.

Every value is copied from `docs/paper.md`, the page where this project states the facts it uses
from Park & Kim, ICML 2022 (arXiv 2105.12639); `source` says where: the page's section and the
paper's table or figure. NLL in nats, accuracy and ECE in %.

Keys name the variants: `dnn`, `dnn_smoothing`, `mcdo` (MC dropout), `mcdo_smoothing`.
"""

from __future__ import annotations

#: Table E.1 (docs/paper.md#accuracy-and-uncertainty): every row, (NLL, Acc %, ECE %);
#: MC dropout at N = 50.
TABLE = {
    "source": "docs/paper.md#accuracy-and-uncertainty (paper Table E.1); MC dropout at N = 50",
    "rows": {
        "ResNet-18, CIFAR-10": {"dnn": (0.182, 95.2, 2.75),
                                "dnn_smoothing": (0.173, 95.4, 2.31),
                                "mcdo": (0.157, 95.2, 1.14),
                                "mcdo_smoothing": (0.144, 95.5, 1.04)},
        "ResNet-18, CIFAR-100": {"dnn": (0.886, 77.9, 4.97),
                                 "dnn_smoothing": (0.863, 78.9, 4.40),
                                 "mcdo": (0.848, 77.3, 3.01),
                                 "mcdo_smoothing": (0.801, 78.9, 2.56)},
        "ResNet-50, CIFAR-100": {"dnn": (0.835, 79.9, 8.88),
                                 "dnn_smoothing": (0.834, 80.7, 9.29),
                                 "mcdo": (0.822, 79.1, 6.63),
                                 "mcdo_smoothing": (0.800, 80.1, 7.25)},
        "VGG-16, CIFAR-100": {"dnn": (2.047, 71.6, 19.2),
                              "dnn_smoothing": (1.878, 72.2, 20.5),
                              "mcdo": (1.133, 68.8, 3.66),
                              "mcdo_smoothing": (1.034, 71.4, 1.06)},
        "ResNet-18, ImageNet": {"dnn": (1.210, 70.3, 1.62),
                                "dnn_smoothing": (1.183, 70.6, 1.22),
                                "mcdo": (1.215, 70.0, 1.39),
                                "mcdo_smoothing": (1.190, 70.6, 2.25)},
        "ResNet-50, ImageNet": {"dnn": (0.949, 76.0, 2.97),
                                "dnn_smoothing": (0.916, 76.9, 3.46),
                                "mcdo": (0.945, 76.0, 1.89),
                                "mcdo_smoothing": (0.905, 77.0, 2.49)},
    },
}
#: The rows of `TABLE` with this study's architecture on small images (claim 1 quotes them).
RESNET18_CIFAR = ("ResNet-18, CIFAR-10", "ResNet-18, CIFAR-100")
#: Ensemble size (docs/paper.md#ensemble-size): ResNet-18 MC dropout on CIFAR-100, NLL at N.
SAMPLES = {
    "source": "docs/paper.md#ensemble-size (paper Fig. 3), ResNet-18 MC dropout, CIFAR-100",
    "sizes": (1, 2, 3, 5, 10, 50),
    "mcdo": (1.023, 0.941, 0.912, 0.885, 0.867, 0.850),
    "mcdo_smoothing": (0.909, 0.855, 0.837, 0.822, 0.811, 0.800),
    #: Accuracy % at N = 1 and N = 50.
    "accuracy": {"mcdo": (74.96, 77.35), "mcdo_smoothing": (77.35, 78.97)},
    "headline": "smoothing at N = 2 (.855) matches plain MC dropout at N = 50 (.850): about "
                "25x fewer forward passes",
}
#: Deep ensembles of 1-5 members (docs/paper.md#deep-ensembles), ResNet-18 on CIFAR-100, NLL.
ENSEMBLES = {
    "source": "docs/paper.md#deep-ensembles, ResNet-18 deep ensembles, CIFAR-100",
    "sizes": (1, 2, 3, 4, 5),
    "dnn": (0.886, 0.788, 0.755, 0.738, 0.728),
    "dnn_smoothing": (0.863, 0.781, 0.754, 0.738, 0.729),
}
#: Robustness (docs/paper.md#robustness), ResNet-18 on CIFAR-100-C, AlexNet-normalised %:
#: (without, with smoothing).
ROBUSTNESS = {
    "source": "docs/paper.md#robustness (paper Fig. 9/10), ResNet-18 on CIFAR-100-C, % of AlexNet",
    "mcnll_mcdo_n1": (69.78, 64.84),
    "mcnll_mcdo_n50": (62.16, 59.84),
    "mce_mcdo_n50": (86.81, 85.51),
    "mce_dnn": (86.52, 84.80),
}
#: Temperature sweep (docs/paper.md#ablations): ResNet-18 MC dropout + smoothing, CIFAR-100, NLL
#: at N = 50, by tanh temperature.
TEMPERATURE = {
    "source": "docs/paper.md#ablations, ResNet-18 MC dropout + smoothing, CIFAR-100, NLL at N = 50",
    "nll": {1: 0.837, 5: 0.804, 10: 0.800, 20: 0.809},
}
KERNEL = {"source": "docs/paper.md#ablations",
          "text": "ResNet-18 is best with the 2x2 box (1, 1); VGG-16 with (1, 2, 1) (NLL .986)"}
#: Blur alone vs Prob + Blur (docs/paper.md#ablations, paper Fig. F.1): pre-act VGG-16, NLL,
#: deterministic.
BLUR_ALONE = {"source": "docs/paper.md#ablations (paper Fig. F.1), pre-activation VGG-16, "
                        "deterministic NLL",
              "plain": 1.827, "blur_only": 1.885, "prob_blur": 1.814}
#: Training throughput (docs/paper.md#ablations), ImageNet on 4 GPUs, images/s.
THROUGHPUT = {"source": "docs/paper.md#ablations, ImageNet training on 4 GPUs",
              "resnet_mcdo": 755, "resnet_mcdo_smoothing": 675}
#: Feature-map std at the smoothing layers (docs/paper.md#feature-map-variance, paper Fig. 5),
#: ResNet-50 MC dropout on CIFAR-100: (before, after the smoothing layer).
VARIANCE = {"source": "docs/paper.md#feature-map-variance (paper Fig. 5), ResNet-50 MC dropout, "
                      "CIFAR-100",
            "model_uncertainty": {3: (0.0268, 0.0088), 4: (0.1127, 0.0526)},
            "data_uncertainty": {3: (0.0624, 0.0276)}}
#: Fourier log amplitude at the end of stage 1 (docs/paper.md#fourier-amplitude, paper Fig. 6),
#: ResNet-50 on ImageNet, at 0, .3, .5, .7, 1.0 pi.
FOURIER = {"source": "docs/paper.md#fourier-amplitude (paper Fig. 6), ResNet-50, ImageNet, "
                     "end of stage 1",
           "frequencies": (0.0, 0.3, 0.5, 0.7, 1.0),
           "dnn": (6.13, 2.06, 1.68, 1.23, 0.92),
           "dnn_smoothing": (6.01, 1.90, 1.18, 0.34, 0.00),
           "mcdo": (6.16, 2.09, 1.80, 1.54, 1.42),
           "mcdo_smoothing": (6.07, 2.01, 1.34, 0.51, 0.00)}
#: Largest Hessian eigenvalue per mini-batch (docs/paper.md#hessian-eigenvalues, paper Fig. 8),
#: ResNet-18 MC dropout on CIFAR-100: (mode, mean, right tail).
HESSIAN = {"source": "docs/paper.md#hessian-eigenvalues (paper Fig. 8), ResNet-18 MC dropout, "
                     "CIFAR-100",
           "gap": (166, 169, 573), "gap_smoothing": (67, 119, 515)}
