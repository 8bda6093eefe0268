"""tg.nn.functional: pooling, pad, interpolate, pixel_shuffle."""
from __future__ import annotations

__all__: list[str] = []
