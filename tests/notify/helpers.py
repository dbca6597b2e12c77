"""Loopback stand-ins for Slack's incoming webhooks and Telegram's Bot API, and helpers to run
`git tracker notify` in-process against the sandbox."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from testing.servers import SandboxHandle, serve_on_loopback
from tracker_git import cli, secrets

BOT_TOKEN = "123456789:AAF4kq-7hT2mZxWcY0bNvLd_8eRsUp3jQoI"
SLACK_PATH = "/services/T0000TEST/B0000TEST/xoxbSecretPart0123456789"


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> object:
        return json.loads(self.body.decode("utf-8"))

    def form(self) -> dict[str, str]:
        """A multipart/form-data body's fields."""
        head = f"Content-Type: {self.headers['content-type']}\r\n\r\n".encode()
        parsed = BytesParser(policy=HTTP).parsebytes(head + self.body)
        out: dict[str, str] = {}
        for part in parsed.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            assert isinstance(name, str) and isinstance(payload, bytes)
            out[name] = payload.decode("utf-8")
        return out


@dataclass
class Receiver:
    url: str
    got: list[Received] = field(default_factory=list)


# What nginx answers when what it stands in front of is down.
ERROR_PAGE = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
    + "<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n"
    * 6
)


def serve(answer: str) -> Iterator[Receiver]:
    receiver = Receiver("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            receiver.got.append(Received("POST", self.path, headers, body))
            if answer == "telegram":
                ok = self.path == f"/bot{BOT_TOKEN}/sendMessage"
                status = 200 if ok else 401
                text = json.dumps({"ok": ok, "result": {"message_id": len(receiver.got)}} if ok
                                  else {"ok": False, "error_code": 401, "description": "Unauthorized"})  # fmt: skip
            elif answer == "html":  # a proxy in front of the receiver, down
                status, text = 502, ERROR_PAGE
            else:
                ok = self.path == SLACK_PATH
                status, text = (200, "ok") if ok else (403, "invalid_token")
            data = text.encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass

    with serve_on_loopback(Handler) as receiver.url:
        yield receiver


@dataclass
class Notify:
    repo: Path
    sandbox: SandboxHandle

    @property
    def file(self) -> Path:
        return self.repo / ".tracker-notify.toml"

    def run(self, *args: str) -> tuple[int, str, str]:
        """`git tracker notify ARGS` in-process: (exit code, stdout, stderr)."""
        out, err = io.StringIO(), io.StringIO()
        # A real run is a process of its own: the secrets it moves out of os.environ (so that
        # no child inherits them) come back for the test's next step.
        saved = dict(os.environ)
        try:
            if self.file.exists():
                # The alerts name loopback receivers: trusted as the user would (tests/security
                # covers what happens without).
                with redirect_stdout(io.StringIO()), redirect_stderr(err):
                    if cli.main(["trust", "--yes", "--file", str(self.file)]):
                        return 2, out.getvalue(), err.getvalue()
            with redirect_stdout(out), redirect_stderr(err):
                code = cli.main(["notify", "--file", str(self.file), *args])
        finally:
            os.environ.clear()
            os.environ.update(saved)
            secrets.forget_held()
        return code, out.getvalue(), err.getvalue()

    def changing_requests(self) -> list[dict[str, object]]:
        return [r for r in self.sandbox.requests if r["method"] in ("POST", "PATCH", "DELETE")]
