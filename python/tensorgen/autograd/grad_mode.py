"""Grad mode: tg.no_grad(), tg.enable_grad(), tg.set_grad_enabled(b), tg.inference_mode().

Each is a context manager and a function decorator, as in PyTorch. The mode itself is the
thread-local flag in the C++ core (aten/core/GradMode.h), read by every generated op to decide
whether its autograd layer runs; these classes only set it and restore the previous value.
"""
from __future__ import annotations

import functools
import inspect
from types import TracebackType
from typing import Any, Callable, TypeVar, cast

from tensorgen import _C

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled"]

is_grad_enabled = _C.is_grad_enabled
is_inference_mode_enabled = _C.is_inference_mode_enabled

# A decorated function keeps its signature: @tg.no_grad() returns a function of the same type.
_F = TypeVar("_F", bound=Callable[..., Any])


class _DecoratorContextManager:
    """A context manager that also decorates functions (and generator functions): every call of
    the decorated function runs inside a fresh copy of the context (see clone())."""

    def __call__(self, func: _F) -> _F:
        if inspect.isclass(func):
            raise RuntimeError(f"[{type(self).__name__}] cannot decorate a class; decorate its methods instead")
        if inspect.isgeneratorfunction(func):
            return cast(_F, self._wrap_generator(func))

        @functools.wraps(func)
        def decorated(*args: Any, **kwargs: Any) -> Any:
            with self.clone():
                return func(*args, **kwargs)

        return cast(_F, decorated)

    def _wrap_generator(self, func):
        # The mode applies while the generator's own code runs, not while its caller runs
        # between two next() calls (PyTorch's behaviour).
        @functools.wraps(func)
        def generator(*args, **kwargs):
            gen = func(*args, **kwargs)
            try:
                with self.clone():
                    response = gen.send(None)
                while True:
                    try:
                        request = yield response
                    except GeneratorExit:
                        with self.clone():
                            gen.close()
                        raise
                    except BaseException as e:  # noqa: BLE001  (forwarded into the generator)
                        with self.clone():
                            response = gen.throw(e)
                    else:
                        with self.clone():
                            response = gen.send(request)
            except StopIteration as e:
                return e.value

        return generator

    def clone(self) -> _DecoratorContextManager:
        return type(self)()

    def __enter__(self) -> None:
        raise NotImplementedError

    def __exit__(self, exc_type: type[BaseException] | None, exc_value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        raise NotImplementedError


class _NoParamDecoratorContextManager(_DecoratorContextManager):
    """Also usable as a bare decorator: `@tg.no_grad` as well as `@tg.no_grad()`."""

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_NoParamDecoratorContextManager):
    """Disables gradient recording: results of ops inside have requires_grad=False.

        with tg.no_grad():
            y = x * 2          # y.requires_grad is False even if x requires grad
    """

    def __init__(self) -> None:
        self.prev = False

    def __enter__(self) -> None:
        self.prev = _C.is_grad_enabled()
        _C._set_grad_enabled(False)

    def __exit__(self, exc_type: type[BaseException] | None, exc_value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        _C._set_grad_enabled(self.prev)


class enable_grad(_NoParamDecoratorContextManager):
    """Enables gradient recording inside a no_grad() or set_grad_enabled(False) region."""

    def __init__(self) -> None:
        self.prev = False

    def __enter__(self) -> None:
        self.prev = _C.is_grad_enabled()
        _C._set_grad_enabled(True)

    def __exit__(self, exc_type: type[BaseException] | None, exc_value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        _C._set_grad_enabled(self.prev)


class set_grad_enabled(_DecoratorContextManager):
    """Sets grad mode to `mode`. Like PyTorch, it takes effect when called, so it works as a plain
    function (`tg.set_grad_enabled(False)`), as a context manager (the previous mode comes back
    on exit) and as a decorator (`@tg.set_grad_enabled(False)`)."""

    def __init__(self, mode: bool) -> None:
        if not isinstance(mode, bool):
            raise TypeError(f"[set_grad_enabled] mode must be a bool, not {type(mode).__name__}")
        self.prev = _C.is_grad_enabled()
        self.mode = mode
        _C._set_grad_enabled(mode)

    def __call__(self, func: _F) -> _F:
        _C._set_grad_enabled(self.prev)  # decorating must not change the mode of the caller
        return super().__call__(func)

    def __enter__(self) -> None:
        _C._set_grad_enabled(self.mode)

    def __exit__(self, exc_type: type[BaseException] | None, exc_value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        _C._set_grad_enabled(self.prev)

    def clone(self) -> _DecoratorContextManager:
        return type(self)(self.mode)

    def __repr__(self) -> str:
        return f"set_grad_enabled(mode={self.mode})"


class inference_mode(_DecoratorContextManager):
    """Inference mode: no gradient recording (like no_grad), and is_inference_mode_enabled()
    reports True. inference_mode(False) leaves it, turning grad mode back on (PyTorch's rule)."""

    def __new__(cls, mode=True):
        if isinstance(mode, bool):
            return super().__new__(cls)
        return cls()(mode)  # bare @tg.inference_mode

    def __init__(self, mode: bool = True) -> None:
        self.mode = mode
        self.prev = (True, False)

    def __enter__(self) -> None:
        self.prev = (_C.is_grad_enabled(), _C.is_inference_mode_enabled())
        _C._set_inference_mode(self.mode)
        _C._set_grad_enabled(not self.mode)

    def __exit__(self, exc_type: type[BaseException] | None, exc_value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        _C._set_grad_enabled(self.prev[0])
        _C._set_inference_mode(self.prev[1])

    def clone(self) -> _DecoratorContextManager:
        return type(self)(self.mode)
