"""Secrets out of logs: tokens in URL paths and queries become "[token]".

No imports beyond the standard library: gunicorn.conf.py loads this file on its own (before the
app and gevent), and the app's log filter uses the same function.
"""

from __future__ import annotations

import logging
import re

# /organise/<token>, /facilitate/<token>, /follow-up/<token> (and /api/follow-up/<token>),
# ?token=..., Bearer <token>
_PATTERNS = (
    re.compile(r"(/(?:organise|facilitate)/)(?!login\b|logout\b|events\b)[A-Za-z0-9_\-]{12,}"),
    re.compile(r"(/follow-up/)[A-Za-z0-9_\-]{12,}"),
    re.compile(r"((?:^|[?&;\s])(?:token|auth|csrf_token)=)[^&\s\"]+", re.IGNORECASE),
    re.compile(r"((?:Bearer)\s+)[A-Za-z0-9_\-\.]{8,}", re.IGNORECASE),
)


def redact(text: str) -> str:
    """`text` with every token it carries replaced by "[token]"."""
    if not isinstance(text, str):
        return text
    for pattern in _PATTERNS:
        text = pattern.sub(r"\1[token]", text)
    return text


class RedactFilter(logging.Filter):
    """A logging filter that redacts the formatted message (and drops its args)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to the handler
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
