"""A small SMTP server for tests: speaks enough of RFC 5321 (EHLO/HELO, AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP,
QUIT) over real TCP for smtplib, keeps what it receives, and can be told to answer a code instead of taking
the mail (to test retries and permanent failures)."""

from __future__ import annotations

import base64
import socketserver
import threading
from dataclasses import dataclass, field


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes


@dataclass
class SmtpServer:
    require_auth: tuple[str, str] | None = None
    refuse_with: str | None = None  # e.g. "451 try later" or "550 no such user", answered to DATA's end
    received: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        server = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write(line.encode() + b"\r\n")

            def handle(self) -> None:
                self.reply("220 test SMTP ready")
                sender, recipients, authed = "", [], server.require_auth is None
                while True:
                    line = self.rfile.readline()
                    if not line:
                        return
                    verb, _, arg = line.decode("utf-8", "replace").strip().partition(" ")
                    verb = verb.upper()
                    if verb == "EHLO":
                        self.wfile.write(b"250-test\r\n250 AUTH PLAIN\r\n")
                    elif verb == "HELO":
                        self.reply("250 test")
                    elif verb == "AUTH":
                        _, _, blob = arg.partition(" ")
                        _, user, password = base64.b64decode(blob).decode().split("\x00")
                        authed = (user, password) == server.require_auth
                        self.reply("235 ok" if authed else "535 bad credentials")
                    elif verb == "MAIL":
                        if not authed:
                            self.reply("530 authentication required")
                            continue
                        sender = arg.split(":", 1)[1].strip().strip("<>").split(">")[0]
                        self.reply("250 ok")
                    elif verb == "RCPT":
                        recipients.append(arg.split(":", 1)[1].strip().strip("<>").split(">")[0])
                        self.reply("250 ok")
                    elif verb == "DATA":
                        self.reply("354 go on")
                        chunks = []
                        while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                            chunks.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                        if server.refuse_with:
                            self.reply(server.refuse_with)
                        else:
                            server.received.append(Received(sender, recipients, b"".join(chunks)))
                            self.reply("250 queued")
                        sender, recipients = "", []
                    elif verb in ("RSET", "NOOP"):
                        self.reply("250 ok")
                    elif verb == "QUIT":
                        self.reply("221 bye")
                        return
                    else:
                        self.reply("502 not implemented")

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> SmtpServer:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
