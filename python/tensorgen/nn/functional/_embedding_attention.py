"""tg.nn.functional: embedding, embedding_bag, scaled_dot_product_attention, cosine_similarity, pairwise_distance, normalize."""
from __future__ import annotations

__all__: list[str] = []
