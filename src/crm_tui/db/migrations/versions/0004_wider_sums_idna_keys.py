"""Summary sums wide enough for any accepted amounts; IDNA e-mail keys (issue 18).

customer_summary's money columns were NUMERIC(14,2), the width of one
amount: on PostgreSQL a customer with one payment of 999,999,999,999.99
could take no other payment ("numeric field overflow"). They become
NUMERIC(20,2) (SQLite keeps integer cents, already 64-bit).

E-mail keys now carry the domain in Unicode form, so ann@bücher.example
and ann@xn--bcher-kva.example are one customer; keys of stored addresses
with an xn-- label are recomputed. Where two customers would then share a
key, both keep their old keys (the unique index allows no other way) and
`crm db check` names them, to be merged.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SUMS = ("lifetime_value", "outstanding_balance", "active_monthly", "order_total")


def _widen(precision: int) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite stores integer cents
    for column in SUMS:
        op.alter_column(
            "customer_summary",
            column,
            type_=sa.Numeric(precision, 2),
            existing_nullable=False,
            postgresql_using=f"{column}::numeric({precision}, 2)",
        )


def email_key(email: str) -> str:
    """validation.email_key as of this revision (frozen here: the app's may change)."""
    import contextlib
    import unicodedata

    import idna

    local, _at, domain = email.strip().rpartition("@")
    with contextlib.suppress(idna.IDNAError, UnicodeError, ValueError):
        domain = idna.decode(domain.casefold())
    return unicodedata.normalize("NFKC", f"{local}@{domain}".strip()).casefold()


def _rekey_idna_emails() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT id, email, email_key FROM customer "
            "WHERE email_key IS NOT NULL AND lower(email) LIKE '%xn--%'"
        )
    ).all()
    for cid, email, old_key in rows:
        new_key = email_key(email)
        if new_key == old_key:
            continue
        taken = bind.execute(
            sa.text("SELECT 1 FROM customer WHERE email_key = :key AND id <> :id"),
            {"key": new_key, "id": cid},
        ).first()
        if taken is None:
            bind.execute(
                sa.text("UPDATE customer SET email_key = :key WHERE id = :id"),
                {"key": new_key, "id": cid},
            )


def upgrade() -> None:
    _widen(20)
    _rekey_idna_emails()


def downgrade() -> None:
    # Keys stay in the newer form: they were only ever compared, and the older
    # code compares them the same way for every address without xn-- labels.
    _widen(14)
