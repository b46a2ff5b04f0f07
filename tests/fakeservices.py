"""A real HTTP server on loopback that serves recorded responses of the documented shapes, with faults."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any



class Drip:
    """A body sent one byte every ``interval`` seconds (a server that never quite stops)."""

    def __init__(self, interval: float, total: int = 10_000):
        self.interval, self.total = interval, total


Response = tuple[int, dict[str, str], Any]


class FakeServices:
    """Routes: exact path+query (or path) → a response or a callable returning one."""

    def __init__(self) -> None:
        self.routes: dict[str, Response | Callable[[str], Response]] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.closing = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                outer.requests.append((self.path, dict(self.headers)))
                route = outer.routes.get(self.path) or outer.routes.get(self.path.split("?")[0])
                if route is None:
                    status, headers, body = 404, {"Content-Type": "text/plain"}, b"not found"
                else:
                    status, headers, body = route(self.path) if callable(route) else route
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    if isinstance(body, Drip):
                        self.send_header("Content-Length", str(body.total))
                        self.end_headers()
                        for _ in range(body.total):  # one byte at a time, slowly: never idle long enough to time out
                            if outer.closing.is_set():
                                break
                            self.wfile.write(b"x")
                            self.wfile.flush()
                            time.sleep(body.interval)
                        return
                    if "Content-Length" not in headers:
                        self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "FakeServices":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.closing.set()
        self.server.shutdown()
        self.server.server_close()

    def hits(self, prefix: str) -> int:
        return sum(1 for p, _ in self.requests if p.startswith(prefix))


def slow(seconds: float, response: Response) -> Callable[[str], Response]:
    def handler(_: str) -> Response:
        time.sleep(seconds)
        return response
    return handler


def flaky(failures: int, response: Response) -> Callable[[str], Response]:
    state = {"n": 0}

    def handler(_: str) -> Response:
        state["n"] += 1
        if state["n"] <= failures:
            return 500, {"Content-Type": "text/plain", "Retry-After": "0"}, b"busy"
        return response
    return handler
