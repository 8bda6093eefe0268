"""Fused multi-tensor optimizer steps (_fused_sgd_, _fused_adam_, ...)."""
from __future__ import annotations

import math  # noqa: F401

import numpy as np  # noqa: F401

import tensorgen as tg  # noqa: F401
from tensorgen.testing.opinfo.core import *  # noqa: F403  (the vocabulary of entries: OpInfo, SampleInput, _f, S, ...)


def entries():
    """Fused optimizer updates against per-parameter NumPy updates."""
    return []
