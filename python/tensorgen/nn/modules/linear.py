"""Identity, Linear, Bilinear (torch.nn's, same parameters, initialisation and forward)."""
from __future__ import annotations

import math

from tensorgen import _C
from tensorgen._tensor import Tensor
from tensorgen.nn import functional as F
from tensorgen.nn import init
from tensorgen.nn.modules.module import Module
from tensorgen.nn.modules._utils import _input_error
from tensorgen.nn.parameter import Parameter

__all__ = ["Identity", "Linear", "Bilinear"]


class Identity(Module):
    """Returns its input; accepts (and ignores) any constructor arguments, like PyTorch's."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input


class Linear(Module):
    """y = x @ weight.T + bias, weight [out_features, in_features].

    Initialised like PyTorch: weight kaiming_uniform_(a=sqrt(5)) = U(-1/sqrt(in), 1/sqrt(in)),
    bias U(-1/sqrt(in), 1/sqrt(in)).
    """

    __constants__ = ["in_features", "out_features"]

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None, dtype=None):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(_C.empty([out_features, in_features], dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(_C.empty([out_features], dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        # kaiming_uniform_(a=sqrt(5)) is U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (PyTorch issue #57109)
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        try:
            return F.linear(input, self.weight, self.bias)
        except RuntimeError as e:
            # checked only on failure, so the common path pays nothing for the clearer message
            if isinstance(input, Tensor) and (input.dim() == 0 or input.size(-1) != self.in_features):
                raise _input_error(self, f"expected input with {self.in_features} features in its last dim",
                                   input, e) from e
            raise

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Bilinear(Module):
    """y = x1^T A x2 + b, weight [out_features, in1_features, in2_features]; all parameters
    U(-1/sqrt(in1_features), 1/sqrt(in1_features)) like PyTorch."""

    __constants__ = ["in1_features", "in2_features", "out_features"]

    def __init__(self, in1_features: int, in2_features: int, out_features: int, bias: bool = True,
                 device=None, dtype=None):
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        self.weight = Parameter(_C.empty([out_features, in1_features, in2_features], dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(_C.empty([out_features], dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1 / math.sqrt(self.weight.size(1))
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        try:
            return F.bilinear(input1, input2, self.weight, self.bias)
        except RuntimeError as e:
            if input1.dim() == 0 or input1.size(-1) != self.in1_features:
                raise _input_error(self, f"expected input1 with {self.in1_features} features in its last dim",
                                   input1, e) from e
            if input2.dim() == 0 or input2.size(-1) != self.in2_features:
                raise _input_error(self, f"expected input2 with {self.in2_features} features in its last dim",
                                   input2, e) from e
            raise

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
