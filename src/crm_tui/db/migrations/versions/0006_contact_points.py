"""Contact points: any number of e-mails, phones and web addresses per customer.

Each has a label (work, home, mobile, other) and one of each kind is the
primary, equal to the customer's own e-mail, phone and website columns,
which stay (the primary e-mail is still the natural key, unique there).
This revision moves every customer's current e-mail, phone and website in
as its primaries, labelled "other" (nothing says which they were), in one
INSERT ... SELECT per kind on either engine.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from crm_tui.models import types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MOVE = """
INSERT INTO contact_point
    (customer_id, kind, value, value_key, label, is_primary, verified, created_at, version)
SELECT id, '{kind}', {value}, {key}, 'other', {true}, {true}, created_at, 1
FROM customer WHERE {value} IS NOT NULL AND {value} <> '' AND erased_at IS NULL
"""


def upgrade() -> None:
    op.create_table(
        "contact_point",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "customer_id",
            sa.Integer(),
            sa.ForeignKey("customer.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("value", sa.String(500), nullable=False),
        sa.Column("value_key", sa.String(500), nullable=False),
        sa.Column("label", sa.String(8), nullable=False),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("created_at", types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_contact_point_customer_id", "contact_point", ["customer_id"])
    op.create_index("ix_contact_point_value_key", "contact_point", ["value_key"])
    true = "true" if op.get_bind().dialect.name == "postgresql" else "1"
    for kind, value, key in (
        ("email", "email", "email_key"),
        ("phone", "phone", "phone_digits"),
        ("web", "website", "lower(website)"),
    ):
        op.execute(_MOVE.format(kind=kind, value=value, key=key, true=true))


def downgrade() -> None:
    op.drop_index("ix_contact_point_value_key", table_name="contact_point")
    op.drop_index("ix_contact_point_customer_id", table_name="contact_point")
    op.drop_table("contact_point")
