"""Fitted key profiles of the key analyser (written by benchmarks/fit_key.py)."""

# fmt: off
# Fitted on 4200 files (tempo-train-dev-v2-s1, tempo-train-dev-v2-s2, tempo-train-dev-v2-s21,
# tempo-train-dev-v2-s22, tempo-train-dev-v2-s23, tempo-train-dev-v2-s24, tempo-train-dev-v2-s25,
# tempo-train-dev-v2-s26, tempo-train-dev-v2-s27, tempo-train-dev-v2-s28, tempo-train-dev-v2-s29,
# tempo-train-synthetic-v2-s100), lambda 0.0003.
# PROFILES[mode][evidence row][pitch class above the tonic]; mode 0 major, 1 minor.
PROFILES: list[list[list[float]]] = [
    [
        [-0.13079, 0.28779, 0.22961, -0.24177, -0.1142, 0.5218, -0.65754, 0.21986, 0.3295, 0.63312, -1.183, 0.10563],  # chroma
        [0.14611, -0.0091438, -0.00019144, -0.24771, -0.20465, 0.20629, 0.078081, -0.13606, -0.099147, 0.13433, 0.1498, -0.017694],  # bass
        [1.4062, -0.65212, 0.18869, 0.10982, 0.44108, -0.635, -0.44879, 1.401, -0.59134, -0.38326, -1.5724, 0.73615],  # log_spectrum
        [3.2536, 0.71121, -1.5549, -0.30948, -1.2859, -0.041849, 0.74853, 0.52801, -0.28731, 1.0349, -1.0009, -0.23848],  # major_triads
        [-0.68223, 0.015856, 0.34092, 0.5739, -0.55105, -0.44086, 0.38655, -0.29602, 0.21196, -0.17875, -0.17601, -0.69045],  # minor_triads
    ],
    [
        [1.1777, -1.4992, 0.5968, -0.05401, -0.76211, 0.35727, -0.85963, 1.077, 0.20837, -0.15574, 0.21175, -0.29811],  # chroma
        [0.08847, -0.12987, -0.19041, 0.081077, -0.0060136, 0.31724, -0.041586, -0.12832, -0.077182, 0.14499, -0.33755, 0.27915],  # bass
        [1.4316, -1.6557, 0.77689, 0.73218, -0.51701, -0.42404, -0.36324, 1.0339, -0.395, -0.52368, 0.16575, -0.26169],  # log_spectrum
        [-0.13196, -0.033908, -0.59989, 0.1358, -0.053206, -1.2231, 0.0055158, 0.61631, -0.67206, -0.16003, 0.68545, -0.12637],  # major_triads
        [2.2898, -0.072265, 0.19891, -0.27331, -0.26292, 1.4844, -0.069445, -0.66341, -0.22171, -0.5167, -0.27285, -0.13432],  # minor_triads
    ],
]
MINOR_BIAS: float = -5.0439
# Softmax temperature fitted on the cross-validation folds' held-out scores (fit_temperature).
TEMPERATURE: float = 0.9591
