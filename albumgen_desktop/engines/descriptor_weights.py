"""Fitted weights of the logistic descriptor models (written by benchmarks/eval_descriptors.py --fit).

Fitted on the tuning part of the calibration set (104 files; benchmarks/make_calibration_set.py,
seed 0), never on the held-back part. Each term is (mean, scale, weight): the measurement is
standardised with the tuning part's mean and standard deviation, then weighted.
"""

from __future__ import annotations

LOGISTIC: dict[str, dict] = {
    "instrumentalness": {
        "bias": 1.6557,
        "terms": {
            "vocal_variance": (114.188543, 99.553206, -1.6907),
            "syllabic": (0.495693, 0.059957, -0.5393),
            "hzcrr": (0.046661, 0.04481, 1.2665),
            "lster": (0.206246, 0.130369, -1.3803),
            "formant_flux": (5.631621, 1.49827, 0.0358),
            "mfcc_delta": (4.272994, 1.641896, 0.1371),
        },
    },
    "speechiness": {
        "bias": -5.4932,
        "terms": {
            "syllabic": (0.495693, 0.059957, 1.1542),
            "lster": (0.206246, 0.130369, 1.2358),
            "hzcrr": (0.046661, 0.04481, -0.0035),
            "formant_flux": (5.631621, 1.49827, 0.1548),
            "vocal_variance": (114.188543, 99.553206, 0.8319),
            "pulse_clarity": (0.571436, 0.282894, -0.7075),
        },
    },
    "liveness": {
        "bias": -3.031,
        "terms": {
            "floor_flatness": (0.051572, 0.055583, -0.207),
            "floor_level": (-6.695957, 4.913414, 0.5588),
            "floor_share": (0.036868, 0.035854, 0.846),
            "floor_peaky": (0.382382, 0.294527, -3.1042),
            "noise_share": (0.244935, 0.175407, -0.056),
            "decay_db_s": (30.934356, 16.212196, -0.5006),
        },
    },
    "acousticness": {
        "bias": 1.9637,
        "terms": {
            "mfcc1": (88.595645, 10.440541, -0.075),
            "mfcc2": (-11.082733, 8.68834, -0.6111),
            "mfcc3": (25.148501, 9.082724, 0.5638),
            "mfcc4": (-2.783257, 6.665175, 0.4234),
            "mfcc5": (3.17929, 7.425753, -0.4751),
            "mfcc6": (-4.000262, 6.532586, 0.5161),
            "mfcc7": (-3.111597, 4.322811, -0.48),
            "mfcc8": (-7.194462, 4.318287, -0.2717),
            "crest_db": (15.871158, 1.969615, 1.5191),
            "sub_bass": (0.01641, 0.021614, 0.4492),
            "sustain_flatness": (0.267666, 0.083562, 1.8826),
            "hf_harmonic": (0.007041, 0.007898, -0.1334),
            "flatness": (0.008036, 0.006699, -0.0414),
        },
    },
}
