"""PostgreSQL, Redis, nginx and N app processes on this machine: `make cluster` (docs/deploy.md).

    python deploy/cluster.py up [--processes N] [--port P]     start all, serve until Ctrl-C
    python deploy/cluster.py start ...                          the same, in the background
    python deploy/cluster.py stop                               stop what `start` started
    python deploy/cluster.py demo                               `flask demo --json` on it
    python deploy/cluster.py env                                the app processes' variables

Everything lives in one private folder (CLUSTER_DIR, default instance/cluster): PostgreSQL's
data directory (initdb, run as the `postgres` user when we are root: PostgreSQL refuses root),
Redis without persistence, an nginx configuration, logs and pid files. Each part listens on
127.0.0.1 on a free port; nginx serves on PORT.

The test suite starts the same PostgreSQL and Redis (tests/support/engines.py imports this file),
so only the standard library is used here.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_USER = "roadmap"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port} after {timeout:g} s")


def pg_bindir() -> Path | None:
    """Debian's PostgreSQL binaries (the newest version installed), else initdb on PATH."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def engines_missing() -> list[str]:
    missing = [] if pg_bindir() else ["postgresql"]
    if not shutil.which("redis-server"):
        missing.append("redis-server")
    return missing


def _as_postgres(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:  # PostgreSQL will not run as root
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


class Postgres:
    """A private PostgreSQL server: `initdb` into `base`, listening on 127.0.0.1:port only."""

    def __init__(self, base: Path, port: int | None = None, fast: bool = False) -> None:
        self.bindir = pg_bindir()
        if self.bindir is None:
            raise RuntimeError("PostgreSQL is not installed (Debian: postgresql)")
        self.port = port or free_port()
        self.fast = fast  # tests: no fsync (a crash loses the data, which tests throw away)
        self.base = base
        if os.geteuid() == 0 and not self._postgres_can_enter(base):
            # The postgres user cannot reach a folder inside root's private ones (pytest's
            # tmp dirs are 0700): its data goes to a folder of its own in /tmp.
            self.base = Path(tempfile.mkdtemp(prefix="roadmap-pg-"))
        self.data = self.base / "pgdata"
        self.log = self.base / "postgres.log"

    @staticmethod
    def _postgres_can_enter(path: Path) -> bool:
        path.mkdir(parents=True, exist_ok=True)
        probe = subprocess.run(["runuser", "-u", "postgres", "--", "test", "-x", str(path)])
        return probe.returncode == 0

    def url(self, database: str = "roadmap") -> str:
        return f"postgresql://{PG_USER}@127.0.0.1:{self.port}/{database}"

    def _run(self, *cmd: str) -> None:
        subprocess.run(_as_postgres(list(cmd)), check=True, capture_output=True, text=True)

    def start(self) -> Postgres:
        self.base.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.base, "postgres")
        if not (self.data / "PG_VERSION").exists():
            self._run(
                str(self.bindir / "initdb"),
                "-D",
                str(self.data),
                "-U",
                PG_USER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",  # the database's default collation; positions say "C"
            )
        options = [
            f"-p {self.port}",
            "-c listen_addresses=127.0.0.1",
            "-c unix_socket_directories=''",
            "-c max_connections=200",
        ]
        if self.fast:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-w",
            "-t",
            "60",
            "-o",
            " ".join(options),
            "start",
        )
        wait_for_port(self.port)
        return self

    def create_database(self, name: str, template: str | None = None) -> str:
        args = [str(self.bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port)]
        args += ["-U", PG_USER, *(["-T", template] if template else []), name]
        subprocess.run(args, check=True, capture_output=True, text=True)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        args = [str(self.bindir / "dropdb"), "-h", "127.0.0.1", "-p", str(self.port)]
        subprocess.run([*args, "-U", PG_USER, "--if-exists", "--force", name], check=False)

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.CalledProcessError):
                self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop")


class Redis:
    """A private Redis server without persistence, on 127.0.0.1:port."""

    def __init__(self, base: Path, port: int | None = None) -> None:
        self.base = base
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, detach: bool = False) -> Redis:
        self.base.mkdir(parents=True, exist_ok=True)
        args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        args += ["--save", "", "--appendonly", "no", "--dir", str(self.base)]
        args += ["--logfile", str(self.base / "redis.log")]
        if detach:
            args += ["--daemonize", "yes", "--pidfile", str(self.base / "redis.pid")]
            subprocess.run(args, check=True)
        else:
            self.proc = subprocess.Popen(args)
        wait_for_port(self.port)
        return self

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(10)
            return
        _kill_pid_file(self.base / "redis.pid")


def _kill_pid_file(path: Path, sig: int = signal.SIGTERM) -> None:
    with contextlib.suppress(FileNotFoundError, ValueError, ProcessLookupError):
        os.kill(int(path.read_text().strip()), sig)


def nginx_conf(base: Path, port: int, app_ports: list[int]) -> str:
    """deploy/nginx-site.conf for this machine: its upstreams, listening on `port`."""
    site = (ROOT / "deploy" / "nginx-site.conf").read_text()
    servers = "\n".join(f"    server 127.0.0.1:{p};" for p in app_ports)
    site = site.replace("    server 127.0.0.1:8001;\n    server 127.0.0.1:8002;", servers)
    host = os.environ.get("HOST") or "127.0.0.1"
    site = site.replace("listen 80;", f"listen {host}:{port};")
    site = site.replace("/srv/roadmap", str(ROOT))
    temp = base / "nginx-temp"
    return f"""# Made by deploy/cluster.py from deploy/nginx-site.conf
worker_processes 1;
pid {base / "nginx.pid"};
error_log {base / "nginx-error.log"};
events {{ worker_connections 8192; }}
worker_rlimit_nofile 20000;
http {{
  include /etc/nginx/mime.types;
  access_log off;
  client_body_temp_path {temp}/body;
  proxy_temp_path {temp}/proxy;
  fastcgi_temp_path {temp}/fastcgi;
  uwsgi_temp_path {temp}/uwsgi;
  scgi_temp_path {temp}/scgi;
{site}
}}
"""


class Cluster:
    def __init__(self, base: Path, port: int, processes: int) -> None:
        self.base = base
        self.port = port
        self.processes = processes
        self.state = base / "state.json"
        self.procs: list[subprocess.Popen] = []

    def env(self, pg_url: str, redis_url: str) -> dict[str, str]:
        return {
            "DATABASE_URL": pg_url,
            "REDIS_URL": redis_url,
            "TRUSTED_PROXIES": "1",  # nginx: the client's address is in X-Forwarded-For
            "ROADMAP_INSTANCE_PATH": str(self.base / "instance"),
            "EXPORT_DIR": str(self.base / "exports"),
            "PUBLIC_URL": os.environ.get("PUBLIC_URL") or f"http://127.0.0.1:{self.port}",
        }

    def start(self, detach: bool) -> dict[str, object]:
        self.base.mkdir(parents=True, exist_ok=True)
        (self.base / "nginx-temp").mkdir(exist_ok=True)
        pg = Postgres(self.base, port=_reuse_port(self.base, "pg")).start()
        with contextlib.suppress(subprocess.CalledProcessError):
            pg.create_database("roadmap")
        redis = Redis(self.base, port=_reuse_port(self.base, "redis")).start(detach=True)
        state: dict[str, object] = {"pg_port": pg.port, "pg_base": str(pg.base)}
        state["redis_port"] = redis.port
        self.state.write_text(json.dumps(state))  # `stop` finds them even if the rest fails
        env = {**os.environ, **self.env(pg.url(), redis.url)}
        flask = [sys.executable, "-m", "flask", "--app", "app"]
        subprocess.run([*flask, "init-db"], cwd=ROOT, env=env, check=True)
        subprocess.run([*flask, "demo"], cwd=ROOT, env=env, check=True)
        app_ports = [free_port() for _ in range(self.processes)]
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        for i, app_port in enumerate(app_ports):
            args = [gunicorn, "--worker-class", "gevent", "--workers", "1"]
            args += ["--bind", f"127.0.0.1:{app_port}", "--worker-connections", "4000"]
            args += ["--graceful-timeout", "5", "--no-control-socket"]
            args += ["--pid", str(self.base / f"app-{i}.pid")]
            args += ["--error-logfile", str(self.base / f"app-{i}.log")]
            if detach:
                args.append("--daemon")
            self.procs.append(subprocess.Popen([*args, "app:app"], cwd=ROOT, env=env))
        for app_port in app_ports:
            _wait_healthy(f"http://127.0.0.1:{app_port}")
        conf = self.base / "nginx.conf"
        conf.write_text(nginx_conf(self.base, self.port, app_ports))
        nginx = ["nginx", "-p", str(self.base), "-c", str(conf)]
        subprocess.run([*nginx, "-t", "-q"], check=True)
        if detach:
            subprocess.run(nginx, check=True)  # nginx goes to the background itself
        else:
            self.procs.append(subprocess.Popen([*nginx, "-g", "daemon off;"]))
        _wait_healthy(f"http://127.0.0.1:{self.port}")
        state["url"] = f"http://127.0.0.1:{self.port}"
        state["processes"] = app_ports
        state["env"] = self.env(pg.url(), redis.url)
        self.state.write_text(json.dumps(state, indent=2))
        return state

    def stop(self) -> None:
        for proc in self.procs:
            with contextlib.suppress(ProcessLookupError):
                proc.terminate()
        for pid_file in [self.base / "nginx.pid", *self.base.glob("app-*.pid")]:
            _kill_pid_file(pid_file, signal.SIGQUIT if "nginx" in pid_file.name else signal.SIGTERM)
        for proc in self.procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(15)
        Redis(self.base, _reuse_port(self.base, "redis")).stop()
        pg_base = self.base
        if self.state.exists():
            pg_base = Path(json.loads(self.state.read_text())["pg_base"])
        Postgres(pg_base, port=1).stop()


def _reuse_port(base: Path, which: str) -> int | None:
    """The port a previous start used (the data survives a restart), else None (a free one)."""
    state = base / "state.json"
    if state.exists():
        return json.loads(state.read_text()).get(f"{which}_port")
    return None


def _wait_healthy(url: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(url + "/healthz", timeout=2) as res,
        ):
            if res.status == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer /healthz")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["up", "start", "stop", "demo", "env"])
    parser.add_argument("--processes", type=int, default=int(os.environ.get("PROCESSES", "2")))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "5000")))
    default_dir = os.environ.get("CLUSTER_DIR") or str(ROOT / "instance" / "cluster")
    parser.add_argument("--dir", default=default_dir)
    args = parser.parse_args()
    cluster = Cluster(Path(args.dir).resolve(), args.port, args.processes)
    if args.command in ("demo", "env"):
        if not cluster.state.exists():
            sys.exit("No cluster here: run `make cluster` first.")
        state = json.loads(cluster.state.read_text())
        if args.command == "env":
            for key, value in state["env"].items():
                print(f"{key}={value}")
            return
        env = {**os.environ, **state["env"]}
        flask = [sys.executable, "-m", "flask", "--app", "app", "demo", "--json"]
        sys.exit(subprocess.run(flask, cwd=ROOT, env=env).returncode)
    if args.command == "stop":
        cluster.stop()
        print("cluster stopped")
        return
    try:
        state = cluster.start(detach=args.command == "start")
    except BaseException:
        cluster.stop()
        raise
    print(
        f"Serving on {state['url']}: {args.processes} app processes "
        f"({', '.join(map(str, state['processes']))}), PostgreSQL :{state['pg_port']}, "
        f"Redis :{state['redis_port']} (folder {cluster.base})",
        flush=True,
    )
    if args.command == "start":
        print("`make cluster-demo` prints the demo's links; `make cluster-stop` stops it all.")
        return
    stopping = []

    def on_signal(*_: object) -> None:
        stopping.append(True)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    while not stopping and all(p.poll() is None for p in cluster.procs):
        time.sleep(0.5)
    cluster.stop()


if __name__ == "__main__":
    main()
