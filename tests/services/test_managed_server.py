"""Ready for a managed server: PgBouncer in transaction pooling, sslmode=verify-full with a
client certificate, a libpq service file and PGPASSFILE.

PgBouncer is a real one the tests start (tests/pgbouncer.py); when the
binary is missing the tests skip with that reason, except in CI, where
`.ci/run` installs it.
"""

from __future__ import annotations

import contextlib
import csv
import os
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest

from crm_tui.config import Settings
from crm_tui.services.billing.inputs import PaymentCreate
from crm_tui.services.bulk.service import Selection
from crm_tui.services.customers.inputs import CustomerCreate, CustomerUpdate
from crm_tui.services.errors import ConflictError
from crm_tui.services.imports.service import ImportService
from crm_tui.services.live import open_feed
from crm_tui.services.registry import open_services
from tests import pgbouncer
from tests.cli.crm_runner import run_cases
from tests.conftest import PgServer, PgTeam


@pytest.fixture
def needs_pgbouncer() -> None:
    if pgbouncer.binary() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI requires pgbouncer (.ci/run installs it)")
        pytest.skip("pgbouncer is not installed (Debian package pgbouncer)")


@pytest.fixture
def database(pg_server: PgServer) -> Iterator[str]:
    """A migrated throwaway database, opened once for writing as the app would."""
    name = pg_server.create()
    open_services(Settings(database_url=pg_server.url_for(name), clerk="admin")).close()
    yield name
    pg_server.drop(name)


@pytest.fixture
def bouncer(needs_pgbouncer: None, tmp_path: Path) -> Iterator[pgbouncer.Bouncer]:
    """One server connection shared by every client: session state would leak at once."""
    started = pgbouncer.start(["postgres"], pool=1)
    yield started
    started.stop()


def test_the_app_works_through_pgbouncer_transaction_pooling(
    bouncer: pgbouncer.Bouncer, database: str, tmp_path: Path
) -> None:
    """Two clerks' services share one server connection through PgBouncer: searches (more
    than psycopg's prepare threshold), edits, a stale edit's conflict, payments, bulk tags
    and statuses over every match, an import, the change history."""
    url = bouncer.url(database)
    assert len(pgbouncer.backend_pids(url, 3) | pgbouncer.backend_pids(url, 3)) == 1  # pooled
    one = open_services(Settings(database_url=url, clerk="one"))
    two = open_services(Settings(database_url=url, clerk="two"))
    try:
        ids = [
            one.customers.create(CustomerCreate(kind="individual", first_name=f"Ada{i}")).id
            for i in range(12)
        ]
        for _ in range(8):  # a prepared statement would fail on the next server connection
            assert len(two.search.search("ada").rows) == 12
        one.customers.update(ids[0], CustomerUpdate(first_name="Augusta"), expected_version=1)
        with pytest.raises(ConflictError):
            two.customers.update(ids[0], CustomerUpdate(first_name="Eve"), expected_version=1)
        two.billing.record_payment(ids[1], PaymentCreate(amount=Decimal("9.99"), status="paid"))
        assert one.figures.for_customer(ids[1]).lifetime_value == Decimal("9.99")
        everyone = Selection(all_matches=True, query="ada")
        assert one.bulk.add_tag(everyone, "pooled", chunk=5).changed == 11
        assert two.bulk.set_status(everyone, "inactive", chunk=4).changed == 11
        source = tmp_path / "people.csv"
        with source.open("w", newline="") as handle:
            csv.writer(handle).writerows([["First name", "Email"], ["Grace", "grace@x.example"]])
        assert ImportService(two.ctx).run(source).created == 1
        logins = {e.login for e in one.history.for_customer(ids[0])}
        assert logins == {"postgres"}
    finally:
        one.close()
        two.close()


def test_live_updates_poll_through_pgbouncer(bouncer: pgbouncer.Bouncer, database: str) -> None:
    """LISTEN cannot ride transaction pooling: live = poll reads the change log instead."""
    url = bouncer.url(database)
    watcher = open_services(Settings(database_url=url, clerk="w", live="poll"))
    writer = open_services(Settings(database_url=url, clerk="x"))
    feed = open_feed(watcher.ctx)
    try:
        assert feed is not None
        assert feed.wait(0.3) is None
        cid = writer.customers.create(CustomerCreate(kind="individual", first_name="Ada")).id
        seen = feed.wait(3.0)
        assert seen is not None and seen.touches(cid)
    finally:
        if feed is not None:
            feed.close()
        watcher.close()
        writer.close()


def test_verify_full_with_a_client_certificate(
    needs_pgbouncer: None, database: str, tmp_path: Path
) -> None:
    """sslmode=verify-full, sslrootcert, sslcert and sslkey reach libpq: PgBouncer checks the
    client certificate (auth_type = cert) and the app runs; without the certificate, or
    trusting another authority, the CLI says so in one sentence."""
    tls = pgbouncer.make_tls(tmp_path / "tls", client="postgres")
    other = pgbouncer.make_tls(tmp_path / "other", client="postgres")
    started = pgbouncer.start(["postgres"], tls=tls)
    base = f"?sslmode=verify-full&sslrootcert={tls.ca}"
    cert = f"&sslcert={tls.client_cert}&sslkey={tls.client_key}"
    try:
        svc = open_services(
            Settings(database_url=started.url(database, query=base + cert), clerk="c")
        )
        try:
            svc.customers.create(CustomerCreate(kind="individual", first_name="Ada"))
            assert svc.customers.count() == 1
        finally:
            svc.close()
        env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "LANG": "C.UTF-8"}
        no_cert, wrong_ca = run_cases(
            [["--db", started.url(database, query=base), "lookup", "ada"],
             ["--db", started.url(database, query=f"?sslmode=verify-full&sslrootcert={other.ca}"
                                  + cert), "lookup", "ada"]],
            env=env, cwd=tmp_path,
        )  # fmt: skip
    finally:
        started.stop()
    for outcome in (no_cert, wrong_ca):
        assert outcome.code == 2, outcome
        assert len(outcome.err_lines) == 1 and "Traceback" not in outcome.stderr, outcome
    assert "certificate" in no_cert.stderr.lower(), no_cert.stderr
    assert "verified" in wrong_ca.stderr, wrong_ca.stderr


def test_service_file_and_password_file(pg_team: PgTeam, tmp_path: Path) -> None:
    """`postgresql://?service=NAME` reads host, database and user from the libpq service
    file (PGSERVICEFILE) and the password from PGPASSFILE: none of it in the URL."""
    login = f"crm_test_pw_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_team.server.url_for("postgres").replace("+psycopg", ""),
                         autocommit=True) as admin:  # fmt: skip
        with contextlib.suppress(psycopg.errors.DuplicateObject):  # made by another test
            admin.execute("CREATE ROLE crm_password_login NOLOGIN")
        admin.execute(f"CREATE ROLE {login} LOGIN PASSWORD 'sekrit' IN ROLE crm_password_login")
    try:
        pg_team.admin(f'GRANT "{pg_team.database}_viewer" TO {login}')
        services = tmp_path / "pg_service.conf"
        services.write_text(
            f"[crmtest]\nhost=127.0.0.1\nport=5432\ndbname={pg_team.database}\nuser={login}\n"
        )
        passfile = tmp_path / "pgpass"
        passfile.write_text(f"127.0.0.1:5432:*:{login}:sekrit\n")
        passfile.chmod(0o600)
        env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "LANG": "C.UTF-8",
               "PGSERVICEFILE": str(services)}  # fmt: skip
        with_pass, without_pass, no_service = run_cases(
            [["--db", "postgresql://?service=crmtest", "lookup", "nobody"],
             ["--db", "postgresql://?service=crmtest", "lookup", "nobody"],
             ["--db", "postgresql://?service=nosuch", "lookup", "nobody"]],
            env=env, cwd=tmp_path,
            extra_env=[{"PGPASSFILE": str(passfile)}, {"PGPASSFILE": str(tmp_path / "none")}, {}],
        )  # fmt: skip
        assert with_pass.code == 1, with_pass  # connected and searched: nothing matched
        if without_pass.code == 1:  # trust auth let it in (.ci/run adds the scram line)
            pytest.skip("this server does not ask crm_password_login for a password")
        assert without_pass.code == 2 and "wants a password" in without_pass.stderr, without_pass
        assert no_service.code == 2 and "nosuch" in no_service.stderr, no_service
        assert len(no_service.err_lines) == 1, no_service
    finally:
        with psycopg.connect(pg_team.server.url_for("postgres").replace("+psycopg", ""),
                             autocommit=True) as admin:  # fmt: skip
            pg_team.admin(f'REVOKE "{pg_team.database}_viewer" FROM {login}')
            admin.execute(f"DROP ROLE {login}")


@pytest.mark.parametrize(
    ("libpq", "sentence"),
    [
        ('failed: SSL error: tlsv13 alert certificate required',
         "The server wants a client certificate: name it with sslcert and sslkey, and check "
         "that both files exist."),
        ('connection to server at "db", port 5432 failed: FATAL:  connection requires a valid '
         "client certificate",
         "The server wants a client certificate: name it with sslcert and sslkey, and check "
         "that both files exist."),
        ('connection to server at "db", port 5432 failed: SSL error: certificate verify failed',
         "The server's certificate could not be verified against sslrootcert; check the "
         "certificate authority file the URL names."),
        ('failed: root certificate file "/etc/ca.crt" does not exist\nEither provide the file',
         "The certificate authority file /etc/ca.crt (sslrootcert) does not exist."),
        ('server certificate for "db1" does not match host name "db2"',
         "The server's certificate is not for the host name in the URL (sslmode=verify-full)."),
        ('connection to server at "db", port 5432 failed: server does not support SSL, but SSL '
         "was required",
         "The PostgreSQL server at db:5432 does not offer SSL, but sslmode asks for it."),
        ('connection is bad: definition of service "crm" not found',
         "There is no service crm in the libpq service file (PGSERVICEFILE, or "
         "~/.pg_service.conf)."),
    ],
)  # fmt: skip
def test_tls_and_service_failures_are_one_sentence(libpq: str, sentence: str) -> None:
    """What libpq says about TLS and service files, as a clerk reads it."""
    from crm_tui.cli.errors import describe_db_error

    assert describe_db_error(psycopg.OperationalError(libpq)) == sentence
