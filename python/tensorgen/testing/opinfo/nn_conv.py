"""Convolutions, linear, unfold/fold."""
from __future__ import annotations

import math  # noqa: F401

import numpy as np  # noqa: F401

import tensorgen as tg  # noqa: F401
from tensorgen.testing.opinfo.core import *  # noqa: F403  (the vocabulary of entries: OpInfo, SampleInput, _f, S, ...)


def entries():
    """conv1d/conv2d/conv_transpose2d, linear, im2col/col2im (references: direct NumPy loops over the definition)."""
    return []
