"""tg.nn.functional: activations, softmax/log_softmax, dropout."""
from __future__ import annotations

__all__: list[str] = []
