"""gunicorn settings read by every `gunicorn app:app` started in this folder (make serve, tests).

- The access log never holds a token: request lines, paths and queries are redacted
  (roadmap/security/redact.py; docs/security.md).
- No `Server: gunicorn` header: the server's name and version tell an attacker what to try.
- gunicorn's own answers to requests it cannot parse (400, 414, 431...) carry the app's security
  headers too (roadmap/security/web.py HEADERS), like every response of the app.
"""

import importlib.util
from pathlib import Path

from gunicorn import glogging
from gunicorn import util as _gunicorn_util
from gunicorn.http import wsgi as _gunicorn_wsgi

_spec = importlib.util.spec_from_file_location(
    "roadmap_redact", Path(__file__).resolve().parent / "roadmap" / "security" / "redact.py"
)
_redact = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_redact)

_gunicorn_wsgi.SERVER = "roadmap"  # the Server header's value (gunicorn's default: "gunicorn")


class _WithSecurityHeaders:
    """The client's socket, as gunicorn's write_error sees it: our headers go after the status
    line of the response it writes (in one sendall: tests/realtime/test_transport_guard.py
    notices when gunicorn's code changes)."""

    def __init__(self, sock, lines: bytes) -> None:
        self._sock, self._lines = sock, lines

    def sendall(self, data: bytes) -> None:
        status, sep, rest = bytes(data).partition(b"\r\n")
        self._sock.sendall(status + sep + self._lines + rest if sep else data)

    def __getattr__(self, name):
        return getattr(self._sock, name)


_write_error = _gunicorn_util.write_error


def write_error(sock, status_int, reason, mesg):
    # In the worker, where app:app is loaded already (the master never imports the app).
    from roadmap.security.web import HEADERS

    lines = "".join(f"{name}: {value}\r\n" for name, value in HEADERS.items())
    _write_error(_WithSecurityHeaders(sock, lines.encode("latin-1")), status_int, reason, mesg)


_gunicorn_util.write_error = write_error


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


def post_worker_init(worker):
    """SIGTERM: besides gunicorn's graceful stop, move this worker's websocket clients on at
    once and retire its presence (roadmap/realtime/shutdown.py; ROADMAP_DRAIN_ON_STOP=0: off).
    Without it, each open websocket held the worker for the whole graceful timeout (30 s)."""
    import signal

    from roadmap.extensions import socketio
    from roadmap.realtime import shutdown

    if not shutdown.enabled():
        return
    stop = worker.handle_exit

    def on_term(sig, frame):
        stop(sig, frame)
        socketio.start_background_task(shutdown.drain)

    worker.handle_exit = on_term
    signal.signal(signal.SIGTERM, on_term)
