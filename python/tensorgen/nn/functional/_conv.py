"""tg.nn.functional: linear, bilinear, conv1d/conv2d/conv_transpose2d, unfold/fold."""
from __future__ import annotations

__all__: list[str] = []
