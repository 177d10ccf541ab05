"""Start the real server (gunicorn + gevent, as `make run` does) for tests that need one."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def base_env(database_url: str, **extra: str) -> dict:
    env = {**os.environ, "FLASK_APP": "webapp", "APP_ENV": "production",
           "UPLOAD_DIR": tempfile.mkdtemp(prefix="uploads-"),
           "SECRET_KEY": "live-test-secret-key-not-for-production",
           "KYC_ENCRYPTION_KEY": "0iJ3hQm8dZ5y7kq1Xo2VwQnRr4tLs6uPa9bCe0fGh1I=",
           "DATABASE_URL": database_url, "MAP_TILE_URL": "", "RATELIMIT_ENABLED": "0",
           "SOCKETIO_MESSAGE_QUEUE": "", "ACCESS_LOG": "", "LOG_LEVEL": "warning",
           # A stop waits for idle keep-alive clients; tests don't need deploy's 10 s.
           "KEEPALIVE": "2"}
    for name in ("TEST_DATABASE_URL", "TEST_REDIS_URL"):
        env.pop(name, None)
    env.update(extra)
    return env


def flask(env: dict, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log_path: Path

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def start(env: dict, log_path: Path, *, port: int | None = None, target: str = "wsgi:app",
          own_group: bool = False) -> Server:
    """Run gunicorn -c deploy/gunicorn.conf.py `target` on 127.0.0.1:`port` (a free one unless
    given: a restart on the same port keeps the URL clients reconnect to) and wait until it
    serves the home page. The log is appended to. `own_group` puts master and worker in their
    own process group, so a test can SIGKILL both at once, as a crash does."""
    port = port or free_port()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "a") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", target],
            cwd=ROOT, env={**env, "BIND": f"127.0.0.1:{port}"}, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=own_group)
    server = Server(f"http://127.0.0.1:{port}", process, log_path)
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(server.url + "/", timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(f"gunicorn did not start:\n{log_path.read_text()}") from None
            time.sleep(0.2)
