"""gunicorn settings read by every `gunicorn app:app` started in this folder (make serve, tests).

- The access log never holds a token: request lines, paths and queries are redacted
  (roadmap/security/redact.py; docs/security.md).
- No `Server: gunicorn` header: the server's name and version tell an attacker what to try.
"""

import importlib.util
from pathlib import Path

from gunicorn import glogging
from gunicorn.http import wsgi as _gunicorn_wsgi

_spec = importlib.util.spec_from_file_location(
    "roadmap_redact", Path(__file__).resolve().parent / "roadmap" / "security" / "redact.py"
)
_redact = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_redact)

_gunicorn_wsgi.SERVER = "roadmap"  # the Server header's value (gunicorn's default: "gunicorn")


class RedactingLogger(glogging.Logger):
    """gunicorn's logger with tokens taken out of every access-log atom and error line."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if isinstance(value, str):
                atoms[key] = _redact.redact(value)
        return atoms

    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            log.addFilter(_redact.RedactFilter())


logger_class = RedactingLogger
