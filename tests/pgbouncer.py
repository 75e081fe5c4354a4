"""A real PgBouncer for the tests, in transaction pooling, in front of the test server.

`start()` writes a private config on a free port and runs the `pgbouncer`
binary (Debian package `pgbouncer`; `.ci/run` installs it). Run as root
(as CI is), PgBouncer is told to drop to the `postgres` user, which then
owns its folder. With `tls`, clients must come over TLS with a
certificate signed by the test's own authority, whose common name is the
login (auth_type = cert): sslmode=verify-full and a client certificate,
checked end to end.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

BINARY_PLACES = ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer")


def binary() -> str | None:
    """The pgbouncer executable, or None when the package is not installed."""
    found = shutil.which("pgbouncer")
    return found or next((p for p in BINARY_PLACES if Path(p).is_file()), None)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Tls:
    """Files of a private certificate authority, a server and a client certificate."""

    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def make_tls(folder: Path, client: str) -> Tls:
    """A CA, a server certificate for 127.0.0.1 and a client certificate for `client`."""
    folder.mkdir(parents=True, exist_ok=True)
    ca_key, ca = folder / "ca.key", folder / "ca.crt"
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
             "/CN=crm test authority", "-keyout", str(ca_key), "-out", str(ca))  # fmt: skip
    names = {"server": ("127.0.0.1", "subjectAltName=IP:127.0.0.1"), "client": (client, "")}
    made: dict[str, tuple[Path, Path]] = {}
    for kind, (common, alt) in names.items():
        key, csr, cert = folder / f"{kind}.key", folder / f"{kind}.csr", folder / f"{kind}.crt"
        _openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={common}",
                 "-keyout", str(key), "-out", str(csr))  # fmt: skip
        extra = folder / f"{kind}.ext"
        extra.write_text(alt + "\n" if alt else "basicConstraints=CA:FALSE\n")
        _openssl("x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key),
                 "-CAcreateserial", "-days", "2", "-extfile", str(extra), "-out", str(cert))  # fmt: skip
        key.chmod(0o600)
        made[kind] = (cert, key)
    return Tls(ca, *made["server"], *made["client"])


@dataclass
class Bouncer:
    """A running PgBouncer: connect to 127.0.0.1:`port`."""

    port: int
    process: subprocess.Popen[bytes]
    folder: Path

    def url(self, database: str, user: str = "postgres", query: str = "") -> str:
        return f"postgresql+psycopg://{user}@127.0.0.1:{self.port}/{database}{query}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def start(users: list[str], *, tls: Tls | None = None, pool: int = 2) -> Bouncer:
    """PgBouncer in transaction pooling in front of 127.0.0.1:5432, ready to connect to.

    Its files live in a folder of its own under the system's temp folder (the
    `postgres` user must reach them; pytest's folders are private to root).
    """
    exe = binary()
    assert exe is not None
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="crm-pgbouncer-"))
    (folder / "users.txt").write_text("".join(f'"{u}" ""\n' for u in users))
    lines = [
        "[databases]",
        "* = host=127.0.0.1 port=5432",
        "[pgbouncer]",
        "listen_addr = 127.0.0.1",
        f"listen_port = {port}",
        "unix_socket_dir =",
        f"auth_file = {folder / 'users.txt'}",
        "pool_mode = transaction",
        f"default_pool_size = {pool}",
        "max_client_conn = 100",
        "ignore_startup_parameters = extra_float_digits",
        f"logfile = {folder / 'pgbouncer.log'}",
    ]
    if tls is None:
        lines.append("auth_type = trust")
    else:
        for name, source in (("ca.crt", tls.ca), ("server.crt", tls.server_cert),
                             ("server.key", tls.server_key)):  # fmt: skip
            shutil.copy(source, folder / name)
        lines += [
            "auth_type = cert",
            "client_tls_sslmode = verify-full",
            f"client_tls_ca_file = {folder / 'ca.crt'}",
            f"client_tls_cert_file = {folder / 'server.crt'}",
            f"client_tls_key_file = {folder / 'server.key'}",
        ]
    if os.geteuid() == 0:  # PgBouncer will not run as root: it drops to postgres
        lines.append("user = postgres")
        account = pwd.getpwnam("postgres")
        for path in [folder, *folder.iterdir()]:
            os.chown(path, account.pw_uid, account.pw_gid)
    ini = folder / "pgbouncer.ini"
    ini.write_text("\n".join(lines) + "\n")
    process = subprocess.Popen([exe, str(ini)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    bouncer = Bouncer(port, process, folder)
    _wait_until_listening(bouncer)
    return bouncer


def _wait_until_listening(bouncer: Bouncer) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if bouncer.process.poll() is not None:
            err = bouncer.process.stderr.read().decode() if bouncer.process.stderr else ""
            raise RuntimeError(f"pgbouncer stopped: {err.strip()}")
        try:
            with socket.create_connection(("127.0.0.1", bouncer.port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    bouncer.stop()
    raise RuntimeError("pgbouncer did not start listening within 15 s")


def backend_pids(url: str, times: int) -> set[int]:
    """The server processes `times` separate transactions ran on (through the bouncer)."""
    from crm_tui.services.live.listen import connect_args

    with psycopg.connect(**connect_args(url), autocommit=True) as conn:
        return {int(conn.execute("SELECT pg_backend_pid()").fetchone()[0]) for _ in range(times)}  # type: ignore[index]
