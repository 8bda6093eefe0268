"""tensorgen.nn.functional: torch.nn.functional's names, argument names, defaults and semantics.

Each function is a thin Python front end over generated ops (argument checks PyTorch does in
Python, string enums such as reduction= or mode= turned into the op's arguments). One module per
family; this file only gathers them.
"""
from tensorgen.nn.functional._activation import *  # noqa: F401,F403
from tensorgen.nn.functional._conv import *  # noqa: F401,F403
from tensorgen.nn.functional._pooling import *  # noqa: F401,F403
from tensorgen.nn.functional._normalization import *  # noqa: F401,F403
from tensorgen.nn.functional._loss import *  # noqa: F401,F403
from tensorgen.nn.functional._embedding_attention import *  # noqa: F401,F403
