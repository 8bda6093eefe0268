"""Testing helpers: the OpInfo database behind tests/test_ops.py, make_tensor, assert_close."""
from tensorgen.testing._utils import assert_close, make_tensor  # noqa: F401
