"""A throwaway PostgreSQL server of a test's own, with TLS on, for what the shared test
server (SSL off) cannot show: sslmode=verify-full against PostgreSQL itself and a client
certificate checked by its pg_hba (clientcert=verify-full).

`start(tls)` runs initdb from /usr/lib/postgresql/*/bin into a fresh folder under
the system's temp folder and starts the server on a free port of 127.0.0.1 with
ssl = on and the test's own authority, server certificate and key. initdb refuses
to run as root: as root (as the tests run here and in CI) both run as the
`postgres` operating-system user through runuser, which then owns the folder.
`unavailable()` says why it cannot be done on this machine, or None.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.pgbouncer import Tls, free_port


def bin_dir() -> Path | None:
    """The newest installed PostgreSQL's programs, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    return Path(found[-1]).parent if found else None


def _version(path: str) -> float:
    try:
        return float(Path(path).parent.parent.name)
    except ValueError:
        return 0.0


def unavailable() -> str | None:
    """Why a private server cannot be started here; None when it can."""
    if bin_dir() is None:
        return "initdb is not installed (/usr/lib/postgresql/*/bin/initdb)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "initdb refuses root and there is no postgres user to run it as"
        if shutil.which("runuser") is None:
            return "initdb refuses root and runuser is missing"
    return None


@dataclass
class Server:
    """A running private server: connect to 127.0.0.1:`port` (TLS only)."""

    port: int
    folder: Path
    programs: Path

    def url(self, database: str, query: str = "", host: str = "127.0.0.1") -> str:
        return f"postgresql+psycopg://postgres@{host}:{self.port}/{database}{query}"

    def stop(self) -> None:
        _as_owner([str(self.programs / "pg_ctl"), "stop", "-D", str(self.folder / "data"),
                   "-m", "immediate", "-w"], check=False)  # fmt: skip
        shutil.rmtree(self.folder, ignore_errors=True)


def _as_owner(argv: list[str], *, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    if os.geteuid() == 0:
        argv = ["runuser", "-u", "postgres", "--", *argv]
    return subprocess.run(argv, check=check, capture_output=True, timeout=120)


def start(tls: Tls) -> Server:
    """initdb, then a server with ssl = on whose pg_hba takes only TLS connections from
    127.0.0.1 with a client certificate signed by `tls.ca` naming the login."""
    programs = bin_dir()
    assert programs is not None
    folder = Path(tempfile.mkdtemp(prefix="crm-pgserver-"))
    data = folder / "data"
    for name, source in (("ca.crt", tls.ca), ("server.crt", tls.server_cert),
                         ("server.key", tls.server_key)):  # fmt: skip
        shutil.copy(source, folder / name)
    (folder / "server.key").chmod(0o600)
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        for path in [folder, *folder.iterdir()]:
            os.chown(path, account.pw_uid, account.pw_gid)
    _as_owner([str(programs / "initdb"), "-D", str(data), "-U", "postgres", "--auth=reject",
               "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"])  # fmt: skip
    (data / "pg_hba.conf").write_text(
        "hostssl all postgres 127.0.0.1/32 trust clientcert=verify-full\n"
        "host all all 0.0.0.0/0 reject\n"
    )
    port = free_port()
    settings = {
        "port": str(port),
        "listen_addresses": "'127.0.0.1'",
        "unix_socket_directories": f"'{folder}'",
        "ssl": "on",
        "ssl_ca_file": f"'{folder / 'ca.crt'}'",
        "ssl_cert_file": f"'{folder / 'server.crt'}'",
        "ssl_key_file": f"'{folder / 'server.key'}'",
        "fsync": "off",
        "shared_buffers": "'16MB'",
        "max_connections": "20",
    }
    with (data / "postgresql.conf").open("a") as conf:
        conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
    server = Server(port, folder, programs)
    try:
        _as_owner([str(programs / "pg_ctl"), "start", "-D", str(data), "-w", "-t", "60",
                   "-l", str(folder / "server.log")])  # fmt: skip
    except subprocess.CalledProcessError as exc:
        log = (folder / "server.log").read_text() if (folder / "server.log").exists() else ""
        server.stop()
        raise RuntimeError(f"the private server did not start: {exc.stderr!r} {log}") from exc
    return server
