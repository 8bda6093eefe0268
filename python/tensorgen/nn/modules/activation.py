"""Activation modules (one per function of tg.nn.functional), Softmax/LogSoftmax and
MultiheadAttention, with torch.nn's constructor arguments and repr."""
from __future__ import annotations

import math
import warnings

from tensorgen import _C
from tensorgen._tensor import Tensor
from tensorgen.nn import functional as F
from tensorgen.nn import init
from tensorgen.nn.modules.linear import Linear
from tensorgen.nn.modules.module import Module
from tensorgen.nn.parameter import Parameter

__all__ = ["ReLU", "GELU", "SiLU", "Mish", "Softplus", "ELU", "SELU", "CELU", "LeakyReLU", "Hardtanh", "ReLU6",
           "Hardsigmoid", "Hardswish", "LogSigmoid", "Softsign", "Tanhshrink", "Threshold", "GLU", "PReLU",
           "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "Softmin", "MultiheadAttention"]


def _inplace_str(inplace: bool) -> str:
    return ", inplace=True" if inplace else ""


class ReLU(Module):
    """max(0, x)."""

    __constants__ = ["inplace"]

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        # F.relu is exactly this (the generated op), so call it without the extra Python frame
        return input.relu_() if self.inplace else _C.relu(input)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class _InplaceActivation(Module):
    """An activation whose only setting is `inplace`; subclasses name their F function."""

    __constants__ = ["inplace"]

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class SiLU(_InplaceActivation):
    """x * sigmoid(x)."""

    def forward(self, input: Tensor) -> Tensor:
        return F.silu(input, inplace=self.inplace)


class Mish(_InplaceActivation):
    """x * tanh(softplus(x))."""

    def forward(self, input: Tensor) -> Tensor:
        return F.mish(input, inplace=self.inplace)


class SELU(_InplaceActivation):
    """scale * (max(0, x) + min(0, alpha * (exp(x) - 1))), PyTorch's alpha and scale."""

    def forward(self, input: Tensor) -> Tensor:
        return F.selu(input, self.inplace)


class Hardsigmoid(_InplaceActivation):
    """relu6(x + 3) / 6."""

    def forward(self, input: Tensor) -> Tensor:
        return F.hardsigmoid(input, self.inplace)


class Hardswish(_InplaceActivation):
    """x * relu6(x + 3) / 6."""

    def forward(self, input: Tensor) -> Tensor:
        return F.hardswish(input, self.inplace)


class GELU(Module):
    """x * Phi(x); approximate='tanh' uses the tanh formula."""

    __constants__ = ["approximate"]

    def __init__(self, approximate: str = "none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Softplus(Module):
    """log(1 + exp(beta * x)) / beta, linear above threshold."""

    __constants__ = ["beta", "threshold"]

    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input: Tensor) -> Tensor:
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class ELU(Module):
    """x if x > 0 else alpha * (exp(x) - 1)."""

    __constants__ = ["alpha", "inplace"]

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}{_inplace_str(self.inplace)}"


class CELU(Module):
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""

    __constants__ = ["alpha", "inplace"]

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.celu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}{_inplace_str(self.inplace)}"


class LeakyReLU(Module):
    """x if x >= 0 else negative_slope * x."""

    __constants__ = ["inplace", "negative_slope"]

    def __init__(self, negative_slope: float = 1e-2, inplace: bool = False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}{_inplace_str(self.inplace)}"


class Hardtanh(Module):
    """clamp(x, min_val, max_val)."""

    __constants__ = ["min_val", "max_val", "inplace"]

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False):
        super().__init__()
        if max_val <= min_val:
            raise ValueError(f"[Hardtanh] max_val must be larger than min_val, got min_val={min_val}, "
                             f"max_val={max_val}")
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}{_inplace_str(self.inplace)}"


class ReLU6(Hardtanh):
    """min(max(0, x), 6)."""

    def __init__(self, inplace: bool = False):
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LogSigmoid(Module):
    """log(sigmoid(x))."""

    def forward(self, input: Tensor) -> Tensor:
        return F.logsigmoid(input)


class Softsign(Module):
    """x / (1 + |x|)."""

    def forward(self, input: Tensor) -> Tensor:
        return F.softsign(input)


class Tanhshrink(Module):
    """x - tanh(x)."""

    def forward(self, input: Tensor) -> Tensor:
        return F.tanhshrink(input)


class Threshold(Module):
    """x if x > threshold else value."""

    __constants__ = ["threshold", "value", "inplace"]

    def __init__(self, threshold: float, value: float, inplace: bool = False):
        super().__init__()
        self.threshold = threshold
        self.value = value
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}{_inplace_str(self.inplace)}"


class GLU(Module):
    """a * sigmoid(b) where a, b are the halves of the input along dim."""

    __constants__ = ["dim"]

    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class PReLU(Module):
    """max(0, x) + weight * min(0, x) with a learned slope (one, or one per channel = dim 1)."""

    __constants__ = ["num_parameters"]

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None, dtype=None):
        self.num_parameters = num_parameters
        super().__init__()
        self.init = init
        self.weight = Parameter(_C.empty([num_parameters], dtype=dtype, device=device))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.constant_(self.weight, self.init)

    def forward(self, input: Tensor) -> Tensor:
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class Sigmoid(Module):
    """1 / (1 + exp(-x))."""

    def forward(self, input: Tensor) -> Tensor:
        return _C.sigmoid(input)


class Tanh(Module):
    """tanh(x)."""

    def forward(self, input: Tensor) -> Tensor:
        return _C.tanh(input)


def _softmax_dim(ndim: int, name: str) -> int:
    """PyTorch's legacy choice when dim is not given (with its warning): 0 for 0-, 1- and 3-D
    input, else 1."""
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. "
                  "Change the call to include dim=X as an argument.", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


class Softmax(Module):
    """exp(x) / sum(exp(x)) along dim."""

    __constants__ = ["dim"]

    def __init__(self, dim: int | None = None):
        super().__init__()
        self.dim = dim

    def __setstate__(self, state):
        super().__setstate__(state)
        if not hasattr(self, "dim"):
            self.dim = None

    def forward(self, input: Tensor) -> Tensor:
        dim = self.dim if self.dim is not None else _softmax_dim(input.dim(), "softmax")
        return _C.softmax(input, dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmin(Module):
    """softmax(-x) along dim."""

    __constants__ = ["dim"]

    def __init__(self, dim: int | None = None):
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        dim = self.dim if self.dim is not None else _softmax_dim(input.dim(), "softmin")
        return _C.softmax(-input, dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """log(softmax(x)) along dim, computed stably."""

    __constants__ = ["dim"]

    def __init__(self, dim: int | None = None):
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        dim = self.dim if self.dim is not None else _softmax_dim(input.dim(), "log_softmax")
        return _C.log_softmax(input, dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


def _linear(x: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
    """x @ weight.T + bias over the last dim, as one addmm on the flattened rows."""
    rows = x.reshape(-1, x.size(-1))
    out = _C.addmm(bias, rows, weight.t()) if bias is not None else _C.mm(rows, weight.t())
    return out.reshape(tuple(x.shape)[:-1] + (weight.size(0),))


def _float_mask(mask: Tensor, dtype, name: str) -> Tensor:
    """A boolean mask (True = do not attend) as an additive float mask (-inf there, 0 elsewhere);
    a floating mask is added as it is."""
    if mask.dtype is _C.bool:
        return _C.zeros(list(mask.shape), dtype=dtype, device=mask.device).masked_fill(mask, float("-inf"))
    if not mask.dtype.is_floating_point:
        raise AssertionError(f"only bool and floating types of {name} are supported, got {mask.dtype}")
    return mask.to(dtype)


class NonDynamicallyQuantizableLinear(Linear):
    """MultiheadAttention's out_proj (PyTorch's class name, so reprs and state dicts match)."""


class MultiheadAttention(Module):
    """Multi-head attention (Vaswani et al.): softmax(Q K^T / sqrt(d) + mask) V per head, with
    PyTorch's parameters (in_proj_weight [3E, E] or q/k/v_proj_weight, in_proj_bias, out_proj),
    masks (key_padding_mask [N, S], attn_mask [L, S] or [N*heads, L, S], bool or additive float)
    and returns (output, weights averaged over heads or per head, or None)."""

    __constants__ = ["batch_first"]

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False, device=None, dtype=None):
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} and "
                             f"num_heads={num_heads} instead")
        factory = {"device": device, "dtype": dtype}
        super().__init__()
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != self.embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")
        if not self._qkv_same_embed_dim:
            self.q_proj_weight = Parameter(_C.empty([embed_dim, embed_dim], **factory))
            self.k_proj_weight = Parameter(_C.empty([embed_dim, self.kdim], **factory))
            self.v_proj_weight = Parameter(_C.empty([embed_dim, self.vdim], **factory))
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = Parameter(_C.empty([3 * embed_dim, embed_dim], **factory))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(_C.empty([3 * embed_dim], **factory))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, **factory)
        if add_bias_kv:
            self.bias_k = Parameter(_C.empty([1, 1, embed_dim], **factory))
            self.bias_v = Parameter(_C.empty([1, 1, embed_dim], **factory))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    def _error(self, what: str) -> RuntimeError:
        return RuntimeError(f"[MultiheadAttention(embed_dim={self.embed_dim}, num_heads={self.num_heads})] {what}")

    def forward(self, query: Tensor, key: Tensor, value: Tensor, key_padding_mask: Tensor | None = None,
                need_weights: bool = True, attn_mask: Tensor | None = None, average_attn_weights: bool = True,
                is_causal: bool = False):
        is_batched = query.dim() == 3
        if query.dim() not in (2, 3):
            raise self._error(f"query should be unbatched 2D or batched 3D tensor but received {query.dim()}-D "
                              f"query tensor of shape {list(query.shape)}")
        if key.dim() != query.dim() or value.dim() != query.dim():
            raise self._error(f"query, key and value must have the same number of dims, got query "
                              f"{list(query.shape)}, key {list(key.shape)}, value {list(value.shape)}")
        if is_causal and attn_mask is None:
            raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                               "method `generate_square_subsequent_mask` to create this mask.")
        # work sequence-first: [L, N, E]
        if not is_batched:
            query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)
        elif self.batch_first:
            query, key, value = query.transpose(0, 1), key.transpose(0, 1), value.transpose(0, 1)
        tgt_len, bsz, embed_dim = tuple(query.shape)
        src_len = key.size(0)
        if embed_dim != self.embed_dim:
            raise self._error(f"was expecting embedding dimension of {self.embed_dim}, but got {embed_dim}")
        if key.size(-1) != self.kdim or value.size(-1) != self.vdim:
            raise self._error(f"expected key features {self.kdim} and value features {self.vdim}, got key "
                              f"{list(key.shape)} and value {list(value.shape)}")
        if tuple(key.shape)[:2] != tuple(value.shape)[:2] or key.size(1) != bsz:
            raise self._error(f"key shape {list(key.shape)} does not match value shape {list(value.shape)} or "
                              f"the batch size {bsz}")
        E, H, hd = self.embed_dim, self.num_heads, self.head_dim

        if self._qkv_same_embed_dim:
            w_q, w_k, w_v = self.in_proj_weight.chunk(3)
        else:
            w_q, w_k, w_v = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        b_q = b_k = b_v = None
        if self.in_proj_bias is not None:
            b_q, b_k, b_v = self.in_proj_bias.chunk(3)
        q = _linear(query, w_q, b_q)
        k = _linear(key, w_k, b_k)
        v = _linear(value, w_v, b_v)

        # the additive mask, [L, S] or [N*H, L, S]
        mask = None
        if attn_mask is not None:
            mask = _float_mask(attn_mask, q.dtype, "attn_mask")
            if mask.dim() == 2:
                if tuple(mask.shape) != (tgt_len, src_len):
                    raise self._error(f"The shape of the 2D attn_mask is {list(mask.shape)}, but should be "
                                      f"{[tgt_len, src_len]}.")
            elif mask.dim() == 3:
                if tuple(mask.shape) != (bsz * H, tgt_len, src_len):
                    raise self._error(f"The shape of the 3D attn_mask is {list(mask.shape)}, but should be "
                                      f"{[bsz * H, tgt_len, src_len]}.")
            else:
                raise self._error(f"attn_mask's dimension {mask.dim()} is not supported")
        kpm = None
        if key_padding_mask is not None:
            if tuple(key_padding_mask.shape) != (bsz, src_len):
                raise self._error(f"expecting key_padding_mask shape of {[bsz, src_len]}, but got "
                                  f"{list(key_padding_mask.shape)}")
            kpm = _float_mask(key_padding_mask, q.dtype, "key_padding_mask")

        if self.bias_k is not None:
            k = _C.cat([k, self.bias_k.expand(1, bsz, E)])
            v = _C.cat([v, self.bias_v.expand(1, bsz, E)])
            mask = None if mask is None else _pad_last(mask)
            kpm = None if kpm is None else _pad_last(kpm)

        # heads: [N*H, L|S, hd]
        q = q.reshape(tgt_len, bsz * H, hd).transpose(0, 1)
        k = k.reshape(k.size(0), bsz * H, hd).transpose(0, 1)
        v = v.reshape(v.size(0), bsz * H, hd).transpose(0, 1)
        if self.add_zero_attn:
            zeros = _C.zeros([bsz * H, 1, hd], dtype=k.dtype, device=k.device)
            k = _C.cat([k, zeros], 1)
            v = _C.cat([v, zeros], 1)
            mask = None if mask is None else _pad_last(mask)
            kpm = None if kpm is None else _pad_last(kpm)
        src_len = k.size(1)

        if kpm is not None:
            kpm = kpm.reshape(bsz, 1, 1, src_len).expand(bsz, H, 1, src_len).reshape(bsz * H, 1, src_len)
            mask = kpm if mask is None else mask + kpm

        scores = _C.bmm(q * (1.0 / math.sqrt(hd)), k.transpose(1, 2))
        if mask is not None:
            scores = scores + mask
        weights = _C.softmax(scores, -1)
        if self.dropout > 0.0 and self.training:
            weights = F.dropout(weights, p=self.dropout)
        out = _C.bmm(weights, v)  # [N*H, L, hd]
        out = out.transpose(0, 1).reshape(tgt_len, bsz, E)
        out = _linear(out, self.out_proj.weight, self.out_proj.bias)

        if self.batch_first and is_batched:
            out = out.transpose(0, 1)
        elif not is_batched:
            out = out.squeeze(1)
        if not need_weights:
            return out, None
        weights = weights.reshape(bsz, H, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(1)
        if not is_batched:
            weights = weights.squeeze(0)
        return out, weights


def _pad_last(mask: Tensor) -> Tensor:
    """One more key position that every query may attend to (a zero column on the right)."""
    pad = _C.zeros(list(mask.shape)[:-1] + [1], dtype=mask.dtype, device=mask.device)
    return _C.cat([mask, pad], -1)
