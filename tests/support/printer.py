"""A network receipt printer on 127.0.0.1 for the tests: it takes what is sent to its port (raw
TCP, as an ESC/POS printer on 9100 does) and keeps each connection's bytes; and the ESC/POS
commands a ticket uses, taken out again so the text can be read back (GB18030)."""
from __future__ import annotations

import re
import socket
import threading
import time


class Printer:
    """Listens on a free port of 127.0.0.1; `received` holds one bytes per connection."""

    def __init__(self):
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(8)
        self.port = self.server.getsockname()[1]
        self.received: list[bytes] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            with connection:
                chunks = []
                while chunk := connection.recv(4096):
                    chunks.append(chunk)
                self.received.append(b"".join(chunks))

    def wait(self, count: int = 1, seconds: float = 10) -> list[bytes]:
        deadline = time.monotonic() + seconds
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.received

    def stop(self) -> None:
        self.server.close()


class SilentPrinter:
    """A printer that never answers: its one-place queue is taken, so a connection waits."""

    def __init__(self):
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(0)
        self.port = self.server.getsockname()[1]
        self.filler = socket.create_connection(("127.0.0.1", self.port), timeout=1)

    def stop(self) -> None:
        self.filler.close()
        self.server.close()


def closed_port() -> int:
    """A port of 127.0.0.1 nothing listens on (a printer that refuses the connection)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ESC @, FS &, FS ., and the commands with one parameter byte: ESC ! (print mode), ESC E (bold),
# ESC a (alignment), ESC d (feed), ESC - (underline), GS ! (size), GS V (cut).
COMMANDS = re.compile(rb"\x1b@|\x1c&|\x1c\.|\x1b[!Ead\-].|\x1d[!V].", re.S)


def text_of(data: bytes) -> str:
    """What a ticket prints, as text: the commands out, the rest read as GB18030."""
    return COMMANDS.sub(b"", data).decode("gb18030")
