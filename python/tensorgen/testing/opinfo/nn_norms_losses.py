"""Normalizations (batch/layer/group/rms norm) and losses (cross_entropy, nll_loss, mse_loss, ...)."""
from __future__ import annotations

import math  # noqa: F401

import numpy as np  # noqa: F401

import tensorgen as tg  # noqa: F401
from tensorgen.testing.opinfo.core import *  # noqa: F403  (the vocabulary of entries: OpInfo, SampleInput, _f, S, ...)


def entries():
    """Normalizations and losses (NumPy references)."""
    return []
