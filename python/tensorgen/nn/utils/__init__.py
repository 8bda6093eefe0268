"""tg.nn.utils: gradient clipping and parameter/vector conversion (torch.nn.utils's names)."""
from tensorgen.nn.utils.clip_grad import (clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_,  # noqa: F401
                                          get_total_norm)
from tensorgen.nn.utils.convert_parameters import parameters_to_vector, vector_to_parameters  # noqa: F401

__all__ = ["clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm", "parameters_to_vector",
           "vector_to_parameters"]
