"""Embedding, embedding_bag, scaled_dot_product_attention, cosine_similarity, pairwise_distance, normalize."""
from __future__ import annotations

import math  # noqa: F401

import numpy as np  # noqa: F401

import tensorgen as tg  # noqa: F401
from tensorgen.testing.opinfo.core import *  # noqa: F403  (the vocabulary of entries: OpInfo, SampleInput, _f, S, ...)


def entries():
    """Embedding, attention and distance ops (NumPy references)."""
    return []
