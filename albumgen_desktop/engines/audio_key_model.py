"""Fitted key profiles of the key analyser (written by benchmarks/fit_key.py)."""

# fmt: off
# Fitted on 4200 files (tempo-train-dev-v2-s1, tempo-train-dev-v2-s2, tempo-train-dev-v2-s21,
# tempo-train-dev-v2-s22, tempo-train-dev-v2-s23, tempo-train-dev-v2-s24, tempo-train-dev-v2-s25,
# tempo-train-dev-v2-s26, tempo-train-dev-v2-s27, tempo-train-dev-v2-s28, tempo-train-dev-v2-s29,
# tempo-train-synthetic-v2-s100), lambda 3e-05.
# PROFILES[mode][evidence row][pitch class above the tonic]; mode 0 major, 1 minor.
PROFILES: list[list[list[float]]] = [
    [
        [-0.65431, -0.041687, 1.0237, 1.8027, -0.75277, 0.23871, -0.8824, -0.60502, 1.4386, 0.24034, -1.6683, -0.13959],  # chroma
        [-0.10876, 0.33293, 0.093423, -0.37048, -0.13057, 0.048928, 0.28244, -0.236, -0.018983, 0.078163, -0.037346, 0.066258],  # bass
        [2.0085, -0.95895, -0.55823, -0.97708, 0.90607, -0.2056, 0.30709, 1.429, -0.73395, -0.52513, -1.9432, 1.2513],  # log_spectrum
        [5.0545, 2.4728, -3.305, -0.48235, -3.3348, 0.38562, 5.6042, 1.9471, -1.9789, 2.0699, -4.392, -1.6573],  # major_triads
        [-0.93408, 0.18355, 1.4524, 4.9342, -0.70687, -1.8462, -0.44018, -1.3628, 0.27249, -0.37903, -0.14958, -3.1426],  # minor_triads
    ],
    [
        [1.3661, -2.0916, -0.019937, 0.12256, -1.1451, -0.16887, -0.53436, 0.47442, 0.52942, 0.67263, 0.051563, 0.74324],  # chroma
        [0.032881, 0.0995, -0.21718, -0.036885, 0.2579, 0.11982, -0.063384, -0.10718, -0.11746, 0.099712, -0.46791, 0.40017],  # bass
        [1.6693, -2.9652, 1.1287, 0.90036, 0.24735, -0.037624, -0.759, 1.5897, -0.40543, -0.16269, 0.21701, -1.4224],  # log_spectrum
        [-0.047409, 0.26861, -2.1423, 1.3903, 0.36257, -5.231, 0.68592, 3.1085, -2.6934, -0.81075, 2.7473, -0.02201],  # major_triads
        [3.541, 0.093331, 0.58056, -0.87539, -0.71046, 4.1486, -0.0016157, -1.0435, -0.34418, -1.7357, -1.3982, -0.13584],  # minor_triads
    ],
]
MINOR_BIAS: float = -10.096
# Softmax temperature fitted on the cross-validation folds' held-out scores (fit_temperature).
TEMPERATURE: float = 1.097
