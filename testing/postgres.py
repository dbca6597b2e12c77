"""A real PostgreSQL server for tests and benchmarks, in a temporary folder.

    with run_postgres() as server:      # initdb + postgres on a unix socket of its own
        url = server.create_database()  # postgresql:///relay_<hex>?host=...&user=postgres

The binaries come from the Debian `postgresql` package (/usr/lib/postgresql/<version>/bin).
initdb refuses to run as root, and CI runs as root: then the server runs as the package's
unprivileged `postgres` user (runuser), in a folder that user owns. It listens on a unix
socket only, in that folder, so parallel test processes (pytest-xdist) never collide. Auth
is `trust` on the socket: the server is reachable by this machine's users for the length of
a test run and holds nothing but test data.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

PORT = 5432  # the socket's name (.s.PGSQL.5432) in a folder of its own: never a clash


class PostgresUnavailable(RuntimeError):
    pass


def binaries() -> str:
    """The newest installed server's bin folder."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0,
    )
    if not found:
        raise PostgresUnavailable(
            "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin; "
            "run scripts/setup --test (it installs the Debian 'postgresql' package)"
        )
    return os.path.dirname(found[-1])


@dataclass
class PostgresServer:
    folder: str
    process: subprocess.Popen[bytes]

    @property
    def socket_dir(self) -> str:
        return os.path.join(self.folder, "socket")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql:///{database}?host={self.socket_dir}&port={PORT}&user=postgres"

    def admin(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as db:
            db.execute(statement)

    def create_database(self) -> str:
        name = f"relay_{uuid.uuid4().hex[:12]}"
        self.admin(f"CREATE DATABASE {name}")
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.split("///", 1)[1].split("?", 1)[0]
        self.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _as_server_user(command: list[str]) -> tuple[list[str], int | None]:
    """The command as the `postgres` user when we are root; and that user's uid."""
    if os.geteuid() != 0:
        return command, None
    try:
        uid = pwd.getpwnam("postgres").pw_uid
    except KeyError:
        raise PostgresUnavailable(
            "running as root, and there is no 'postgres' user to run the server as; "
            "install the Debian 'postgresql' package"
        ) from None
    return ["runuser", "-u", "postgres", "--", *command], uid


@contextmanager
def run_postgres(durable: bool = False) -> Iterator[PostgresServer]:
    """A fresh server for the block. `durable=False` (tests) turns fsync off, which changes
    nothing a test can see; a benchmark passes True to measure what production pays."""
    bin_dir = binaries()
    # As root, the server user must reach the folder: /tmp, not a $TMPDIR under /root.
    folder = tempfile.mkdtemp(prefix="tracker-git-pg-", dir="/tmp" if os.geteuid() == 0 else None)
    data, sockets = os.path.join(folder, "data"), os.path.join(folder, "socket")
    os.mkdir(sockets)
    _, uid = _as_server_user([])
    if uid is not None:
        for path in (folder, sockets):
            os.chown(path, uid, -1)
    os.chmod(folder, 0o755)  # the socket folder must be reachable by the relay processes
    initdb, _ = _as_server_user(
        [f"{bin_dir}/initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
         "--no-sync", "--no-instructions"]
    )  # fmt: skip
    done = subprocess.run(initdb, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        raise PostgresUnavailable(f"initdb failed: {done.stderr.strip() or done.stdout.strip()}")
    settings = ["-c", "listen_addresses=", "-c", f"unix_socket_directories={sockets}",
                "-c", f"port={PORT}", "-c", "max_connections=200",
                "-c", f"fsync={'on' if durable else 'off'}", "-c", "shared_buffers=32MB"]  # fmt: skip
    command, _ = _as_server_user([f"{bin_dir}/postgres", "-D", data, *settings])
    log = open(os.path.join(folder, "server.log"), "wb")  # noqa: SIM115 (the server's life)
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    server = PostgresServer(folder, process)
    try:
        _wait_ready(server)
        yield server
    finally:
        _stop(data)  # SIGINT to the postmaster: "fast" shutdown
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


def _wait_ready(server: PostgresServer) -> None:
    import psycopg

    deadline = time.monotonic() + 60
    while True:
        if server.process.poll() is not None:
            with open(os.path.join(server.folder, "server.log"), errors="replace") as f:
                raise PostgresUnavailable(f"the PostgreSQL server stopped:\n{f.read()[-2000:]}")
        try:
            psycopg.connect(server.url(), connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise PostgresUnavailable("the PostgreSQL server did not start in 60 s") from None
            time.sleep(0.05)


def _stop(data: str) -> None:
    """Stop the postmaster by the pid it wrote (runuser may not pass signals on)."""
    try:
        with open(os.path.join(data, "postmaster.pid")) as f:
            pid = int(f.readline())
    except (OSError, ValueError):
        return
    try:
        os.kill(pid, signal.SIGINT)
    except OSError:
        return
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except OSError:
            return
        time.sleep(0.05)
