"""A switchable TCP proxy between a gunicorn under test and PostgreSQL or Redis.

`up`: forwards bytes. `down`: drops every open connection and closes new ones at once (the server
is gone). `stall`: accepts connections but forwards nothing either way (a paused or hung server);
back `up`, held connections resume. The machine's real services are never touched.
"""

from __future__ import annotations

import select
import socket
import threading
import time

UP, DOWN, STALL = "up", "down", "stall"


class Proxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.mode = UP
        self.closed = False
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.port: int = self.listener.getsockname()[1]
        self.threads: list[threading.Thread] = [threading.Thread(target=self._accept, daemon=True)]
        self.threads[0].start()

    def up(self) -> None:
        self.mode = UP

    def down(self) -> None:
        self.mode = DOWN

    def stall(self) -> None:
        self.mode = STALL

    def close(self) -> None:
        self.closed = True
        self.listener.close()
        for thread in self.threads:
            thread.join(timeout=5)

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self.mode == DOWN:
                client.close()
                continue
            thread = threading.Thread(target=self._pump, args=(client,), daemon=True)
            self.threads.append(thread)
            thread.start()

    def _pump(self, client: socket.socket) -> None:
        upstream: socket.socket | None = None
        try:
            while not self.closed and self.mode != DOWN:
                if self.mode == STALL:
                    time.sleep(0.02)
                    continue
                if upstream is None:
                    upstream = socket.create_connection(self.target, timeout=5)
                readable, _, _ = select.select([client, upstream], [], [], 0.05)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    (upstream if sock is client else client).sendall(data)
        except OSError:
            return
        finally:
            client.close()
            if upstream is not None:
                upstream.close()
