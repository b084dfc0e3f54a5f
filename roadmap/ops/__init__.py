"""Op types and the one function that applies them (see core.apply)."""

# Importing the op modules registers their types.
from . import board, clusters, commitments, facilitation, notes, takeaways, undo, votes  # noqa: F401
from .core import REGISTRY, Applied, Context, Outcome, apply, buckets, op

__all__ = ["REGISTRY", "Applied", "Context", "Outcome", "apply", "buckets", "op"]
