"""Servers on a real loopback socket that misbehave (they trickle, or never stop sending) or answer as scripted.

Each is a TCP server on 127.0.0.1 (so plain http is allowed by the outbound rules) that reads a request and
then runs a behaviour on the connection in a thread; it counts connections, bytes sent, and the connections
the client hung up on (a send that failed because the client closed: what a deadline or a cap does).
"""

from __future__ import annotations

import itertools
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = [
    "Behaviour",
    "MisbehavingServer",
    "canned",
    "endless_body",
    "serving",
    "trickle_body",
    "trickle_headers",
]


class MisbehavingServer:
    """A TCP server on 127.0.0.1 that answers every connection with ``behaviour(server, connection)`` in a thread."""

    def __init__(self, behaviour: Behaviour) -> None:
        self._behaviour = behaviour
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self.connections = 0
        self.sent = 0
        #: Connections whose client closed while the behaviour was still sending.
        self.hung_up = threading.Semaphore(0)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._handle, args=(connection,), daemon=True).start()

    def _handle(self, connection: socket.socket) -> None:
        with connection:
            connection.recv(65536)  # the request (small: a GET or a short form or JSON body)
            try:
                self._behaviour(self, connection)
            except OSError:  # the client gave up and closed: that is the point
                self.hung_up.release()

    def send(self, connection: socket.socket, data: bytes) -> None:
        connection.sendall(data)
        self.sent += len(data)

    def close(self) -> None:
        self._listener.close()


Behaviour = Callable[[MisbehavingServer, socket.socket], None]


@contextmanager
def serving(behaviour: Behaviour) -> Iterator[MisbehavingServer]:
    """A :class:`MisbehavingServer` running ``behaviour`` for the block."""
    server = MisbehavingServer(behaviour)
    try:
        yield server
    finally:
        server.close()


def trickle_headers(every: float = 0.05) -> Behaviour:
    """A status line and headers, one byte every ``every`` seconds, forever: each read gets a byte well within
    any read timeout, so only a deadline on the whole attempt ends it."""

    def behaviour(server: MisbehavingServer, connection: socket.socket) -> None:
        for byte in itertools.cycle(b"HTTP/1.1 200 OK\r\nX-Slow: "):
            server.send(connection, bytes([byte]))
            time.sleep(every)

    return behaviour


def trickle_body(every: float = 0.05) -> Behaviour:
    """Complete headers (a 200 of JSON, a megabyte announced), then the body one space every ``every`` seconds."""

    def behaviour(server: MisbehavingServer, connection: socket.socket) -> None:
        server.send(connection, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n")
        while True:
            server.send(connection, b" ")
            time.sleep(every)

    return behaviour


#: What an endless body repeats: JSON that never closes.
CHUNK = b"[" * 65536


def endless_body(server: MisbehavingServer, connection: socket.socket) -> None:
    """A 200 of JSON with no length, then 64 KiB chunks as fast as the client reads, forever."""
    server.send(connection, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n")
    while True:
        server.send(connection, CHUNK)


def canned(status: int, body: bytes = b"", content_type: str = "application/json") -> Behaviour:
    """One complete answer, then the connection closes: a scripted answer over a real socket."""
    head = (
        f"HTTP/1.1 {status} Scripted\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()

    def behaviour(server: MisbehavingServer, connection: socket.socket) -> None:
        server.send(connection, head + body)

    return behaviour
