"""tg.optim: optimizers with torch.optim's names and behaviour, each parameter group updated by
one fused multi-tensor kernel call per step, and learning-rate schedulers (tg.optim.lr_scheduler)."""
from tensorgen.optim import lr_scheduler  # noqa: F401
from tensorgen.optim.adagrad import Adagrad
from tensorgen.optim.adam import Adam, AdamW
from tensorgen.optim.optimizer import Optimizer
from tensorgen.optim.rmsprop import RMSprop
from tensorgen.optim.sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "lr_scheduler"]
