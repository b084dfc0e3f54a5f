"""The PDF render worker: one long-running separate process, so layout never runs in the server.

A WeasyPrint render is seconds of pure CPU; under gevent it would freeze every broadcast of the
process. The server talks to the worker over its stdin/stdout pipes (length-prefixed pickles,
between two processes of the same install). Under gunicorn's gevent worker `subprocess` is
monkey-patched, so a greenlet waiting for its PDF yields to the hub instead of blocking it; in
threading mode (tests) the waiting thread simply blocks. Renders are serialised by a lock.
While the live boards are busy the server pauses the worker (SIGSTOP, then SIGCONT: gate.py).

The server starts it on first use as `python roadmap/reports/worker.py`: run as a script, the
process loads `pdf.py` by path and never imports the `roadmap` package (Flask, SQLAlchemy,
Socket.IO: about 70 MB it does not need). `python -m roadmap.reports.worker` works too.
"""

from __future__ import annotations

import ctypes
import gc
import importlib.util
import logging
import os
import pickle
import re
import signal
import struct
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Any

HEADER = struct.Struct("!Q")
RENDER_TIMEOUT = 300  # seconds: a render taking longer is killed
MAX_RENDERS = 50  # then the process is replaced (WeasyPrint caches grow)


def lowest_cpu_priority() -> None:
    """Run only when a core would otherwise idle: the live server always comes first.

    SCHED_IDLE, not just nice 19: the kernel lets a waking server preempt an idle-policy task at
    once, while a nice task still finishes its time slice (milliseconds, on every op) first.
    Broadcast p99 while event PDFs render: docs/reports.md. On an idle core a render is as fast
    as ever. Where SCHED_IDLE is missing (not Linux), nice 19.
    """
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        os.nice(19 - os.nice(0))


def die_with_the_server() -> None:
    """The server may have paused this process (SIGSTOP, gate.py): a stopped worker would outlive
    a server that crashed, so the kernel is asked to kill it when its parent goes (Linux)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


class WorkerError(RuntimeError):
    """The render failed or the worker process died."""


def send(stream: IO[bytes], obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(HEADER.pack(len(data)) + data)
    stream.flush()


def _read_exact(stream: IO[bytes], size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = stream.read(left)
        if not chunk:
            raise EOFError("the render worker closed its pipe")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def receive(stream: IO[bytes]) -> Any:
    (size,) = HEADER.unpack(_read_exact(stream, HEADER.size))
    return pickle.loads(_read_exact(stream, size))


# --- the worker process ------------------------------------------------------------------------


class _ProgressRelay(logging.Handler):
    """Turns WeasyPrint's progress log ("Step 5 - Creating layout - Page 12") into messages.

    Best effort: a message it does not expect never breaks the render, and progress only goes
    forward. (The contents page points forward, so WeasyPrint lays pages out a second time and
    logs "Page 3 (up-to-date)" for those that did not change.)
    """

    PAGE = re.compile(r"Creating layout - Page (\d+)")

    def __init__(self, out: IO[bytes]) -> None:
        super().__init__()
        self.out = out
        self.pages_expected = 1
        self.sent = 0.0
        self.pages_done = 0
        self.drawing_counts = True

    def start(self, pages_expected: int) -> None:
        self.pages_expected = max(1, pages_expected)
        self.sent = 0.0
        self.pages_done = 0
        self.drawing_counts = True

    def part(self, pages_done: int, last: bool) -> None:
        """A report laid out in parts (pdf.render) starts one: WeasyPrint counts its pages from
        1 again, and only the last part's drawing is the end of the layout."""
        self.pages_done = pages_done
        self.drawing_counts = last

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        page = self.PAGE.search(message) if message.startswith("Step 5") else None
        if page:
            pages = self.pages_done + int(page.group(1))
            fraction = 0.15 + 0.65 * min(1.0, pages / self.pages_expected)
        elif message.startswith("Step 6"):
            if not self.drawing_counts:
                return
            fraction = 0.85
        elif message.startswith(("Step 1", "Step 2", "Step 3", "Step 4")):
            fraction = 0.05
        else:
            return
        fraction = round(fraction, 3)
        if fraction > self.sent:
            self.sent = fraction
            send(self.out, ("progress", fraction))


def _load_render() -> Any:
    """pdf.render, without importing the app's package when run as a script."""
    if __package__:
        from .pdf import render

        return render
    spec = importlib.util.spec_from_file_location("roadmap_report_pdf", HERE / "pdf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.render


def main() -> None:
    """Serve render requests from stdin until it closes."""
    die_with_the_server()
    if os.environ.get("ROADMAP_REPORT_WORKER_PRIORITY") != "normal":  # bench/report.py --normal
        lowest_cpu_priority()
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything printed goes to stderr, never into the protocol
    source = sys.stdin.buffer
    render = _load_render()

    relay = _ProgressRelay(out)
    progress_log = logging.getLogger("weasyprint.progress")
    progress_log.setLevel(logging.INFO)
    progress_log.propagate = False
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    render("board", WARM_UP)  # loads fonts once, so the first real report is not slower
    while True:
        try:
            request = receive(source)
        except EOFError:
            return
        relay.start(int(request.get("pages_expected", 1)))
        if request.get("progress"):
            progress_log.addHandler(relay)
        # No cyclic collections during an event render: its box tree grows to millions of objects
        # and the collector walked it again and again (~0.85 s, 8 %, with 4 full passes); the
        # garbage is collected once, after, for +26 MB of peak. A board render keeps the collector:
        # it costs 0.03 s there, and turning it off only raised the peak (docs/reports.md).
        if request.get("kind") == "event":
            gc.disable()
        try:
            result = render(
                request["kind"],
                request["context"],
                part_notes=request.get("part_notes"),
                on_part=relay.part,
            )
            send(out, ("ok", result))
            del result
        except Exception as err:  # the server turns it into an error answer
            send(out, ("error", f"{type(err).__name__}: {err}"))
        finally:
            progress_log.removeHandler(relay)
            del request
            gc.enable()
            gc.collect()  # a document's boxes are large cyclic graphs: free them before the next


WARM_UP: dict[str, Any] = {
    "event": {"id": 0, "name": "", "starts_on": None, "ends_on": None, "place": ""},
    "board": {
        "id": 0,
        "anchor": "warm",
        "title": "",
        "group": "ไทย ខ្មែរ မြန်မာ ລາວ 中文",
        "description": "",
        "lanes": [],
        "notes": [],
        "top_signposts": [],
        "commitments": [],
        "clusters": [],
        "takeaways": [],
        "inclusion": [],
        "vote_total": 0,
    },
    "generated_at": None,
}


# --- the server side ---------------------------------------------------------------------------


class RenderWorker:
    """Handle on the worker process: started on first use, replaced when it dies."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen | None = None
        self._lock: threading.Lock | None = None
        self._renders = 0

    @property
    def lock(self) -> threading.Lock:
        # Made lazily so that under gevent it is created after monkey-patching (cooperative).
        if self._lock is None:
            self._lock = threading.Lock()
        return self._lock

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc and self._proc.poll() is None else None

    def _ensure(self) -> subprocess.Popen:
        if self._proc is None or self._proc.poll() is not None or self._renders >= MAX_RENDERS:
            self.stop()
            self._proc = subprocess.Popen(
                [sys.executable, str(HERE / "worker.py")],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                cwd=ROOT,
            )
            self._renders = 0
        return self._proc

    def render(
        self,
        kind: str,
        context: dict[str, Any],
        *,
        pages_expected: int = 1,
        on_progress: Any = None,
        on_wait: Any = None,
        part_notes: int | None = None,
    ) -> dict[str, Any]:
        """Render in the worker; `on_progress(fraction)` is called as layout goes on, and
        `on_wait(True/False)` when the render is paused for the live boards and continued.
        An event of more than `part_notes` notes is laid out in parts (pdf.render)."""
        from .gate import Governor  # server side only: the script half never imports the package

        with self.lock:
            proc = self._ensure()
            self._renders += 1
            governor = Governor(proc.pid, proc.kill, timeout=RENDER_TIMEOUT, on_wait=on_wait)
            try:
                with governor:
                    send(
                        proc.stdin,
                        {
                            "kind": kind,
                            "context": context,
                            "pages_expected": pages_expected,
                            "progress": on_progress is not None,
                            "part_notes": part_notes,
                        },
                    )
                    while True:
                        status, payload = receive(proc.stdout)
                        if status == "progress":
                            on_progress(payload)
                            continue
                        break
            except (EOFError, OSError, pickle.UnpicklingError) as err:
                self.stop()
                why = f"ran longer than {RENDER_TIMEOUT} s" if governor.timed_out else err
                raise WorkerError(f"the render worker stopped: {why}") from None
            if status != "ok":
                raise WorkerError(payload)
            return payload

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()


worker = RenderWorker()


if __name__ == "__main__":
    if not __package__:
        sys.path.pop(0)  # this directory: its modules must not shadow anything
    main()
