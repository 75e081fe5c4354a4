"""sslmode=verify-full against PostgreSQL itself: a throwaway server of the test's own
(tests/pgserver.py) with ssl = on, the test's authority and server certificate, and a
pg_hba that takes only TLS connections with a client certificate naming the login
(clientcert=verify-full). The shared test server has SSL off; PgBouncer's TLS is tested
in test_managed_server.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text

from crm_tui.config import Settings
from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.registry import open_services
from tests import pgbouncer, pgserver
from tests.cli.crm_runner import run_cases


@dataclass
class TlsServer:
    server: pgserver.Server
    tls: pgbouncer.Tls
    other: pgbouncer.Tls  # another authority, same names

    def query(self, ca: Path | None = None, *, cert: bool = True) -> str:
        query = f"?sslmode=verify-full&sslrootcert={ca or self.tls.ca}"
        if cert:
            query += f"&sslcert={self.tls.client_cert}&sslkey={self.tls.client_key}"
        return query


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[TlsServer]:
    why = pgserver.unavailable()
    if why is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the TLS server test: {why}")
        pytest.skip(why)
    tls = pgbouncer.make_tls(tmp_path / "tls", client="postgres")
    other = pgbouncer.make_tls(tmp_path / "other", client="postgres")
    server = pgserver.start(tls)
    try:
        with psycopg.connect(
            host="127.0.0.1", port=server.port, user="postgres", dbname="postgres",
            sslmode="verify-full", sslrootcert=str(tls.ca), sslcert=str(tls.client_cert),
            sslkey=str(tls.client_key), autocommit=True,
        ) as conn:  # fmt: skip
            conn.execute("CREATE DATABASE crm")
        yield TlsServer(server, tls, other)
    finally:
        server.stop()


def test_verify_full_and_a_client_certificate_on_postgresql_itself(
    tls_server: TlsServer, tmp_path: Path
) -> None:
    """The app migrates and writes over TLS, its connection verified both ways (the server
    sees the client certificate's name); the CLI looks the customer up; a wrong authority,
    a wrong host name and a missing client certificate are each one sentence, exit 2."""
    server = tls_server.server
    url = server.url("crm", tls_server.query())
    svc = open_services(Settings(database_url=url, clerk="desk"))
    try:
        svc.customers.create(CustomerCreate(kind="individual", first_name="Ada"))
        with svc.ctx.db.engine.connect() as conn:
            seen = conn.execute(
                text("SELECT ssl, client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            ).one()
        assert tuple(seen) == (True, "/CN=postgres")
    finally:
        svc.close()
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    found, wrong_ca, wrong_host, no_cert = run_cases(
        [["--db", url, "lookup", "ada"],
         ["--db", server.url("crm", tls_server.query(tls_server.other.ca)), "lookup", "ada"],
         ["--db", server.url("crm", tls_server.query(), host="localhost"), "lookup", "ada"],
         ["--db", server.url("crm", tls_server.query(cert=False)), "lookup", "ada"]],
        env=env, cwd=tmp_path,
    )  # fmt: skip
    assert found.code == 0 and "Ada" in found.stdout, found
    assert wrong_ca.code == 2 and wrong_ca.err_lines == [
        "crm: The server's certificate could not be verified against sslrootcert; check the "
        "certificate authority file the URL names."
    ], wrong_ca
    assert wrong_host.code == 2 and wrong_host.err_lines == [
        "crm: The server's certificate is not for the host name in the URL (sslmode=verify-full)."
    ], wrong_host
    assert no_cert.code == 2 and no_cert.err_lines == [
        "crm: The server wants a client certificate: name it with sslcert and sslkey, and "
        "check that both files exist."
    ], no_cert
