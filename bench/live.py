"""Live co-editing benchmark: N Socket.IO clients across the demo's boards, sending ops.

Starts its own server (gunicorn -k gevent -w 1 on a temporary database with the demo loaded)
or targets --url. Each client joins the event over HTTP, connects over a websocket, joins a
board (round robin over the five), then sends ops at --rate per second (Poisson arrivals):
note.create, note.update of its own notes, note.move, vote.add/remove. It prints:

- broadcast latency: op sent -> op received by each other client of the board (p50/p95/p99),
  an op received in an `ops` batch included; deliveries per second
- ack latency: op sent -> ack received by the sender
- server CPU per applied op and per delivery (one op received by one client)
- ops/s applied, errors (refused or unanswered ops, failed connects, disconnects)
- lost / duplicated ops: every client must see every seq after its join exactly once
- server memory: RSS of the worker, and per connected client

    .venv/bin/python bench/live.py                       # 230 clients, 0.5 ops/s, 30 s
    .venv/bin/python bench/live.py --rate 1.0
    .venv/bin/python bench/live.py --clients 1000 --rate 0.1 --boards 1   # a plenary
    .venv/bin/python bench/live.py --clients 1000 --rate 0 --duration 20   # connect run
    .venv/bin/python bench/live.py --render              # while event PDFs render back to back
    ROADMAP_REPORT_YIELD_OPS=0 .venv/bin/python bench/live.py --render   # renders never wait
    .venv/bin/python bench/live.py --url http://127.0.0.1:5000 --code ARAT19

Clients run in --procs processes (default one: the clients share the machine with the server,
so they must cost little): asyncio, one aiohttp websocket each, speaking just enough Socket.IO
(Wire below) instead of python-socketio's AsyncClient, which cost more CPU than the server.
Latencies use the system-wide monotonic clock, stamped into the op_id by the sender and read
when the receiver's frame arrives, so they are comparable across processes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import psutil
import requests

ROOT = Path(__file__).resolve().parent.parent


# --- the server ---------------------------------------------------------------------------------


def raise_fd_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn -k gevent -w 1 on a temporary SQLite database with the demo event loaded."""

    def __init__(self) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="roadmap-bench-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "ROADMAP_INSTANCE_PATH": str(self.workdir / "instance"),
            "DATABASE_URL": f"sqlite:///{self.workdir / 'bench.sqlite'}",
            "EXPORT_DIR": str(self.workdir / "exports"),
            # Every bench client comes from 127.0.0.1: the per-address op limit (60 ops/s, for
            # many tokens behind one address) would cap the run, as it would a venue's NAT.
            "ROADMAP_ADDRESS_OP_RATE_PER_SECOND": os.environ.get(
                "ROADMAP_ADDRESS_OP_RATE_PER_SECOND", "0"
            ),
        }
        self.proc: subprocess.Popen | None = None
        self.demo: dict[str, Any] = {}

    def start(self) -> Server:
        python = sys.executable
        out = subprocess.run(
            [python, "-m", "flask", "--app", "app", "demo", "--json"],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        self.demo = json.loads(out.stdout)
        gunicorn = str(Path(python).parent / "gunicorn")
        self.log = (self.workdir / "server.log").open("w")
        self.proc = subprocess.Popen(
            [
                *(gunicorn, "-k", "gevent", "-w", "1", "-b", f"127.0.0.1:{self.port}"),
                *("--worker-connections", "4000", "--no-control-socket"),
                *("--graceful-timeout", "5", "app:app"),
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 120  # a loaded machine starts slowly
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/healthz", timeout=5).ok:
                    return self
            except requests.RequestException:
                time.sleep(0.2)
        log = (self.workdir / "server.log").read_text()
        self.stop()
        raise RuntimeError(log)

    def worker_pid(self) -> int:
        assert self.proc is not None
        children = psutil.Process(self.proc.pid).children()
        return children[0].pid if children else self.proc.pid

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        log = self.workdir / "server.log"
        if log.exists():  # kept for a look after the run (a worker that died says why there)
            shutil.copy(log, Path(tempfile.gettempdir()) / "roadmap-bench-server.log")
        shutil.rmtree(self.workdir, ignore_errors=True)


def find_worker(url: str) -> int | None:
    """The pid of the process listening on the --url port (when it is on this machine)."""
    port = int(url.rsplit(":", 1)[1].split("/")[0]) if url.count(":") == 2 else 80
    for conn in psutil.net_connections("tcp"):
        if conn.laddr and conn.laddr.port == port and conn.status == "LISTEN" and conn.pid:
            proc = psutil.Process(conn.pid)
            kids = proc.children()
            return kids[0].pid if kids else proc.pid
    return None


def cpu_seconds(pid: int | None) -> float:
    if not pid:
        return float("nan")
    try:
        times = psutil.Process(pid).cpu_times()
    except psutil.NoSuchProcess:
        return float("nan")
    return times.user + times.system


def runqueue_seconds(pid: int | None) -> float:
    """Time the process spent runnable but waiting for a CPU (Linux schedstat; all threads)."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return float("nan")


def stalls_of(url: str) -> dict[str, Any] | None:
    """The server's GC and checkpoint counters (GET /healthz), if it reports them."""
    try:
        return requests.get(url + "/healthz", timeout=10).json().get("stalls")
    except (requests.RequestException, ValueError):
        return None


def rss_kb(pid: int | None) -> float:
    try:
        return psutil.Process(pid).memory_info().rss / 1024 if pid else float("nan")
    except psutil.NoSuchProcess:  # the worker died (see the server log)
        print(f"the server process {pid} is gone: see the server log", file=sys.stderr)
        return float("nan")


# --- the clients --------------------------------------------------------------------------------


@dataclass
class ClientSpec:
    token: str
    participant_id: int
    board_id: int


@dataclass
class Tally:
    broadcast_ms: list[float] = field(default_factory=list)
    ack_ms: list[float] = field(default_factory=list)
    sent: int = 0
    applied: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    lost: int = 0
    duplicated: int = 0
    connected: int = 0
    cpu_s: float = 0.0  # the client processes' own CPU while sending
    frames: int = 0  # "ops" batches received (each also counts its ops in broadcast_ms)
    lag_ms: list[float] = field(default_factory=list)  # how late the clients' own loop woke

    def error(self, code: str) -> None:
        self.errors[code] = self.errors.get(code, 0) + 1


def stamp() -> str:
    return f"{uuid.uuid4().hex[:20]}-{time.monotonic_ns()}"


def age_ms(op_id: str, now_ns: int) -> float:
    return (now_ns - int(op_id.rsplit("-", 1)[1])) / 1e6


_frames: dict[str, Any] = {}


def parse_frame(data: str) -> Any:
    """An event frame's [name, payload], parsed once per client process for identical frames.

    The server frames one view once and sends the same bytes to everyone with that view, so the
    500 clients of a process get the same text: each phone parses its own, but here parsing it
    500 times was half the clients' CPU and their lag landed in every latency figure. Nothing
    mutates a parsed payload.
    """
    parsed = _frames.get(data)
    if parsed is None:
        if len(_frames) > 256:
            _frames.clear()
        parsed = _frames[data] = json.loads(data[2:])
    return parsed


class Wire:
    """Just enough Socket.IO (engine.io 4 over a websocket) for the bench: events, acks, pings."""

    def __init__(self, on_event: Any, on_disconnect: Any) -> None:
        self.on_event, self.on_disconnect = on_event, on_disconnect
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.pending: dict[int, asyncio.Future] = {}
        self.ids = 0
        self.connected = False

    async def connect(self, http: aiohttp.ClientSession, url: str, auth: dict[str, Any]) -> None:
        # compress=15: offer permessage-deflate as browsers do (the server declines it).
        self.ws = await http.ws_connect(
            url + "/socket.io/?EIO=4&transport=websocket", compress=15, timeout=30
        )
        opened = await self.ws.receive_str(timeout=30)  # 0{"sid", "pingInterval", ...}
        if not opened.startswith("0"):
            raise ConnectionError(opened)
        await self.ws.send_str("40" + json.dumps(auth))
        reply = await self.ws.receive_str(timeout=30)  # 40{"sid"} or 44{error}
        if not reply.startswith("40"):
            raise ConnectionError(reply)
        self.connected = True
        self.reader = asyncio.create_task(self.read())

    async def read(self) -> None:
        assert self.ws is not None
        async for msg in self.ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                break
            data: str = msg.data
            if data == "2":
                await self.ws.send_str("3")
            elif data.startswith("42["):
                name, payload = parse_frame(data)
                self.on_event(name, payload, time.monotonic_ns())
            elif data.startswith("43"):
                bracket = data.index("[")
                future = self.pending.pop(int(data[2:bracket]), None)
                if future is not None and not future.done():
                    future.set_result(json.loads(data[bracket:])[0])
            elif data.startswith("41") or data.startswith("1"):
                break
        was, self.connected = self.connected, False
        for future in self.pending.values():
            future.cancel()
        if was:
            await self.on_disconnect()

    async def call(self, event: str, payload: Any, timeout: float) -> Any:
        assert self.ws is not None
        self.ids += 1
        future = asyncio.get_running_loop().create_future()
        self.pending[self.ids] = future
        await self.ws.send_str(f"42{self.ids}" + json.dumps([event, payload]))
        try:
            return await asyncio.wait_for(future, timeout)
        except asyncio.CancelledError:  # the connection closed under it (read() cancels)
            if self.connected:
                raise
            raise ConnectionError("disconnected") from None
        finally:
            self.pending.pop(self.ids, None)

    async def disconnect(self) -> None:
        self.connected = False
        if self.ws is not None:
            await self.ws.close()


class BenchClient:
    def __init__(self, spec: ClientSpec, url: str, tally: Tally, lanes: dict[int, list[int]]):
        self.spec = spec
        self.url = url
        self.tally = tally
        self.lanes = lanes[spec.board_id]
        self.sio = Wire(self.on_event, self.on_disconnect)
        self.seqs: list[int] = []
        self.join_seq = 0
        self.mine: dict[int, int] = {}  # my note id -> version
        self.known: list[int] = []  # note ids seen on the board
        self.voted: set[int] = set()
        self.closing = False

    def on_event(self, name: str, payload: dict[str, Any], now: int) -> None:
        if name == "op":
            self.on_op(payload, now)
        elif name == "ops":  # a batch: one frame, several ops in seq order (docs/protocol.md)
            self.tally.frames += 1
            for message in payload["ops"]:
                self.on_op(message, now)

    def on_op(self, message: dict[str, Any], now: int) -> None:
        if message.get("op_id") and "-" in message["op_id"] and message["type"] != "coalesced":
            self.tally.broadcast_ms.append(age_ms(message["op_id"], now))
        self.seqs.append(message["seq"])
        note = (message.get("result") or {}).get("note")
        if note and len(self.known) < 500:
            self.known.append(note["id"])

    async def on_disconnect(self, *_args: Any) -> None:
        if not self.closing:
            self.tally.error("disconnected")

    async def connect(self, http: aiohttp.ClientSession) -> bool:
        try:
            await self.sio.connect(http, self.url, {"token": self.spec.token})
            ack = await self.sio.call("board:join", {"board_id": self.spec.board_id}, timeout=30)
        except Exception as err:
            self.tally.error(f"connect:{type(err).__name__}")
            return False
        if not ack.get("ok"):
            self.tally.error("join:" + ack["error"]["code"])
            return False
        self.join_seq = ack["seq"]
        self.known = [n["id"] for n in ack["snapshot"]["notes"]][:200]
        self.tally.connected += 1
        return True

    def next_op(self) -> tuple[str, dict[str, Any]]:
        roll = random.random()
        if self.mine and roll < 0.3:
            note_id = random.choice(list(self.mine))
            text = f"Edited at {time.time():.3f}"
            return "note.update", {
                "note_id": note_id,
                "base_version": self.mine[note_id],
                "text": text,
            }
        if self.mine and roll < 0.5:
            note_id = random.choice(list(self.mine))
            return "note.move", {"note_id": note_id, "lane_id": random.choice(self.lanes)}
        if self.known and roll < 0.6:
            note_id = random.choice(list(self.voted) or self.known)
            return ("vote.remove" if note_id in self.voted else "vote.add"), {"note_id": note_id}
        text = "Signpost: " + " ".join(random.choice(WORDS) for _ in range(random.randint(3, 14)))
        return "note.create", {"lane_id": random.choice(self.lanes), "text": text}

    async def send(self) -> None:
        op_type, data = self.next_op()
        op_id = stamp()
        op = {"board_id": self.spec.board_id, "op_id": op_id, "type": op_type, "data": data}
        self.tally.sent += 1
        try:
            ack = await self.sio.call("op", op, timeout=30)
        except Exception as err:
            self.tally.error(f"ack:{type(err).__name__}")
            return
        self.tally.ack_ms.append(age_ms(op_id, time.monotonic_ns()))
        if not ack.get("ok"):
            self.tally.error(ack["error"]["code"])
            if op_type == "note.update" and ack["error"]["code"] == "conflict":
                self.mine[data["note_id"]] = ack["current"]["version"]
            return
        self.tally.applied += 1
        self.seqs.append(ack["seq"])
        result = ack["result"]
        if op_type in ("note.create", "note.update"):
            self.mine[result["note"]["id"]] = result["note"]["version"]
        elif op_type == "vote.add":
            self.voted.add(data["note_id"])
        elif op_type == "vote.remove":
            self.voted.discard(data["note_id"])

    async def run(self, rate: float, until: float) -> None:
        if rate <= 0:
            await asyncio.sleep(max(0.0, until - time.monotonic()))
            return
        await asyncio.sleep(random.uniform(0, 1 / rate))
        while time.monotonic() < until:
            await self.send()
            await asyncio.sleep(random.expovariate(rate))

    def check(self, final_seq: int) -> None:
        """Every seq after the join, exactly once (ops with seq <= the join's are skipped)."""
        after = [s for s in self.seqs if s > self.join_seq]
        expected = set(range(self.join_seq + 1, final_seq + 1))
        self.tally.duplicated += len(after) - len(set(after))
        self.tally.lost += len(expected - set(after))

    async def close(self) -> None:
        self.closing = True
        await self.sio.disconnect()


WORDS = [
    "research",
    "evidence",
    "policy",
    "referral",
    "survivors",
    "shelters",
    "training",
    "police",
    "judges",
    "prosecutors",
    "labour",
    "migration",
    "supply",
    "chains",
    "audits",
    "employers",
    "recruitment",
    "fees",
    "community",
    "awareness",
    "schools",
    "hotline",
    "data",
    "sharing",
    "regional",
    "cooperation",
    "funding",
    "partners",
    "indicators",
]


async def run_clients(
    specs: list[ClientSpec], args: dict[str, Any], ready: Any, go: Any, out: Any
) -> None:
    tally = Tally()
    clients = [BenchClient(s, args["url"], tally, args["lanes"]) for s in specs]
    limit = asyncio.Semaphore(25)
    http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))

    async def connect(client: BenchClient) -> None:
        async with limit:
            await client.connect(http)

    await asyncio.gather(*(connect(c) for c in clients))
    ready.put(tally.connected)
    while not go.is_set():
        await asyncio.sleep(0.05)
    until = time.monotonic() + args["duration"]
    cpu = time.process_time()
    live = [c for c in clients if c.sio.connected]

    async def probe() -> None:
        """The client process's own lag: a latency it adds to every figure it measures."""
        while time.monotonic() < until:
            asked = time.monotonic()
            await asyncio.sleep(0.01)
            tally.lag_ms.append((time.monotonic() - asked - 0.01) * 1000)

    await asyncio.gather(probe(), *(c.run(args["rate"], until) for c in live))
    await asyncio.sleep(args["settle"])
    tally.cpu_s = time.process_time() - cpu
    finals = args["final_seqs"]()
    for client in live:
        client.check(finals[client.spec.board_id])
    await asyncio.gather(*(c.close() for c in live), return_exceptions=True)
    await http.close()
    out.put(tally.__dict__)


def client_process(specs: list[ClientSpec], args: dict[str, Any], ready, go, out) -> None:
    raise_fd_limit()
    # The clients stand for phones, which are not on the server's CPU: on one machine they run
    # behind it (nice 10), so the server is not kept waiting for a core by its own load.
    if args.get("nice"):
        os.nice(args["nice"])
    url, token = args["url"], args["seq_token"]

    def final_seqs() -> dict[int, int]:
        return {
            b: requests.get(
                f"{url}/api/boards/{b}", headers={"Authorization": f"Bearer {token}"}
            ).json()["seq"]
            for b in args["lanes"]
        }

    args = {**args, "final_seqs": final_seqs}
    asyncio.run(run_clients(specs, args, ready, go, out))


# --- the run ------------------------------------------------------------------------------------


def quantiles(values: list[float]) -> list[float]:
    return statistics.quantiles(values, n=100, method="inclusive") if len(values) > 1 else [0] * 99


def percentiles(values: list[float]) -> str:
    if not values:
        return "n/a"
    qs = statistics.quantiles(values, n=100, method="inclusive")
    return f"p50 {qs[49]:7.1f}  p95 {qs[94]:7.1f}  p99 {qs[98]:7.1f}  max {max(values):7.1f} ms"


class Renders:
    """The event's PDF, requested again as soon as it arrives, in a thread (--render)."""

    def __init__(self, server: Server) -> None:
        self.url = f"{server.url}/api/events/{server.demo['event_id']}/report.pdf"
        self.headers = {"Authorization": f"Bearer {server.demo['organiser_token']}"}
        self.seconds: list[float] = []
        self.finished: list[float] = []  # monotonic times the PDFs arrived
        self.failed = 0
        self.running = True
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self) -> None:
        while self.running:
            started = time.monotonic()
            res = requests.get(self.url, headers=self.headers, timeout=300)
            if res.ok and res.content.startswith(b"%PDF"):
                self.finished.append(time.monotonic())
                self.seconds.append(self.finished[-1] - started)
            else:
                self.failed += 1

    def stop(self) -> None:
        self.running = False
        self.thread.join(300)


def join_clients(url: str, code: str, n: int, boards: list[int]) -> list[ClientSpec]:
    session = requests.Session()
    specs = []
    for i in range(n):
        res = session.post(f"{url}/api/join", json={"code": code, "name": f"Bench {i}"}, timeout=30)
        res.raise_for_status()
        body = res.json()
        specs.append(ClientSpec(body["token"], body["participant"]["id"], boards[i % len(boards)]))
    return specs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="target this server instead of starting one")
    parser.add_argument("--code", default="ARAT19", help="the event's join code (with --url)")
    parser.add_argument("--clients", type=int, default=230)
    parser.add_argument(
        "--boards", type=int, default=0, help="use the first N boards (1: a plenary; 0: all)"
    )
    parser.add_argument("--rate", type=float, default=0.5, help="ops per second per client")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of sending")
    parser.add_argument("--settle", type=float, default=3.0, help="seconds to wait for the tail")
    parser.add_argument("--procs", type=int, default=0, help="client processes (0: automatic)")
    parser.add_argument(
        "--render",
        action="store_true",
        help="render the event's PDF back to back while the clients send (own server only)",
    )
    parser.add_argument(
        "--nice",
        type=int,
        default=10,
        help="run the clients at this niceness behind their own server (0: as the server)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    opts = parser.parse_args()
    if opts.render and opts.url:
        parser.error("--render needs the bench's own server (it uses the demo's organiser token)")
    fds = raise_fd_limit()
    server = None
    renders: Renders | None = None
    if opts.url:
        url, code = opts.url.rstrip("/"), opts.code
        pid = find_worker(url)
    else:
        server = Server().start()
        url, code = server.url, server.demo["join_code"]
        pid = server.worker_pid()
    try:
        event = requests.post(f"{url}/api/join", json={"code": code, "name": "probe"}, timeout=10)
        event.raise_for_status()
        boards = [g["board_id"] for g in event.json()["event"]["groups"]]
        if opts.boards:
            boards = boards[: opts.boards]
        probe = {"Authorization": f"Bearer {event.json()['token']}"}
        lanes = {
            b: [
                lane["id"]
                for lane in requests.get(f"{url}/api/boards/{b}", headers=probe).json()["lanes"]
            ]
            for b in boards
        }
        specs = join_clients(url, code, opts.clients, boards)
        procs = opts.procs or 1
        args = {
            "url": url,
            "rate": opts.rate,
            "duration": opts.duration,
            "settle": opts.settle,
            "lanes": lanes,
            "seq_token": event.json()["token"],
            "nice": opts.nice if server else 0,
        }
        baseline = rss_kb(pid)
        ctx = mp.get_context("spawn")
        ready, out, go = ctx.Queue(), ctx.Queue(), ctx.Event()
        workers = [
            ctx.Process(target=client_process, args=(specs[i::procs], args, ready, go, out))
            for i in range(procs)
        ]
        started = time.monotonic()
        for w in workers:
            w.start()
        connected = sum(ready.get(timeout=600) for _ in workers)
        connect_s = time.monotonic() - started
        time.sleep(2)
        idle = rss_kb(pid)
        cpu_before, waited_before = cpu_seconds(pid), runqueue_seconds(pid)
        renders = Renders(server) if opts.render and server else None
        stalls_before = stalls_of(url)
        go.set()
        ops_end = time.monotonic() + opts.duration
        results = [out.get(timeout=opts.duration + opts.settle + 300) for _ in workers]
        if renders:
            renders.stop()
        busy = rss_kb(pid)
        stalls_after = stalls_of(url)
        cpu = cpu_seconds(pid) - cpu_before
        waited = runqueue_seconds(pid) - waited_before
        for w in workers:
            w.join(30)
    finally:
        if server:
            server.stop()
    total = Tally()
    for r in results:
        total.broadcast_ms += r["broadcast_ms"]
        total.ack_ms += r["ack_ms"]
        total.sent += r["sent"]
        total.applied += r["applied"]
        total.lost += r["lost"]
        total.cpu_s += r["cpu_s"]
        total.duplicated += r["duplicated"]
        total.frames += r.get("frames", 0)
        total.lag_ms += r.get("lag_ms", [])
        for k, v in r["errors"].items():
            total.errors[k] = total.errors.get(k, 0) + v
    per_client = (idle - baseline) / max(connected, 1)
    errors = sum(total.errors.values()) + (opts.clients - connected)
    print(
        f"clients {opts.clients} (connected {connected} in {connect_s:.1f} s, {procs} client "
        f"processes, fd limit {fds}); boards {len(boards)}; rate {opts.rate:g} ops/s per client;"
        f" {opts.duration:g} s"
    )
    deliveries = len(total.broadcast_ms)
    print(
        f"broadcast latency  {percentiles(total.broadcast_ms)}  ({deliveries} deliveries, "
        f"{deliveries / opts.duration:.0f}/s; {total.frames} of the frames were batches)"
    )
    print(f"ack latency        {percentiles(total.ack_ms)}  ({len(total.ack_ms)} acks)")
    print(
        f"ops/s {total.applied / opts.duration:.1f} applied ({total.sent} sent); errors {errors} "
        f"{total.errors or ''}; lost {total.lost}; duplicated {total.duplicated}"
    )
    applied = max(total.applied, 1)
    print(
        f"server CPU {cpu:.1f} s over the run ({cpu / (opts.duration + opts.settle) * 100:.0f}% of "
        f"a core), {cpu / applied * 1000:.2f} ms per applied op (ack + broadcast included), "
        f"{cpu / max(deliveries, 1) * 1e6:.0f} us per delivery; "
        f"machine load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    print(
        f"server waited {waited:.1f} s for a CPU while runnable (other processes' load); "
        f"bench clients CPU {total.cpu_s:.1f} s "
        f"({total.cpu_s / (opts.duration + opts.settle) * 100:.0f}% of a core); "
        f"their own loop's lag {percentiles(total.lag_ms)}"
    )
    print(
        f"server RSS {baseline / 1024:.1f} MB before, {idle / 1024:.1f} MB connected, "
        f"{busy / 1024:.1f} MB after the ops; {per_client:.1f} KB per connected client"
    )
    if stalls_after and stalls_before:
        full = stalls_after["gc_full_collections"] - stalls_before["gc_full_collections"]
        gc_ms = stalls_after["gc_full_total_ms"] - stalls_before["gc_full_total_ms"]
        checkpoints = stalls_after["wal_checkpoints"] - stalls_before["wal_checkpoints"]
        print(
            f"server pauses: {full} full GC collections ({gc_ms:.0f} ms in all, longest since "
            f"start {stalls_after['gc_full_longest_ms']:.0f} ms); WAL checkpoints "
            + (
                f"in a thread: {checkpoints} "
                f"(longest {stalls_after['wal_checkpoint_longest_ms']:.0f}"
                " ms, not in the request path)"
                if stalls_after["wal_checkpoint_thread"]
                else "automatic (in the commit that fills the WAL)"
            )
        )
    if renders is not None:
        # A render waits while the boards are busy (REPORT_YIELD_OPS; 0 turns that off), at most
        # REPORT_MAX_PAUSE_SECONDS in a row: some PDFs arrive only once the ops have stopped.
        during = sum(1 for at in renders.finished if at <= ops_end)
        each = f"median {statistics.median(renders.seconds):.1f} s" if renders.seconds else "none"
        print(
            f"event PDFs asked for back to back (worker process): {during} arrived while the ops "
            f"flowed, {len(renders.seconds) - during} after; request to file {each}; "
            f"failed {renders.failed}"
        )
    if opts.json:
        b, a = quantiles(total.broadcast_ms), quantiles(total.ack_ms)
        print(
            json.dumps(
                {
                    "clients": opts.clients,
                    "boards": len(boards),
                    "deliveries_per_s": deliveries / opts.duration,
                    "batches": total.frames,
                    "server_us_per_delivery": cpu / max(deliveries, 1) * 1e6,
                    "connected": connected,
                    "rate": opts.rate,
                    "broadcast_ms": {"p50": b[49], "p95": b[94], "p99": b[98]},
                    "ack_ms": {"p50": a[49], "p95": a[94], "p99": a[98]},
                    "ops_per_s": total.applied / opts.duration,
                    "errors": errors,
                    "lost": total.lost,
                    "duplicated": total.duplicated,
                    "kb_per_client": per_client,
                    "server_cpu_ms_per_op": cpu / applied * 1000,
                    "client_cpu_s": total.cpu_s,
                    "load_average": os.getloadavg()[0],
                    "server_runqueue_s": waited,
                }
            )
        )


if __name__ == "__main__":
    main()
