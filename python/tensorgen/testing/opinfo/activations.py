"""Activation functions (gelu, silu, elu, ...), dropout and the in-place random fills."""
from __future__ import annotations

import math  # noqa: F401

import numpy as np  # noqa: F401

import tensorgen as tg  # noqa: F401
from tensorgen.testing.opinfo.core import *  # noqa: F403  (the vocabulary of entries: OpInfo, SampleInput, _f, S, ...)


def entries():
    """Activations (NumPy closed forms as references), dropout and random fills (statistical checks)."""
    return []
