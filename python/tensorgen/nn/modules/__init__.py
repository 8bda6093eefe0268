"""tg.nn.modules: one module per layer family, as in torch.nn.modules."""
from tensorgen.nn.modules import (activation, container, conv, dropout, flatten, linear, loss, module, normalization,
                                  pooling, rnn, sparse, transformer)
from tensorgen.nn.modules.module import Module as Module
from tensorgen.nn.modules.container import *  # noqa: F401,F403
from tensorgen.nn.modules.linear import *  # noqa: F401,F403
from tensorgen.nn.modules.flatten import *  # noqa: F401,F403
from tensorgen.nn.modules.conv import *  # noqa: F401,F403
from tensorgen.nn.modules.pooling import *  # noqa: F401,F403
from tensorgen.nn.modules.normalization import *  # noqa: F401,F403
from tensorgen.nn.modules.sparse import *  # noqa: F401,F403
from tensorgen.nn.modules.dropout import *  # noqa: F401,F403
from tensorgen.nn.modules.activation import *  # noqa: F401,F403
from tensorgen.nn.modules.transformer import *  # noqa: F401,F403
from tensorgen.nn.modules.rnn import *  # noqa: F401,F403
from tensorgen.nn.modules.loss import *  # noqa: F401,F403

# what `from tensorgen.nn.modules import *` (and so tensorgen.nn) exports: the layer classes only
__all__ = ["Module"] + [name for family in (container, linear, flatten, conv, pooling, normalization, sparse, dropout,
                                            activation, transformer, rnn, loss) for name in family.__all__]
