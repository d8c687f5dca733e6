"""Start the real `incident-bot` console script as a subprocess, pointed at a fake Slack."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.support import SECRET

ROOT = Path(__file__).resolve().parents[1]
# All a child process gets from the caller's environment: enough to find Python, its packages
# and a temporary directory. Nothing the bot reads as a setting gets through.
PASSED_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT", "VIRTUAL_ENV")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(**settings: str) -> dict[str, str]:
    """An explicit environment for a child process: the few variables in PASSED_THROUGH,
    the repository on PYTHONPATH (the project need not be installed), and `settings`."""
    env = {name: os.environ[name] for name in PASSED_THROUGH if name in os.environ}
    env["PYTHONPATH"] = str(ROOT)
    env.update(settings)
    return env


def bot_env(fake: Any, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = clean_env()
    env.update(
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake.url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}",
        INCIDENTS_CHANNEL=getattr(fake, "incidents_channel_id", ""),
        PORT=str(free_port()),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def wait_healthy(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as reply:
                if reply.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.1)
    raise AssertionError(f"incident-bot serve did not answer /healthz on port {port} within {timeout}s")


@contextmanager
def bot_process(command: str, env: dict[str, str], log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`incident-bot <command>` as a child process; its output goes to `log_path`. It runs in
    the log's directory, so a `.env` in the checkout is not read."""
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "bot.cli", command], env=env, stdout=log,
                                   stderr=subprocess.STDOUT, cwd=log_path.parent)
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_for(predicate: Any, timeout: float = 10, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")
