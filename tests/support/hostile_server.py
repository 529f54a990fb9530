"""A small threaded HTTP server on loopback that answers what a test scripts, byte for byte: a hostile server
for the OAuth helper run as a user runs it (a subprocess), where ``httpx.MockTransport`` cannot reach."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Answer:
    """One scripted answer: status, raw header lines, raw body."""

    status: int
    body: bytes = b""
    headers: list[tuple[str, bytes]] = field(default_factory=lambda: [("Content-Type", b"application/json")])


#: ``(method, path without query) -> Answer``; a request nobody scripted gets a 404.
Script = Callable[[str, str], Answer | None]


@dataclass
class Seen:
    """What the server was asked: ``METHOD path?query`` lines and the bodies."""

    requests: list[str] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)


def _handler(script: Script, seen: Seen) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            seen.requests.append(f"{self.command} {self.path}")
            seen.bodies.append(body)
            answer = script(self.command, self.path.split("?", 1)[0]) or Answer(404, b'{"error": "not_found"}')
            self.send_response_only(answer.status)
            self.flush_headers()  # the status line, before the raw header lines
            for name, value in answer.headers:
                # Raw bytes: a hostile server is not bound by what http.server would encode.
                self.wfile.write(name.encode("latin-1") + b": " + value + b"\r\n")
            self.wfile.write(f"Content-Length: {len(answer.body)}\r\nConnection: close\r\n\r\n".encode())
            self.wfile.write(answer.body)
            self.wfile.flush()
            self.close_connection = True

        do_GET = do_POST = _answer

    return Handler


@contextmanager
def hostile_server(script: Script) -> Iterator[tuple[str, Seen]]:
    """``(base URL, what it was asked)`` of a server on 127.0.0.1 answering ``script``, for the ``with`` block."""
    seen = Seen()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(script, seen))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
