"""The dashboard's day-by-day figures, kept in step with the subscriptions by triggers.

The monthly charts (customers active, churn, recurring income) used to scan
every subscription for each of 13 month-ends (several seconds at a million
customers). Three small tables now hold the same figures as changes per day,
so a month-end, or any day, is a sum over a few thousand rows:

- dashboard_income (day, currency): +1 subscription and +its monthly amount
  on the day it starts running, -1 and -the amount on the day it stops; the
  recurring income on a day D in a currency is the sum of the rows up to D.
- activity_span (customer_id, start_day, end_day, next_start): each
  customer's running subscriptions merged into the spans [start, end) in
  which the customer had at least one; next_start is the start of the
  customer's next span (9999-12-31 when none). Churn reads the spans that
  end in a month.
- dashboard_active (day): +1 where a span starts, -1 where it ends; active
  customers on D are the sum up to D.

A subscription runs on day D when it started on or before D and it is
active, or ended with a contract end after D (services.dashboard.periods):
its span is [start_date, 9999-12-31) or [start_date, contract_end).

Triggers on subscription (row triggers on SQLite, statement triggers with
transition tables on PostgreSQL) apply every insert, delete and change of a
subscription in the same transaction, so every writer (services, merge,
erase's cascade, the demo builder, imports, repair) keeps them without
knowing. The same statements serve both engines: only where the changed
rows come from differs. `crm db check` compares the tables with a rebuild
from the subscriptions (`expected_*` below), and `crm db repair` refills them.
"""

from __future__ import annotations

FOREVER = "'9999-12-31'"
COLUMNS = "customer_id, currency, monthly_amount, start_date, contract_end, status"


def _runs(p: str = "") -> str:
    """The subscription (columns prefixed by p) has a non-empty running span."""
    return f"({p}status = 'active' OR ({p}status = 'ended' AND {p}contract_end > {p}start_date))"


def _span_end(p: str = "") -> str:
    return f"CASE WHEN {p}status = 'active' THEN {FOREVER} ELSE {p}contract_end END"


def income_changes(src: str) -> str:
    """(day, currency, subscriptions, amount) changes of the rows of `src` (with a sign)."""
    return f"""
        SELECT start_date AS day, currency, sign AS n, sign * monthly_amount AS a
        FROM ({src}) c WHERE {_runs()}
        UNION ALL
        SELECT {_span_end()}, currency, -sign, -sign * monthly_amount
        FROM ({src}) c WHERE {_runs()}"""


def _add_income(src: str) -> str:
    return f"""INSERT INTO dashboard_income (day, currency, subscriptions, amount)
        SELECT day, currency, SUM(n), SUM(a) FROM ({income_changes(src)}) x
        WHERE true GROUP BY day, currency ORDER BY day, currency
        ON CONFLICT (day, currency) DO UPDATE SET
        subscriptions = dashboard_income.subscriptions + excluded.subscriptions,
        amount = dashboard_income.amount + excluded.amount"""


def _add_active(ids: str, sign: int) -> str:
    """Count (sign 1) or take off (sign -1) the spans of the customers `ids` selects."""
    return f"""INSERT INTO dashboard_active (day, customers)
        SELECT day, SUM(n) FROM (
            SELECT start_day AS day, {sign} AS n FROM activity_span
            WHERE customer_id IN ({ids})
            UNION ALL
            SELECT end_day, {-sign} FROM activity_span WHERE customer_id IN ({ids})
        ) x WHERE true GROUP BY day ORDER BY day
        ON CONFLICT (day) DO UPDATE SET
        customers = dashboard_active.customers + excluded.customers"""


def expected_spans(where: str = "true") -> str:
    """The spans of the customers whose subscriptions `where` picks, from the subscriptions.

    Gaps and islands: ordered by start, a subscription opens a new span when
    it starts after every earlier one ended (one that starts on the day
    another ends continues it: the customer is never inactive between).
    """
    return f"""
    SELECT customer_id, start_day, end_day,
        COALESCE(LEAD(start_day) OVER (PARTITION BY customer_id ORDER BY start_day),
                 {FOREVER}) AS next_start
    FROM (
        SELECT customer_id, MIN(s) AS start_day, MAX(e) AS end_day FROM (
            SELECT customer_id, s, e, SUM(CASE WHEN prev_end IS NULL OR s > prev_end
                                          THEN 1 ELSE 0 END)
                OVER (PARTITION BY customer_id ORDER BY s, e ROWS UNBOUNDED PRECEDING) AS grp
            FROM (
                SELECT customer_id, s, e, MAX(e) OVER (
                    PARTITION BY customer_id ORDER BY s, e
                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end
                FROM (
                    SELECT customer_id, start_date AS s, {_span_end()} AS e
                    FROM subscription WHERE ({where}) AND {_runs()}
                ) r
            ) m
        ) g GROUP BY customer_id, grp
    ) i"""


def maintain(src: str, ids: str) -> list[str]:
    """The statements that apply the changed rows `src` (COLUMNS + sign) whose customers
    `ids` selects: income by day, then each such customer's spans rebuilt."""
    return [
        _add_income(src),
        _add_active(ids, -1),
        f"DELETE FROM activity_span WHERE customer_id IN ({ids})",
        "INSERT INTO activity_span (customer_id, start_day, end_day, next_start) "
        + expected_spans(f"customer_id IN ({ids})"),
        _add_active(ids, 1),
    ]


# --- the full rebuild (migration fill, check, repair) -----------------------------------

EXPECTED_INCOME = f"""
SELECT day, currency, SUM(n) AS subscriptions, SUM(a) AS amount
FROM ({income_changes(f"SELECT {COLUMNS}, 1 AS sign FROM subscription")}) x
GROUP BY day, currency HAVING SUM(n) <> 0 OR SUM(a) <> 0"""


def expected_active(spans: str) -> str:
    return f"""
    SELECT day, SUM(n) AS customers FROM (
        SELECT start_day AS day, 1 AS n FROM ({spans}) s
        UNION ALL SELECT end_day, -1 FROM ({spans}) s
    ) x GROUP BY day HAVING SUM(n) <> 0"""


FILL = [
    "DELETE FROM dashboard_income",
    "DELETE FROM dashboard_active",
    "DELETE FROM activity_span",
    f"INSERT INTO dashboard_income (day, currency, subscriptions, amount) {EXPECTED_INCOME}",
    "INSERT INTO activity_span (customer_id, start_day, end_day, next_start) " + expected_spans(),
    "INSERT INTO dashboard_active (day, customers) "
    + expected_active("SELECT start_day, end_day FROM activity_span"),
]

# A bulk load of new customers on SQLite (the demo builder) drops the row triggers
# in its transaction and applies its rows in one pass per batch instead: the
# customers with ids between :first and :last are new, so all their
# subscriptions are the batch's. (PostgreSQL's statement triggers already see
# a multi-row INSERT at once.)
BATCH_OF_NEW_CUSTOMERS = maintain(
    f"SELECT {COLUMNS}, 1 AS sign FROM subscription WHERE customer_id BETWEEN :first AND :last",
    "SELECT customer_id FROM subscription WHERE customer_id BETWEEN :first AND :last",
)

# --- the triggers ------------------------------------------------------------------------

_CHANGED = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in (c.strip() for c in COLUMNS.split(",")))


def _sqlite_row(p: str, sign: int) -> str:
    return (
        "SELECT "
        + ", ".join(f"{p}.{c.strip()} AS {c.strip()}" for c in COLUMNS.split(","))
        + f", {sign} AS sign"
    )


SQLITE_TRIGGERS = {
    "dashboard_figures_ai": "AFTER INSERT ON subscription",
    "dashboard_figures_ad": "AFTER DELETE ON subscription",
    "dashboard_figures_au": f"AFTER UPDATE ON subscription WHEN {_CHANGED}",
}


def sqlite_triggers() -> list[str]:
    sources = {
        "dashboard_figures_ai": (_sqlite_row("NEW", 1), "SELECT NEW.customer_id"),
        "dashboard_figures_ad": (_sqlite_row("OLD", -1), "SELECT OLD.customer_id"),
        "dashboard_figures_au": (
            f"{_sqlite_row('OLD', -1)} UNION ALL {_sqlite_row('NEW', 1)}",
            "SELECT OLD.customer_id UNION SELECT NEW.customer_id",
        ),
    }
    return [
        f"CREATE TRIGGER {name} {SQLITE_TRIGGERS[name]} BEGIN\n"
        + ";\n".join(maintain(src, ids))
        + ";\nEND"
        for name, (src, ids) in sources.items()
    ]


_PG_CHANGED = (
    f"(o.{COLUMNS.replace(', ', ', o.')}) IS DISTINCT FROM (n.{COLUMNS.replace(', ', ', n.')})"
)
_PG_PAIRS = f"old_rows o JOIN new_rows n ON n.id = o.id WHERE {_PG_CHANGED}"
PG_SOURCES = {
    "insert": (f"SELECT {COLUMNS}, 1 AS sign FROM new_rows", "SELECT customer_id FROM new_rows"),
    "delete": (f"SELECT {COLUMNS}, -1 AS sign FROM old_rows", "SELECT customer_id FROM old_rows"),
    "update": (
        f"SELECT o.{COLUMNS.replace(', ', ', o.')}, -1 AS sign FROM {_PG_PAIRS} "
        f"UNION ALL SELECT n.{COLUMNS.replace(', ', ', n.')}, 1 AS sign FROM {_PG_PAIRS}",
        f"SELECT o.customer_id FROM {_PG_PAIRS} UNION SELECT n.customer_id FROM {_PG_PAIRS}",
    ),
}
# Transactions that change the same customer's subscriptions at once take turns
# (an advisory lock per customer, held to commit), so each rebuilds the spans
# from what the other committed; the class number keeps these locks apart.
LOCK_CLASS = 21


def pg_function(op: str) -> str:
    src, ids = PG_SOURCES[op]
    body = ";\n    ".join(maintain(src, ids))
    return f"""CREATE OR REPLACE FUNCTION crm_dashboard_{op}() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS ({ids}) THEN
        RETURN NULL;
    END IF;
    PERFORM pg_advisory_xact_lock({LOCK_CLASS}, c) FROM (
        SELECT DISTINCT customer_id AS c FROM ({ids}) i ORDER BY 1) l;
    {body};
    RETURN NULL;
END
$$"""


def pg_trigger(op: str) -> str:
    tables = {
        "insert": "NEW TABLE AS new_rows",
        "delete": "OLD TABLE AS old_rows",
        "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    }[op]
    return (
        f"CREATE TRIGGER dashboard_figures_{op} AFTER {op.upper()} ON subscription "
        f"REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION crm_dashboard_{op}()"
    )


PG_OPS = ("insert", "delete", "update")
