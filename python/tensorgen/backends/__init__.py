"""tg.backends: what this build of tensorgen contains and which variant of it is running."""
from tensorgen.backends import cpu, cuda  # noqa: F401
