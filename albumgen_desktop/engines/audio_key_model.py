"""Fitted key profiles of the key analyser (written by benchmarks/fit_key.py)."""

# fmt: off
# Fitted on 4200 files (tempo-train-dev-s1, tempo-train-dev-s2, tempo-train-dev-s21,
# tempo-train-dev-s22, tempo-train-dev-s23, tempo-train-dev-s24, tempo-train-dev-s25,
# tempo-train-dev-s26, tempo-train-dev-s27, tempo-train-dev-s28, tempo-train-dev-s29,
# tempo-train-synthetic-v2-s100), lambda 0.0003. Those dev sets are the eval generator's v1 renders
# (before 2026-11-30, when make_eval_set.py began to keep bar lines across repeats and backings);
# `make fit-key` now fits on the -v2 renders and has not been run on them yet.
# PROFILES[mode][evidence row][pitch class above the tonic]; mode 0 major, 1 minor.
PROFILES: list[list[list[float]]] = [
    [
        [-0.18806, 0.24789, 0.056092, -0.46578, -0.037341, 0.56093, -0.48666, -0.02077, 0.57497, 0.69877, -1.2023, 0.26222],  # chroma
        [0.10502, 0.10124, -0.008347, -0.11197, -0.24634, 0.24645, -0.15074, -0.048203, 0.012284, 0.00048943, 0.10532, -0.0051838],  # bass
        [1.396, -0.47968, 0.13364, 0.30689, 0.30198, -0.49975, -0.61164, 1.3306, -0.40148, -0.57854, -1.5157, 0.61781],  # log_spectrum
        [2.914, 2.2969, -1.4967, -0.48242, -1.5421, -0.36625, 0.83875, 0.39642, -0.48191, 0.92037, -1.1158, -0.17966],  # major_triads
        [-0.87139, 0.12088, 0.44164, 0.5195, -0.5182, -0.97991, 0.27342, -0.2107, 0.13837, -0.091274, 0.031059, -0.57191],  # minor_triads
    ],
    [
        [1.1334, -1.4969, 0.71723, -0.032788, -1.3473, 0.2446, -0.57744, 1.1108, 0.2921, -0.22037, 0.18329, -0.0066601],  # chroma
        [0.17449, -0.11692, -0.18516, -0.0029506, -0.041896, 0.37065, 0.032138, -0.18204, -0.085785, 0.28499, -0.5036, 0.25607],  # bass
        [1.5207, -1.6201, 0.91311, 0.70457, -0.31687, -0.45549, -0.37405, 1.1864, -0.55752, -0.8095, 0.10617, -0.29747],  # log_spectrum
        [-0.44501, -0.043609, -0.66715, 0.28476, -0.051449, -1.243, 0.039167, 0.52996, -0.58142, -0.14533, 0.71142, -0.090018],  # major_triads
        [2.0917, -0.080936, 0.13481, -0.0023154, -0.28373, 1.7309, -0.062418, -0.55137, -0.17294, -0.5422, -0.37453, -0.16843],  # minor_triads
    ],
]
MINOR_BIAS: float = -6.9639
# Softmax temperature fitted on the cross-validation folds' held-out scores (fit_temperature).
TEMPERATURE: float = 0.9397
