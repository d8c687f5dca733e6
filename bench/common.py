"""Shared helpers for the bench/ scripts: a fake Slack, the bot as a subprocess, signed
callers, percentiles and tables.

Every script runs from the repo root as `python bench/<name>.py`; importing this module
puts the repo root on sys.path so `tests.fakeslack` and `tests.support` can be reused.
"""

from __future__ import annotations

import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.fakeslack import FakeSlack, SocketModeServer, signed  # noqa: E402
from tests.support import declare_values  # noqa: E402

SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-bench"
APP_TOKEN = "xapp-bench"
PEOPLE = ("UREPORTER", "UALICE", "UBOB", "UCAROL")

__all__ = ["FakeSlack", "SocketModeServer", "signed", "declare_values", "SECRET", "workspace", "free_port",
           "BotProcess", "percentile", "summary", "table", "machine", "rss_mb", "cpu_seconds", "load_average"]


# ---------------------------------------------------------------------- fake Slack
def workspace(latency: float = 0.0) -> FakeSlack:
    """A started FakeSlack with the people and channels the tests' `slack` fixture has.

    Benchmarks measure the bot, so Slack's rate-limit tiers (on by default in the fake) are
    off here; bench/rate_limits.py switches them on itself."""
    fake = FakeSlack(latency=latency).start()
    fake.enforce_tiers(enabled=False)
    fake.add_user("UREPORTER", "reporter", tz="Europe/Berlin")
    fake.add_user("UALICE", "alice", tz="America/New_York")
    fake.add_user("UBOB", "bob", tz="Asia/Tokyo")
    fake.add_user("UCAROL", "carol", tz="UTC")
    members = ["UBOT", *PEOPLE]
    fake.general_channel_id = fake.create_channel("general", members=members)
    fake.incidents_channel_id = fake.create_channel("incidents", members=members)
    return fake


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------------- the bot as a process
def bot_command() -> list[str]:
    """The installed console script (what operators run) next to this Python, so no version
    manager's shim adds its own start-up time; else the module."""
    script = Path(sys.executable).parent / "incident-bot"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "bot.cli"]


@dataclass
class BotProcess:
    """`incident-bot serve|run` in a subprocess against the fake, with SQLite in a temp dir.

    `start()` returns the seconds from spawn until it is ready: for serve, /healthz answers
    200; for run, the Socket Mode server sees the connection.
    """

    fake: FakeSlack
    mode: str = "serve"
    socket_server: SocketModeServer | None = None
    env_extra: dict[str, str] = field(default_factory=dict)
    port: int = 0
    proc: subprocess.Popen | None = None
    tmp: str = ""
    start_cpu_s: float = 0.0

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "INCIDENT"))}
        env.update({
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_API_URL": self.fake.url,
            "DATABASE_URL": f"sqlite:///{self.tmp}/incident-bot.db",
            "PORT": str(self.port),
            "INCIDENTS_CHANNEL": self.fake.incidents_channel_id,
            "PYTHONPATH": str(ROOT),
        })
        if self.mode == "serve":
            env["SLACK_SIGNING_SECRET"] = SECRET
        else:
            env["SLACK_APP_TOKEN"] = APP_TOKEN
        env.update(self.env_extra)
        return env

    def start(self, timeout: float = 30) -> float:
        if not self.tmp:
            self.tmp = tempfile.mkdtemp(prefix="incident-bot-bench-")
            self.log = open(Path(self.tmp) / "bot.log", "wb")
        self.port = self.port or free_port()
        started = time.monotonic()
        # cwd is the temp dir so a developer's .env in the repo is not read.
        self.proc = subprocess.Popen([*bot_command(), self.mode], env=self.env(), cwd=self.tmp,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = started + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"incident-bot {self.mode} exited: {self.log_text()[-2000:]}")
            if self.ready():
                elapsed = time.monotonic() - started
                # CPU seconds the start took: unlike wall time, not inflated by a busy machine.
                self.start_cpu_s = cpu_seconds(self.proc.pid)
                return elapsed
            time.sleep(0.005)
        raise TimeoutError(f"incident-bot {self.mode} not ready in {timeout}s: {self.log_text()[-2000:]}")

    def start_again(self) -> float:
        """Starts the stopped process again on the same database (already migrated)."""
        assert self.proc is not None and self.proc.poll() is not None, "stop the process first"
        return self.start()

    def ready(self) -> bool:
        if self.mode == "run":
            assert self.socket_server is not None
            return self.socket_server.connected > 0
        return healthz(self.base_url)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def caller(self, timeout: float = 10) -> signed.HttpCaller:
        return signed.HttpCaller(self.base_url, SECRET, self.fake, timeout=timeout)

    def rss_mb(self) -> float:
        assert self.proc is not None
        return rss_mb(self.proc.pid)

    def log_text(self) -> str:
        self.log.flush()
        return (Path(self.tmp) / "bot.log").read_text(errors="replace")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.tmp:
            self.log.close()
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = ""

    def __enter__(self) -> BotProcess:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def healthz(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(base_url + "/healthz", timeout=1) as resp:
            return resp.status == 200
    except OSError:
        return False


def wait_until(predicate, timeout: float, interval: float = 0.005) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_average() -> str:
    """The 1-minute load average next to the CPU count: wall-clock figures mean little when
    the machine is busy with other work."""
    try:
        return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    except OSError:
        return "load average unknown"


def rss_mb(pid: int) -> float:
    """Resident set size from /proc (Linux), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


# ---------------------------------------------------------------------- figures
def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (p99 of 300 samples is the 297th smallest)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-pct * len(ordered) // 100))))
    return ordered[rank - 1]


def summary(values_s: Sequence[float]) -> dict[str, float]:
    """p50/p99/max in milliseconds."""
    ms = [v * 1000 for v in values_s]
    return {"n": len(ms), "p50": percentile(ms, 50), "p99": percentile(ms, 99), "max": max(ms) if ms else float("nan")}


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    def fmt(value: Any) -> str:
        if isinstance(value, float):
            return f"{value:,.1f}" if abs(value) >= 10 else f"{value:.2f}"
        return str(value)

    cells = [[fmt(c) for c in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in cells)) if cells else len(str(h)) for i, h in enumerate(headers)]
    lines = ["| " + " | ".join(str(h).ljust(w) for h, w in zip(headers, widths)) + " |",
             "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    for row in cells:
        lines.append("| " + " | ".join(c.rjust(w) if _numeric(c) else c.ljust(w) for c, w in zip(row, widths)) + " |")
    return "\n".join(lines)


def _numeric(text: str) -> bool:
    return text.replace(",", "").replace(".", "", 1).replace("-", "", 1).replace("x", "").isdigit()


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}, {platform.system()} {platform.release()}"
