"""A local Socket Mode server speaking Slack's envelope protocol.

    server = SocketModeServer().start()
    fake.socket_mode_url = server.url          # apps.connections.open returns it
    envelope_id = server.send_envelope("slash_commands", payload)
    ack = server.wait_for_ack(envelope_id)     # {"envelope_id": ..., "payload": ...}
"""

from __future__ import annotations

import json
import threading
import time
import uuid

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import serve

from .state import APP_ID

ENVELOPE_TYPES = ("slash_commands", "interactive", "events_api")


class SocketModeServer:
    def __init__(self, *, ping_interval: float | None = 20):
        self.ping_interval = ping_interval
        self._cond = threading.Condition()
        self._clients: list = []
        self.acks: dict[str, dict] = {}
        self.received: list[dict] = []  # every text message from clients (acks included)
        self.sent: list[dict] = []
        self.connections_total = 0
        self._server = None
        self._thread = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> "SocketModeServer":
        if self._server is None:
            self._server = serve(self._handler, "127.0.0.1", 0, ping_interval=self.ping_interval,
                                 compression=None)
            self.port = self._server.socket.getsockname()[1]
            self._thread = threading.Thread(target=self._server.serve_forever, name="fakeslack-ws", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            with self._cond:
                clients = list(self._clients)
            for conn in clients:
                try:
                    conn.close()
                except Exception:
                    pass
            self._server.shutdown()
            self._server = None

    def __enter__(self) -> "SocketModeServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    # ------------------------------------------------------------------ protocol
    def _handler(self, conn) -> None:
        with self._cond:
            self._clients.append(conn)
            self.connections_total += 1
            self._cond.notify_all()
        try:
            conn.send(json.dumps({
                "type": "hello",
                "num_connections": len(self._clients),
                "debug_info": {"host": "fakeslack", "build_number": 1, "approximate_connection_time": 18060},
                "connection_info": {"app_id": APP_ID},
            }))
            for message in conn:
                if isinstance(message, bytes):
                    message = message.decode("utf-8", "replace")
                try:
                    data = json.loads(message)
                except ValueError:
                    data = {"raw": message}
                with self._cond:
                    self.received.append(data)
                    if isinstance(data, dict) and data.get("envelope_id"):
                        self.acks[data["envelope_id"]] = data
                    self._cond.notify_all()
        except ConnectionClosed:
            pass
        finally:
            with self._cond:
                if conn in self._clients:
                    self._clients.remove(conn)
                self._cond.notify_all()

    def wait_for_connection(self, timeout: float = 5) -> bool:
        """True once a client is connected; TimeoutError (never a silent False) otherwise."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self._clients:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no Socket Mode client connected within {timeout}s")
                self._cond.wait(left)
            return True

    @property
    def connected(self) -> int:
        with self._cond:
            return len(self._clients)

    def send_raw(self, message: dict, *, timeout: float = 5) -> None:
        if not self.wait_for_connection(timeout):
            raise TimeoutError("no Socket Mode client connected")
        with self._cond:
            clients = list(self._clients)
            self.sent.append(message)
        text = json.dumps(message)
        for conn in clients:
            try:
                conn.send(text)
            except ConnectionClosed:
                pass

    def send_envelope(self, type: str, payload: dict, *, accepts_response_payload: bool = True,
                      retry_attempt: int = 0, retry_reason: str = "", timeout: float = 5) -> str:
        if type not in ENVELOPE_TYPES:
            raise ValueError(f"envelope type must be one of {ENVELOPE_TYPES}")
        envelope_id = str(uuid.uuid4())
        envelope = {"envelope_id": envelope_id, "type": type, "payload": payload,
                    "accepts_response_payload": accepts_response_payload}
        if type == "events_api":
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = retry_reason
        self.send_raw(envelope, timeout=timeout)
        return envelope_id

    def send_disconnect(self, reason: str = "refresh_requested") -> None:
        self.send_raw({"type": "disconnect", "reason": reason,
                       "debug_info": {"host": "fakeslack"}})

    def wait_for_ack(self, envelope_id: str, timeout: float = 5) -> dict:
        deadline = time.monotonic() + timeout
        with self._cond:
            while envelope_id not in self.acks:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no ack for envelope {envelope_id} within {timeout}s")
                self._cond.wait(left)
            return self.acks[envelope_id]
