"""A stand-in for a shop's receipt printer, for `make run` without one: `flask tickets
dev-printer` listens on 127.0.0.1 (port 9100) as a network ESC/POS printer does and shows each
ticket it is sent as the text it would print, marked as the development printer. Set the shop's
printer to 127.0.0.1 (allowed where APP_ENV=development, PRINTER_ALLOW_LOOPBACK)."""
from __future__ import annotations

import re
import socket
from collections.abc import Callable

# The commands a ticket uses (webapp/tickets/printer.py): ESC @, FS &, FS ., and ESC !, ESC E,
# ESC a, ESC d, ESC -, GS !, GS V with their one parameter byte.
COMMANDS = re.compile(rb"\x1b@|\x1c&|\x1c\.|\x1b[!Ead\-].|\x1d[!V].", re.S)


def readable(data: bytes) -> str:
    """What a ticket prints, as text: the commands out, the rest read as GB18030."""
    return COMMANDS.sub(b"", data).decode("gb18030", errors="replace")


def serve(port: int = 9100, show: Callable[[str], None] = print, once: bool = False,
          ready: Callable[[int], None] | None = None) -> None:
    """Take tickets on 127.0.0.1:`port` and show each; `once`: stop after the first."""
    with socket.create_server(("127.0.0.1", port)) as server:
        if ready is not None:
            ready(server.getsockname()[1])
        while True:
            connection, _ = server.accept()
            with connection:
                chunks = []
                while chunk := connection.recv(4096):
                    chunks.append(chunk)
            show("==== DEVELOPMENT PRINTER (not a real printer) ====\n"
                 + readable(b"".join(chunks)) + "\n==== END ====")
            if once:
                return
