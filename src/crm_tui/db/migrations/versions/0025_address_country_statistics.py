"""PostgreSQL: statistics on the billing country as the country rule reads it.

The country rule of segments and list filters asks `upper(country)` of the
default billing address, through the partial index ix_address_billing_country.
PostgreSQL keeps no statistics for the expression of a partial index, so the
planner guessed 0.5% of addresses for any country: for "active, GB, bought in
the last 90 days" at a million customers it expected 5,000 GB addresses where
there were 500,000, hashed them all, and counted in 0.6-0.8 s instead of
probing the last-purchase range's 25,000 customers (0.14-0.17 s). An extended
statistics object on the expression (PostgreSQL 14 and later) gives ANALYZE
it to measure. SQLite's planner does not use such figures: nothing to do there.

Revision ID: 0025
Revises: 0024
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "st_address_billing_country"
EXPRESSION_STATISTICS_FROM = (14,)  # the first PostgreSQL with statistics on expressions


def upgrade() -> None:
    dialect = op.get_bind().dialect
    if dialect.name != "postgresql":
        return
    if (dialect.server_version_info or ()) < EXPRESSION_STATISTICS_FROM:  # read on connect
        return
    op.execute(f"CREATE STATISTICS IF NOT EXISTS {NAME} ON (upper(country::text)) FROM address")
    op.execute("ANALYZE address")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP STATISTICS IF EXISTS {NAME}")
