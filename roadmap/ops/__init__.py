"""Op types and the one function that applies them (see core.apply)."""

# Importing the op modules registers their types.
from . import (  # noqa: F401
    board,
    clusters,
    commitments,
    facilitation,
    notes,
    redaction,
    synergies,
    takeaways,
    translations,
    undo,
    votes,
)
from .core import REGISTRY, Applied, Context, Outcome, apply, buckets, op

__all__ = ["REGISTRY", "Applied", "Context", "Outcome", "apply", "buckets", "op"]
