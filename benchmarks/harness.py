"""What every benchmark and the multiserver check do around the site: run manage.py, pick a
free port, start gunicorn and wait until it answers, stop it, load it with wrk.

Everything listens on and talks to 127.0.0.1 only, and every wait is bounded. Setup
failures raise ``HarnessError``; a script's entry point passes its ``main`` to
``run_main`` so that they end it with the message and exit status 2 instead of a traceback.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HOST = "127.0.0.1"  # never anything else
STEP_TIMEOUT = 900  # seconds: no manage.py step may hang a run
START_TIMEOUT = 60  # seconds for gunicorn to answer its first request
STOP_TIMEOUT = 20
WRK_INSTALL_HINT = (
    "wrk (the HTTP load generator) is not installed: `sudo apt-get install wrk` on "
    "Debian/Ubuntu, `brew install wrk` on macOS."
)


class HarnessError(RuntimeError):
    """A setup step failed (manage.py, gunicorn, wrk): the measurement cannot go on."""


def say(text: str) -> None:
    print(text, flush=True)


def run_main(main: Callable[[], int | None]) -> None:
    """Run a script's main; a setup failure ends it with its message and exit status 2."""
    try:
        status = main()
    except HarnessError as error:
        print(f"error: {error}", file=sys.stderr, flush=True)
        sys.exit(2)
    sys.exit(status or 0)


# --- The site's environment and database ---------------------------------------------------


def site_env(
    database_url: str,
    redis_url: str | None = None,
    *,
    static_root: Path | str | None = None,
    allowed_hosts: str = HOST,
    root: Path = ROOT,
    **extra: str,
) -> dict[str, str]:
    """The production settings (DEBUG off) for DATABASE_URL, with Redis as the cache when
    given; nothing inherited from the caller's own DJANGO_*/REDIS_URL variables. ``root``:
    the checkout whose code runs (another worktree, to compare)."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("DJANGO_") and name not in ("REDIS_URL", "DATABASE_URL")
    }
    env.update(
        DATABASE_URL=database_url,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS=allowed_hosts,
        DATABASE_CONN_MAX_AGE="600",
        DJANGO_LOG_LEVEL="ERROR",
        PYTHONPATH=str(root),  # this checkout's code, whatever the virtualenv points at
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    if static_root is not None:
        env["DJANGO_STATIC_ROOT"] = str(static_root)
    env.update(extra)
    return env


def manage(
    env: dict[str, str], *args: str, timeout: float = STEP_TIMEOUT, root: Path = ROOT
) -> str:
    """``manage.py ARGS`` in the checkout ``root``; its output, or HarnessError with its
    errors."""
    try:
        done = subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise HarnessError(f"manage.py {' '.join(args)} took over {timeout:g} s") from error
    if done.returncode != 0:
        raise HarnessError(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def build_glossary(env: dict[str, str], terms: int, root: Path = ROOT) -> None:
    """Migrate, load the seed terms and generate ``terms`` demo terms (fixed seed)."""
    manage(env, "migrate", "--noinput", "-v0", root=root)
    manage(env, "load_seed_content", root=root)
    manage(env, "generate_demo_terms", "--count", str(terms), "--seed", "1", root=root)


def collect_static(env: dict[str, str], root: Path = ROOT) -> None:
    """DEBUG off serves hashed static file names: collect them into DJANGO_STATIC_ROOT."""
    manage(env, "collectstatic", "--noinput", "-v0", root=root)


def sqlite_url(folder: Path | str, name: str = "db") -> str:
    return f"sqlite:///{Path(folder) / (name + '.sqlite3')}"


def temporary_folder(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix))


def _postgres_admin_url(server_url: str) -> str:
    url = urlsplit(server_url)
    return urlunsplit(url._replace(scheme="postgresql", path="/postgres"))


def recreate_postgres(server_url: str, name: str) -> str:
    """A fresh, empty database ``name`` on the server of ``server_url``; its URL."""
    import psycopg

    with psycopg.connect(_postgres_admin_url(server_url), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))


def drop_postgres(server_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(_postgres_admin_url(server_url), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def reachable(port: int, host: str = HOST) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


# --- gunicorn ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """One GET (no redirects followed into errors): status, headers, body."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def wait_until_up(
    process: subprocess.Popen, port: int, path: str = "/healthz", timeout: float = START_TIMEOUT
) -> None:
    """Until ``path`` answers 200 on 127.0.0.1:port; HarnessError if the process exits
    or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise HarnessError(f"the server on port {port} exited ({process.returncode})")
        try:
            if get(f"http://{HOST}:{port}{path}")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise HarnessError(f"the server on port {port} did not answer {path} within {timeout:g} s")


def stop(process: subprocess.Popen, quick: bool = False) -> None:
    """Stop a server we started: gracefully (SIGTERM: requests in hand are answered), or
    ``quick`` (SIGINT, gunicorn's quick shutdown); killed if still there after
    STOP_TIMEOUT seconds."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT if quick else signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


class Gunicorn:
    """gunicorn with the production configuration (config/gunicorn.conf.py) on a free port
    of 127.0.0.1, started and stopped by us. Use as a context manager, or start()/stop().

    ``workers``: None keeps the configuration's (WEB_CONCURRENCY or 2 per core + 1).
    ``log``: a file for its output (access log included); otherwise the access log is off
    and only its warnings reach stderr.
    """

    def __init__(
        self,
        env: dict[str, str],
        *,
        workers: int | None = None,
        log: IO[str] | None = None,
        ready_path: str = "/healthz",
        name: str = "gunicorn",
        quick_stop: bool = False,
        root: Path = ROOT,
    ) -> None:
        self.env = env
        self.workers = workers
        self.log = log
        self.ready_path = ready_path
        self.name = name
        self.quick_stop = quick_stop
        self.root = root
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def command(self) -> list[str]:
        command = [
            PYTHON, "-m", "gunicorn", "--config", str(self.root / "config" / "gunicorn.conf.py"),
            "--bind", f"{HOST}:{self.port}",
        ]  # fmt: skip
        if self.workers:
            command += ["--workers", str(self.workers)]
        if self.log is None:
            command += ["--access-logfile", "/dev/null", "--log-level", "warning"]
        else:
            command += ["--access-logfile", "-"]
        return command

    def launch(self) -> Gunicorn:
        """Start the process without waiting (several servers start side by side)."""
        output = self.log if self.log is not None else subprocess.DEVNULL
        self.process = subprocess.Popen(
            self.command(),
            cwd=self.root,
            env=self.env,
            stdout=output,
            stderr=subprocess.STDOUT if self.log is not None else None,
        )
        return self

    def wait_until_up(self) -> Gunicorn:
        assert self.process is not None, "launch() first"
        try:
            wait_until_up(self.process, self.port, self.ready_path)
        except HarnessError as error:
            self.stop()
            raise HarnessError(f"{self.name}: {error}") from error
        return self

    def start(self) -> Gunicorn:
        """Start and wait until it answers ``ready_path``."""
        return self.launch().wait_until_up()

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process, quick=self.quick_stop)

    def __enter__(self) -> Gunicorn:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


# --- wrk -----------------------------------------------------------------------------------


def wrk_path() -> str | None:
    return shutil.which("wrk")


def require_wrk() -> str:
    """wrk's path, or HarnessError saying how to install it."""
    found = wrk_path()
    if not found:
        raise HarnessError(WRK_INSTALL_HINT)
    return found


def _milliseconds(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def parse_wrk(out: str) -> dict[str, float]:
    """requests, rps, p50/p99 in ms and errors (non-2xx/3xx answers and socket errors)
    from wrk's --latency report."""
    result = {"requests": 0.0, "rps": 0.0, "p50": float("nan"), "p99": float("nan")}
    result["errors"] = 0.0
    if match := re.search(r"(\d+) requests in", out):
        result["requests"] = float(match.group(1))
    if match := re.search(r"Requests/sec:\s+([\d.]+)", out):
        result["rps"] = float(match.group(1))
    for name, label in (("p50", "50%"), ("p99", "99%")):
        if match := re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\b", out, re.M):
            result[name] = _milliseconds(match.group(1), match.group(2))
    if match := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out):
        result["errors"] += int(match.group(1))
    if match := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    ):
        result["errors"] += sum(int(group) for group in match.groups())
    return result


def wrk(
    url: str,
    *,
    threads: int = 2,
    connections: int = 16,
    seconds: float = 10,
    script: Path | None = None,
    script_args: list[str] | None = None,
) -> dict[str, float]:
    """wrk against one URL of 127.0.0.1 (``script``: a Lua file choosing the paths)."""
    if urlsplit(url).hostname != HOST:
        raise HarnessError(f"wrk is only ever pointed at {HOST}, not {url}")
    command = [
        require_wrk(), f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
        "--latency",
    ]  # fmt: skip
    if script is not None:
        command += ["-s", str(script)]
    command.append(url)
    if script_args:
        command += ["--", *script_args]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    except subprocess.TimeoutExpired as error:
        raise HarnessError(f"wrk on {url} did not finish") from error
    result = parse_wrk(done.stdout)
    if done.returncode != 0 or not result["rps"]:
        raise HarnessError(f"wrk failed on {url}:\n{done.stdout}\n{done.stderr}")
    return result


# Round-robin over a file of paths, one per line; each thread starts at its own offset.
PATHS_LUA = """\
local threads = 0
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end

local paths = {}
local counter = 0

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then paths[#paths + 1] = line end
  end
  counter = (id * 7919) % #paths
end

function request()
  counter = counter % #paths + 1
  return wrk.format("GET", paths[counter])
end
"""


def wrk_paths(base: str, paths: list[str], folder: Path, **options: float) -> dict[str, float]:
    """wrk spread over many paths of one server, round-robin (a Lua script in ``folder``)."""
    path_file = folder / "wrk-paths.txt"
    path_file.write_text("\n".join(paths) + "\n", encoding="utf-8")
    script = folder / "wrk-paths.lua"
    script.write_text(PATHS_LUA, encoding="utf-8")
    return wrk(base + paths[0], script=script, script_args=[str(path_file)], **options)
