"""tg.save / tg.load in PyTorch's checkpoint format, and tg.save_file / tg.load_file (.safetensors)."""
from __future__ import annotations


def save(obj, f):  # replaced by the checkpoint work (issue 11); raises rather than pretending
    raise NotImplementedError("[save] checkpoints are not implemented yet")


def load(f, map_location=None, weights_only=True):
    raise NotImplementedError("[load] checkpoints are not implemented yet")
