"""State every server process must agree on: in this process, or in Redis when REDIS_URL is set.

With one process (the default, `make run`) everything lives in dicts here. With several
(`make cluster`, docs/deploy.md) the same calls go to Redis, so that:

- presence and the dashboard's online counts are whole (every process's sockets);
- removing a participant finds their sockets on every process (`sids_of`; the disconnect
  itself goes through Flask-SocketIO's message queue);
- op rate limits (per participant, per address) count every process's ops;
- a report job started on one process is polled on another (`put_job`/`get_job`);
- the render gate sees the whole cluster's op rate (`other_processes_rate`).

A process that dies leaves its presence behind for at most PROCESS_TTL seconds: every entry
names its process, and a process is alive while its heartbeat key exists.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from typing import Any

from flask import current_app, has_app_context

PROCESS_TTL = 30  # seconds a process's entries outlive its last heartbeat
HEARTBEAT = 0.25  # seconds between heartbeats (the op rate the render gate sees)
JOB_TTL = 24 * 3600  # seconds a report job's state is kept
PREFIX = "roadmap:"

_process: dict[str, Any] = {"pid": -1, "id": ""}


def process_id() -> str:
    """This process's id (new after a fork: gunicorn workers each get their own)."""
    if _process["pid"] != os.getpid():
        _process.update(pid=os.getpid(), id=uuid.uuid4().hex[:12])
    return str(_process["id"])


# Token bucket in one round trip: (tokens, last) per key, refilled at `rate` per second.
TAKE = """
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local v = redis.call('HMGET', KEYS[1], 't', 'at')
local tokens = tonumber(v[1]) or burst
local at = tonumber(v[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local ok = 0
if tokens >= 1 then tokens = tokens - 1; ok = 1 end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(burst / math.max(rate, 0.001)) + 10)
return ok
"""
GIVE_BACK = """
local v = redis.call('HGET', KEYS[1], 't')
if v then
  redis.call('HSET', KEYS[1], 't', tostring(math.min(tonumber(ARGV[1]), tonumber(v) + 1)))
end
return 1
"""


class Local:
    """One process: the dicts live here."""

    redis: Any = None  # a redis.Redis in `Shared`

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.presence: dict[int, dict[str, dict[str, Any]]] = {}
        self.sids: dict[int, set[str]] = {}
        self.jobs: dict[str, dict[str, Any]] = {}

    # presence: board id -> sid -> entry
    def set_presence(self, board_id: int, sid: str, entry: dict[str, Any]) -> None:
        with self.lock:
            self.presence.setdefault(board_id, {})[sid] = entry

    def drop_presence(self, board_id: int, sid: str) -> None:
        with self.lock:
            entries = self.presence.get(board_id, {})
            entries.pop(sid, None)
            if not entries:
                self.presence.pop(board_id, None)

    def presence_entries(self, board_id: int) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.presence.get(board_id, {}).values())

    # the sockets of each participant
    def add_sid(self, participant_id: int, sid: str) -> None:
        with self.lock:
            self.sids.setdefault(participant_id, set()).add(sid)

    def drop_sid(self, participant_id: int, sid: str) -> None:
        with self.lock:
            sids = self.sids.get(participant_id, set())
            sids.discard(sid)
            if not sids:
                self.sids.pop(participant_id, None)

    def sids_of(self, participant_id: int) -> list[str]:
        with self.lock:
            return sorted(self.sids.get(participant_id, ()))

    # report jobs
    def put_job(self, job: dict[str, Any]) -> None:
        with self.lock:
            self.jobs[job["job_id"]] = dict(job)

    def get_job(self, job_id: str) -> dict[str, Any] | None:
        with self.lock:
            job = self.jobs.get(job_id)
            return dict(job) if job else None

    def clear(self) -> None:
        with self.lock:
            self.presence.clear()
            self.sids.clear()
            self.jobs.clear()

    def other_processes_rate(self) -> float:
        return 0.0

    def retire(self, boards: list[int]) -> None:
        """This process stops (roadmap/realtime/shutdown.py): forget its presence entries."""
        with self.lock:
            for board_id in boards:
                self.presence.pop(board_id, None)

    def ensure_heartbeat(self) -> None:
        """(Several processes only: publish this one's liveness and op rate.)"""


class Shared(Local):
    """Several processes: the same calls on Redis (keys under `roadmap:`)."""

    def __init__(self, url: str) -> None:
        import redis

        super().__init__()
        # A blocking pool: under load a greenlet waits its turn for a connection instead of
        # failing with "Too many connections" (redis-py's default pool has a ceiling).
        pool = redis.BlockingConnectionPool.from_url(
            url, max_connections=64, timeout=20, socket_timeout=5, health_check_interval=30
        )
        self.redis = redis.Redis(connection_pool=pool)
        self._take = self.redis.register_script(TAKE)
        self._give_back = self.redis.register_script(GIVE_BACK)
        self._heartbeat_pid = -1
        self._others = (0.0, 0.0)  # (rate, read at)

    # processes: alive while their heartbeat key exists
    def ensure_heartbeat(self) -> None:
        if self._heartbeat_pid == os.getpid():
            return
        self._heartbeat_pid = os.getpid()
        self.redis.set(PREFIX + "proc:" + process_id(), "1", ex=PROCESS_TTL)
        from .extensions import socketio

        socketio.start_background_task(self._beat)

    def _beat(self) -> None:
        from .extensions import socketio
        from .realtime.activity import live_activity

        me, last = process_id(), 0.0
        beats = 0
        while self._heartbeat_pid == os.getpid():
            try:
                rate = live_activity.rate()
                if rate > 0.01 or last > 0.01:
                    self.redis.hset(PREFIX + "activity", me, f"{rate:.3f}:{time.time():.3f}")
                    last = rate
                if beats % int(5 / HEARTBEAT) == 0:
                    self.redis.set(PREFIX + "proc:" + me, "1", ex=PROCESS_TTL)
            except Exception:  # Redis away for a moment: try again on the next beat
                pass
            beats += 1
            socketio.sleep(HEARTBEAT)

    def _alive(self, procs: set[str]) -> set[str]:
        names = sorted(procs)
        if not names:
            return set()
        found = self.redis.mget([PREFIX + "proc:" + p for p in names])
        return {p for p, v in zip(names, found, strict=True) if v is not None or p == process_id()}

    def set_presence(self, board_id: int, sid: str, entry: dict[str, Any]) -> None:
        _local.set_presence(board_id, sid, entry)  # this process's own (its broadcast tick)
        self.ensure_heartbeat()
        value = json.dumps({**entry, "proc": process_id()})
        self.redis.hset(f"{PREFIX}presence:{board_id}", sid, value)

    def drop_presence(self, board_id: int, sid: str) -> None:
        _local.drop_presence(board_id, sid)
        self.redis.hdel(f"{PREFIX}presence:{board_id}", sid)

    def retire(self, boards: list[int]) -> None:
        """This process stops: its heartbeat ends now (not PROCESS_TTL later), its presence
        entries and op rate go, so the other processes' lists are right at once."""
        me = process_id()
        self._heartbeat_pid = -2  # ends _beat's loop
        pipe = self.redis.pipeline()
        pipe.delete(PREFIX + "proc:" + me)
        pipe.hdel(PREFIX + "activity", me)
        for board_id in boards:
            key = f"{PREFIX}presence:{board_id}"
            mine = [
                sid
                for sid, value in self.redis.hgetall(key).items()
                if json.loads(value).get("proc") == me
            ]
            if mine:
                pipe.hdel(key, *mine)
        pipe.execute()
        super().retire(boards)

    def presence_entries(self, board_id: int) -> list[dict[str, Any]]:
        key = f"{PREFIX}presence:{board_id}"
        raw = self.redis.hgetall(key)
        entries = {sid: json.loads(value) for sid, value in raw.items()}
        alive = self._alive({e.get("proc", "") for e in entries.values()})
        stale = [sid for sid, e in entries.items() if e.get("proc") not in alive]
        if stale:
            self.redis.hdel(key, *stale)
        return [
            {k: v for k, v in e.items() if k != "proc"}
            for sid, e in sorted(entries.items())
            if e.get("proc") in alive
        ]

    def add_sid(self, participant_id: int, sid: str) -> None:
        self.ensure_heartbeat()
        key = f"{PREFIX}sids:{participant_id}"
        self.redis.pipeline().sadd(key, sid).expire(key, 7 * 24 * 3600).execute()

    def drop_sid(self, participant_id: int, sid: str) -> None:
        self.redis.srem(f"{PREFIX}sids:{participant_id}", sid)

    def sids_of(self, participant_id: int) -> list[str]:
        return sorted(s.decode() for s in self.redis.smembers(f"{PREFIX}sids:{participant_id}"))

    def put_job(self, job: dict[str, Any]) -> None:
        self.redis.set(f"{PREFIX}job:{job['job_id']}", json.dumps(job), ex=JOB_TTL)

    def get_job(self, job_id: str) -> dict[str, Any] | None:
        raw = self.redis.get(f"{PREFIX}job:{job_id}")
        return json.loads(raw) if raw else None

    def take(self, name: str, key: Any, rate: float, burst: float) -> bool:
        return bool(self._take(keys=[f"{PREFIX}bucket:{name}:{key}"], args=[rate, burst]))

    def give_back(self, name: str, key: Any, burst: float) -> None:
        self._give_back(keys=[f"{PREFIX}bucket:{name}:{key}"], args=[burst])

    def forget(self, name: str, key: Any) -> None:
        self.redis.delete(f"{PREFIX}bucket:{name}:{key}")

    def reset_buckets(self, name: str) -> None:
        keys = list(self.redis.scan_iter(f"{PREFIX}bucket:{name}:*"))
        if keys:
            self.redis.delete(*keys)

    def other_processes_rate(self) -> float:
        """The op rate the other processes broadcast (their last heartbeats), read at most
        once per heartbeat."""
        rate, read_at = self._others
        now = time.monotonic()
        if now - read_at < HEARTBEAT:
            return rate
        total, wall, me = 0.0, time.time(), process_id()
        try:
            for proc, value in self.redis.hgetall(PREFIX + "activity").items():
                their_rate, at = (float(x) for x in value.decode().split(":"))
                if proc.decode() != me and wall - at < 2:
                    total += their_rate
        except Exception:
            total = 0.0
        self._others = (total, now)
        return total


_local = Local()


def store() -> Local:
    """The current app's store: Redis when REDIS_URL is set, this process otherwise."""
    if not has_app_context():
        return _local
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    found = app.extensions.get("roadmap_shared")
    if found is None:
        url = app.config.get("REDIS_URL")
        found = Shared(url) if url else _local
        app.extensions["roadmap_shared"] = found
    return found


def local() -> Local:
    """The in-process store (tests clear it between apps)."""
    return _local
