"""Op types and the one function that applies them (see core.apply)."""

from . import notes, votes  # noqa: F401  (registers the op types)
from .core import REGISTRY, Applied, Context, Outcome, apply, buckets, op

__all__ = ["REGISTRY", "Applied", "Context", "Outcome", "apply", "buckets", "op"]
