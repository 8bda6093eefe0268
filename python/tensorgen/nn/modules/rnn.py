"""RNN, LSTM, GRU (torch.nn's): multi-layer, bidirectional, batch_first, PyTorch's parameter names
(weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, ..._reverse), gate order and initialisation.

The recurrence is composed of generated ops: the input projection of a whole layer is one matmul
over all time steps, then each step is one matmul with the hidden state plus pointwise gates.
Autograd differentiates through the composition.
"""
from __future__ import annotations

import math
import numbers
import warnings

from tensorgen import _C
from tensorgen._tensor import Tensor
from tensorgen.nn import functional as F
from tensorgen.nn import init
from tensorgen.nn.modules.module import Module
from tensorgen.nn.parameter import Parameter

__all__ = ["RNNBase", "RNN", "LSTM", "GRU"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


class RNNBase(Module):
    """What RNN, LSTM and GRU share: parameters per layer and direction, checks, the layer loop."""

    __constants__ = ["mode", "input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout",
                     "bidirectional", "proj_size"]

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device=None, dtype=None):
        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        num_directions = 2 if bidirectional else 1

        if not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an "
                             "element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                          stacklevel=2)
        if not isinstance(hidden_size, int) or isinstance(hidden_size, bool):
            raise TypeError(f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if proj_size != 0 and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if mode not in _GATES:
            raise ValueError(f"Unrecognized RNN mode: {mode}")
        gate_size = _GATES[mode] * hidden_size
        real_hidden_size = proj_size if proj_size > 0 else hidden_size

        factory = {"device": device, "dtype": dtype}
        self._flat_weights_names: list[str] = []
        self._all_weights: list[list[str]] = []
        for layer in range(num_layers):
            for direction in range(num_directions):
                layer_input_size = input_size if layer == 0 else real_hidden_size * num_directions
                suffix = "_reverse" if direction == 1 else ""
                names = [f"weight_ih_l{layer}{suffix}", f"weight_hh_l{layer}{suffix}"]
                params = [Parameter(_C.empty([gate_size, layer_input_size], **factory)),
                          Parameter(_C.empty([gate_size, real_hidden_size], **factory))]
                if bias:
                    names += [f"bias_ih_l{layer}{suffix}", f"bias_hh_l{layer}{suffix}"]
                    params += [Parameter(_C.empty([gate_size], **factory)),
                               Parameter(_C.empty([gate_size], **factory))]
                if proj_size > 0:
                    names.append(f"weight_hr_l{layer}{suffix}")
                    params.append(Parameter(_C.empty([proj_size, hidden_size], **factory)))
                for name, param in zip(names, params):
                    setattr(self, name, param)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)) (PyTorch's default)."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def flatten_parameters(self) -> None:
        """PyTorch packs the weights for cuDNN here; tensorgen's recurrence reads them where they
        are, so there is nothing to do (kept so code that calls it runs unchanged)."""

    @property
    def _flat_weights(self) -> list[Tensor | None]:
        return [getattr(self, name) for name in self._flat_weights_names]

    @property
    def all_weights(self) -> list[list[Parameter]]:
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def _error(self, what: str) -> RuntimeError:
        return RuntimeError(f"[{self._get_name()}({self.extra_repr()})] {what}")

    def _check_input(self, input: Tensor, is_batched: bool) -> None:
        expected = 3 if is_batched else 2
        if input.dim() != expected:
            raise self._error(f"input must have {expected} dimensions, got {input.dim()}")
        if self.input_size != input.size(-1):
            raise self._error(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                              f"got {input.size(-1)}")

    def _check_hidden(self, hx: Tensor, expected: tuple[int, ...], what: str = "hidden") -> None:
        if tuple(hx.shape) != expected:
            raise self._error(f"Expected {what} size {expected}, got {list(hx.shape)}")

    def _cell(self, x_proj: Tensor, state, w_hh: Tensor, b_hh: Tensor | None, w_hr: Tensor | None):
        """One time step: x_proj = x_t @ W_ih^T + b_ih (precomputed), state = h or (h, c)."""
        mode = self.mode
        if mode == "LSTM":
            h, c = state
            gates = x_proj + _C.matmul(h, w_hh.t())
            if b_hh is not None:
                gates = gates + b_hh
            i, f, g, o = gates.chunk(4, -1)
            c = _C.sigmoid(f) * c + _C.sigmoid(i) * _C.tanh(g)
            h = _C.sigmoid(o) * _C.tanh(c)
            if w_hr is not None:
                h = _C.matmul(h, w_hr.t())
            return h, (h, c)
        if mode == "GRU":
            h = state
            hh = _C.matmul(h, w_hh.t())
            if b_hh is not None:
                hh = hh + b_hh
            x_r, x_z, x_n = x_proj.chunk(3, -1)
            h_r, h_z, h_n = hh.chunk(3, -1)
            r = _C.sigmoid(x_r + h_r)
            z = _C.sigmoid(x_z + h_z)
            n = _C.tanh(x_n + r * h_n)
            h = n + z * (h - n)  # (1 - z) * n + z * h
            return h, h
        h = state
        pre = x_proj + _C.matmul(h, w_hh.t())
        if b_hh is not None:
            pre = pre + b_hh
        h = _C.tanh(pre) if mode == "RNN_TANH" else _C.relu(pre)
        return h, h

    def _run_direction(self, x: Tensor, state, names: list[str], reverse: bool):
        """One layer in one direction over x [L, N, in]: returns the outputs [L, N, H] and the last state."""
        params = [getattr(self, n) for n in names]
        w_ih, w_hh = params[0], params[1]
        b_ih = b_hh = w_hr = None
        if self.bias:
            b_ih, b_hh = params[2], params[3]
        if self.proj_size > 0:
            w_hr = params[-1]
        seq_len = x.size(0)
        if seq_len == 0:
            raise self._error("input has a sequence length of 0")
        # the input projection of every time step at once
        rows = x.reshape(-1, x.size(-1))
        x_proj = _C.addmm(b_ih, rows, w_ih.t()) if b_ih is not None else _C.mm(rows, w_ih.t())
        x_proj = x_proj.reshape(seq_len, x.size(1), -1)
        outputs = [None] * seq_len
        steps = range(seq_len - 1, -1, -1) if reverse else range(seq_len)
        for t in steps:
            out, state = self._cell(x_proj[t], state, w_hh, b_hh, w_hr)
            outputs[t] = out
        return _C.stack(outputs), state

    def _forward_layers(self, x: Tensor, hx, is_lstm: bool):
        """x [L, N, in]; hx: [layers*dirs, N, H] (or a pair for LSTM). Returns output, h_n (, c_n)."""
        num_directions = 2 if self.bidirectional else 1
        h_n, c_n = [], []
        for layer in range(self.num_layers):
            outs = []
            for direction in range(num_directions):
                idx = layer * num_directions + direction
                state = (hx[0][idx], hx[1][idx]) if is_lstm else hx[idx]
                out, last = self._run_direction(x, state, self._all_weights[idx], reverse=direction == 1)
                outs.append(out)
                if is_lstm:
                    h_n.append(last[0])
                    c_n.append(last[1])
                else:
                    h_n.append(last)
            x = outs[0] if num_directions == 1 else _C.cat(outs, -1)
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        if is_lstm:
            return x, (_C.stack(h_n), _C.stack(c_n))
        return x, _C.stack(h_n)

    def _prepare(self, input: Tensor):
        """Checks the input and makes it sequence-first and batched: returns x [L, N, in], is_batched."""
        if not isinstance(input, Tensor):
            raise TypeError(f"[{self._get_name()}] expected a tensorgen.Tensor input, got {type(input).__name__}")
        is_batched = input.dim() == 3
        if input.dim() not in (2, 3):
            raise self._error(f"expected input to be 2D (unbatched) or 3D (batched), got {input.dim()}D input of "
                              f"shape {list(input.shape)}")
        self._check_input(input, is_batched)
        if not is_batched:
            return input.unsqueeze(1), False
        return (input.transpose(0, 1) if self.batch_first else input), True

    def _finish(self, output: Tensor, is_batched: bool) -> Tensor:
        if not is_batched:
            return output.squeeze(1)
        return output.transpose(0, 1) if self.batch_first else output

    def extra_repr(self) -> str:
        s = "{input_size}, {hidden_size}"
        if self.proj_size != 0:
            s += ", proj_size={proj_size}"
        if self.num_layers != 1:
            s += ", num_layers={num_layers}"
        if self.bias is not True:
            s += ", bias={bias}"
        if self.batch_first is not False:
            s += ", batch_first={batch_first}"
        if self.dropout != 0:
            s += ", dropout={dropout}"
        if self.bidirectional is not False:
            s += ", bidirectional={bidirectional}"
        return s.format(**self.__dict__)


class _SingleStateRNN(RNNBase):
    """RNN and GRU: one hidden state h [layers*dirs, N, H]."""

    def forward(self, input: Tensor, hx: Tensor | None = None):
        x, is_batched = self._prepare(input)
        num_directions = 2 if self.bidirectional else 1
        batch = x.size(1)
        expected = (self.num_layers * num_directions, batch, self.hidden_size)
        if hx is None:
            hx = _C.zeros(list(expected), dtype=x.dtype, device=x.device)
        else:
            if not is_batched:
                if hx.dim() != 2:
                    raise self._error(f"For unbatched 2-D input, hx should also be 2-D but got {hx.dim()}-D tensor")
                hx = hx.unsqueeze(1)
            elif hx.dim() != 3:
                raise self._error(f"For batched 3-D input, hx should also be 3-D but got {hx.dim()}-D tensor")
            self._check_hidden(hx, expected)
        output, h_n = self._forward_layers(x, hx, is_lstm=False)
        if not is_batched:
            h_n = h_n.squeeze(1)
        return self._finish(output, is_batched), h_n


class RNN(_SingleStateRNN):
    """Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (nonlinearity='relu': relu)."""

    def __init__(self, *args, **kwargs):
        nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if len(args) > 3:
            nonlinearity = args[3]
            args = args[:3] + args[4:]
        if nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__(mode, *args, **kwargs)


class GRU(_SingleStateRNN):
    """Gated recurrent unit, PyTorch's gate order (r, z, n):
    r = sigmoid(W_ir x + b_ir + W_hr h + b_hr), z = sigmoid(W_iz x + b_iz + W_hz h + b_hz),
    n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), h' = (1 - z) * n + z * h."""

    def __init__(self, *args, **kwargs):
        super().__init__("GRU", *args, **kwargs)


class LSTM(RNNBase):
    """Long short-term memory, PyTorch's gate order (i, f, g, o):
    c' = sigmoid(f) * c + sigmoid(i) * tanh(g), h' = sigmoid(o) * tanh(c') (times W_hr with proj_size).
    forward(input, (h_0, c_0)) -> output, (h_n, c_n)."""

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None):
        x, is_batched = self._prepare(input)
        num_directions = 2 if self.bidirectional else 1
        batch = x.size(1)
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        h_shape = (self.num_layers * num_directions, batch, real_hidden)
        c_shape = (self.num_layers * num_directions, batch, self.hidden_size)
        if hx is None:
            hx = (_C.zeros(list(h_shape), dtype=x.dtype, device=x.device),
                  _C.zeros(list(c_shape), dtype=x.dtype, device=x.device))
        else:
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise self._error("hx must be a tuple (h_0, c_0)")
            h0, c0 = hx
            if not is_batched:
                if h0.dim() != 2 or c0.dim() != 2:
                    raise self._error(f"For unbatched 2-D input, hx and cx should also be 2-D but got "
                                      f"({h0.dim()}-D, {c0.dim()}-D) tensors")
                h0, c0 = h0.unsqueeze(1), c0.unsqueeze(1)
            elif h0.dim() != 3 or c0.dim() != 3:
                raise self._error(f"For batched 3-D input, hx and cx should also be 3-D but got "
                                  f"({h0.dim()}-D, {c0.dim()}-D) tensors")
            self._check_hidden(h0, h_shape, "hidden")
            self._check_hidden(c0, c_shape, "cell")
            hx = (h0, c0)
        output, (h_n, c_n) = self._forward_layers(x, hx, is_lstm=True)
        if not is_batched:
            h_n, c_n = h_n.squeeze(1), c_n.squeeze(1)
        return self._finish(output, is_batched), (h_n, c_n)
