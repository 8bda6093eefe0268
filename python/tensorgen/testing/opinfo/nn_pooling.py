"""Pooling, padding, interpolation, pixel shuffle."""
from __future__ import annotations

import math  # noqa: F401

import numpy as np  # noqa: F401

import tensorgen as tg  # noqa: F401
from tensorgen.testing.opinfo.core import *  # noqa: F403  (the vocabulary of entries: OpInfo, SampleInput, _f, S, ...)


def entries():
    """max/avg/adaptive pooling, pad, interpolate, pixel_shuffle (NumPy references)."""
    return []
