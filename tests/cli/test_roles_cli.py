"""`crm db roles install|list`, `crm db grant`, `crm db revoke`, and the CLI as each role.

Real processes (tests/cli/crm_runner.py) against a throwaway PostgreSQL
database with real logins (the `pg_team` fixture drops them after).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from sqlalchemy import create_engine, text

from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.registry import open_services
from tests.cli.crm_runner import Outcome, run_cases
from tests.conftest import PgTeam


def _env(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "CRM_CLERK": "desk 3",
        "LANG": "C.UTF-8",
        "COLUMNS": "160",  # the throwaway logins are long; real ones fit 80 columns
    }


def _run(tmp_path: Path, cases: list[list[str]]) -> list[Outcome]:
    return run_cases(cases, env=_env(tmp_path), cwd=tmp_path)


def _one_sentence(outcome: Outcome, code: int, text: str) -> None:
    assert outcome.code == code, outcome
    assert outcome.err_lines == [f"crm: {text}"], outcome.stderr


def test_each_role_on_the_command_line(pg_team: PgTeam, tmp_path: Path) -> None:
    """A viewer looks up but cannot add; a clerk cannot erase, merge or export a person;
    a manager can; each refusal is one sentence naming the role, exit 2, nothing changed."""
    svc = open_services(pg_team.settings("manager"))
    for name in ("Ada", "Ada"):
        svc.customers.create(CustomerCreate(kind="individual", first_name=name, last_name="L"))
    svc.close()
    viewer, clerk, manager = (pg_team.url(r) for r in ("viewer", "clerk", "manager"))
    login = pg_team.logins
    out = [
        ["--db", viewer, "lookup", "ada"],
        ["--db", viewer, "demo", "--customers", "2"],
        ["--db", clerk, "erase", "1", "--yes"],
        ["--db", clerk, "merge", "1", "2", "--yes"],
        ["--db", clerk, "export", str(tmp_path / "c1.json"), "--customer", "1"],
        ["--db", clerk, "export", str(tmp_path / "all.csv")],
        ["--db", manager, "export", str(tmp_path / "m1.json"), "--customer", "1"],
        ["--db", manager, "erase", "1", "--yes"],
    ]
    lookup, demo, erase, merge, person, export, m_person, m_erase = _run(tmp_path, out)
    assert lookup.code == 0 and lookup.stdout.count("Ada") == 2, lookup
    _one_sentence(
        demo, 2,
        f"As a viewer ({login['viewer']}) you cannot change customers; that needs the clerk role.",
    )  # fmt: skip
    for outcome, what in ((erase, "erase customers"), (merge, "merge customers"),
                          (person, "export everything held about a person")):  # fmt: skip
        _one_sentence(
            outcome,
            2,
            f"As a clerk ({login['clerk']}) you cannot {what}; that needs the manager role.",
        )
    assert not (tmp_path / "c1.json").exists()
    assert export.code == 0 and (tmp_path / "all.csv").exists(), export
    assert m_person.code == 0 and (tmp_path / "m1.json").exists(), m_person
    assert m_erase.code == 0 and "Erased C-000001" in m_erase.stdout, m_erase


def test_roles_grant_revoke_and_list(pg_team: PgTeam, tmp_path: Path) -> None:
    """The administrator installs (again: safe), grants, lists and revokes; a typo'd login
    is named; a clerk may not grant; SQLite has no roles."""
    admin = pg_team.admin_url
    dave = pg_team.new_login("dave")
    cases = [
        ["--db", admin, "db", "roles", "install"],
        ["--db", admin, "db", "grant", dave, "--role", "clerk"],
        ["--db", admin, "db", "roles", "list"],
        ["--db", admin, "db", "revoke", dave],
        ["--db", admin, "db", "grant", "no_such_login_x", "--role", "viewer"],
        ["--db", admin, "db", "grant", dave, "--role", "owner"],
        ["--db", pg_team.url("clerk"), "db", "grant", dave, "--role", "manager"],
        ["--db", str(tmp_path / "solo.sqlite3"), "db", "upgrade"],
        ["--db", str(tmp_path / "solo.sqlite3"), "db", "roles", "install"],
        ["--db", admin, "db", "check"],
    ]
    install, grant, listed, revoke, ghost, bad_role, by_clerk, _, sqlite, check = _run(
        tmp_path, cases
    )
    db = pg_team.database
    assert install.code == 0, install
    assert f"Granted {db}_viewer, {db}_clerk, {db}_manager their rights" in install.stdout
    assert grant.stdout.strip() == f"{dave} is now a clerk on {db}.", grant
    assert f"{dave}\tclerk" in listed.stdout.splitlines(), listed
    assert f"{pg_team.logins['manager']}\tmanager" in listed.stdout.splitlines(), listed
    assert revoke.stdout.strip() == f"{dave} is no longer a clerk on {db}.", revoke
    _one_sentence(
        ghost, 1,
        'PostgreSQL has no login called no_such_login_x; create it first '
        '(CREATE ROLE "no_such_login_x" LOGIN).',
    )  # fmt: skip
    assert bad_role.code == 2 and "'owner' is not one of" in bad_role.stderr, bad_role
    assert by_clerk.code == 2 and "CREATEROLE" in by_clerk.stderr, by_clerk
    _one_sentence(
        sqlite, 2,
        "Roles are for a shared PostgreSQL database; a SQLite file belongs to whoever can open it.",
    )  # fmt: skip
    assert check.code == 0, check


def test_check_reports_a_missing_grant(pg_team: PgTeam, tmp_path: Path) -> None:
    """`crm db check` lists a grant the clerk lost, and exits 1; install puts it back."""
    db = pg_team.database
    pg_team.admin(f'REVOKE UPDATE ON address FROM "{db}_clerk"')
    admin = pg_team.admin_url
    before, _, after = _run(
        tmp_path,
        [["--db", admin, "db", "check"], ["--db", admin, "db", "roles", "install"],
         ["--db", admin, "db", "check"]],
    )  # fmt: skip
    assert before.code == 1, before
    assert (
        f"- The clerk role ({db}_clerk) lacks UPDATE on address; "
        "`crm db roles install` sets the grants again."
    ) in before.stdout.splitlines(), before.stdout
    assert after.code == 0, after


def test_show_names_the_login_with_the_clerk_name(pg_team: PgTeam, tmp_path: Path) -> None:
    """`crm show` lists recent changes by database login, the clerk name beside it."""
    clerk = open_services(pg_team.settings("clerk"))
    clerk.customers.create(CustomerCreate(kind="individual", first_name="Ada", last_name="L"))
    clerk.close()
    text, as_json = _run(
        tmp_path,
        [["--db", pg_team.url("viewer"), "show", "1"],
         ["--db", pg_team.url("viewer"), "show", "1", "--json"]],
    )  # fmt: skip
    login = pg_team.logins["clerk"]
    assert text.code == 0, text
    assert "Recent changes" in text.stdout
    assert f"{login} (clerk desk)" in " ".join(text.stdout.split()), text.stdout
    change = json.loads(as_json.stdout)["recent_changes"][0]
    assert (change["login"], change["clerk"]) == (login, "clerk desk")


def test_billing_run_reminders_and_repair_need_a_manager(pg_team: PgTeam, tmp_path: Path) -> None:
    """`crm invoice run`, `crm remind` and `crm db repair` (which recounts every figure) as a
    clerk: one sentence naming the role, exit 2, nothing issued; a preview (--dry-run) only
    reads; the manager's run issues."""
    from crm_tui.services.billing.inputs import SubscriptionCreate

    svc = open_services(pg_team.settings("manager"))
    cid = svc.customers.create(CustomerCreate(kind="individual", first_name="Ada")).id
    svc.billing.add_subscription(
        cid, SubscriptionCreate(product="Fibre", monthly_amount="30", start_date="2025-12-01")
    )
    clerk, manager = pg_team.url("clerk"), pg_team.url("manager")
    run = ["invoice", "run", "--month", "2026-01", "--on", "2026-01-31"]
    out = [
        ["--db", clerk, *run],
        ["--db", clerk, "remind", "--outbox", str(tmp_path / "out")],
        ["--db", clerk, *run, "--dry-run"],
        ["--db", manager, *run],
        ["--db", clerk, "db", "repair"],
    ]
    refused_run, refused_remind, preview, issued, refused_repair = _run(tmp_path, out)
    login = pg_team.logins["clerk"]
    _one_sentence(
        refused_run, 2,
        f"As a clerk ({login}) you cannot run the billing of every customer; "
        "that needs the manager role.",
    )  # fmt: skip
    _one_sentence(
        refused_remind, 2,
        f"As a clerk ({login}) you cannot send payment reminders; that needs the manager role.",
    )  # fmt: skip
    _one_sentence(
        refused_repair, 2,
        f"As a clerk ({login}) you cannot repair the database or recount every customer's "
        "figures; that needs the manager role.",
    )  # fmt: skip
    assert preview.code == 0, preview
    assert issued.code == 0, issued
    assert len([i for i in svc.invoices.list() if i.number]) == 1
    svc.close()


def test_a_manager_who_owns_no_table_repairs(pg_team: PgTeam, tmp_path: Path) -> None:
    """A manager login (not the tables' owner) checks, repairs and checks again: stored
    figures, payments' reporting amounts, the dashboard's figures and a search document put
    right, then `crm db check` is clean; only an index (its owner's) is left to the owner,
    with one line saying so. It used to stop at PostgreSQL's refusal of the scratch schema."""
    manager = pg_team.url("manager")
    (demo,) = _run(tmp_path, [["--db", manager, "demo", "--customers", "12"]])
    assert demo.code == 0, demo
    login = pg_team.logins["manager"]
    engine = create_engine(pg_team.admin_url)
    try:
        with engine.connect() as conn:
            owners = set(conn.scalars(text(
                "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = current_schema()"
            )))  # fmt: skip
    finally:
        engine.dispose()
    assert login not in owners, owners
    for statement in (
        "UPDATE customer_summary SET lifetime_value = lifetime_value + 1 WHERE customer_id = 1",
        "UPDATE payment SET reporting_amount = reporting_amount + 1 "
        "WHERE id = (SELECT min(id) FROM payment WHERE reporting_amount IS NOT NULL)",
        "UPDATE dashboard_income SET amount = amount + 1 "
        "WHERE ctid = (SELECT min(ctid) FROM dashboard_income WHERE amount <> 0)",
        "DELETE FROM customer_search WHERE customer_id = 2",
    ):
        pg_team.admin(statement)
    before, repaired, after = _run(
        tmp_path,
        [["--db", manager, "db", "check", "--full"], ["--db", manager, "db", "repair"],
         ["--db", manager, "db", "check", "--full"]],
    )  # fmt: skip
    assert before.code == 1, before
    assert "could not be compared" not in before.stdout, before.stdout
    for seen in ("lifetime", "reporting", "dashboard_income", "C-000002"):
        assert seen in before.stdout, (seen, before.stdout)
    assert repaired.code == 0, repaired
    for done in ("Rewrote 1 search document", "Recomputed the reporting amounts",
                 "Recounted the figures of 1 customer", "Rebuilt the dashboard's figures"):  # fmt: skip
        assert done in repaired.stdout, (done, repaired.stdout)
    assert after.code == 0, after
    assert after.stdout.startswith("The database is sound"), after.stdout

    pg_team.admin("DROP INDEX ix_summary_ltv")
    by_manager, by_owner = _run(
        tmp_path, [["--db", manager, "db", "repair"], ["--db", pg_team.admin_url, "db", "repair"]]
    )
    assert by_manager.code == 1, by_manager
    assert (
        "- Could not recreate the index ix_summary_ltv on customer_summary: must be owner of "
        "table customer_summary; run crm db repair as the tables' owner to recreate it."
    ) in by_manager.stdout.splitlines(), by_manager.stdout
    assert by_owner.code == 0 and "Recreated the index ix_summary_ltv" in by_owner.stdout
