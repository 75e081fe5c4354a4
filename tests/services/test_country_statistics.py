"""PostgreSQL measures the billing country as segment and list rules read it (migration 0025).

Without statistics on upper(country) (its only index is partial, and PostgreSQL
keeps none for a partial index's expression) the planner takes any country
for 0.5% of the addresses and plans counts by country badly at scale.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from crm_tui.config import Settings
from crm_tui.services.customers.inputs import AddressCreate, CustomerCreate
from crm_tui.services.registry import Services, open_services
from tests.conftest import PgServer

GB, PT = 90, 10


@pytest.fixture
def pg_services(pg_server: PgServer) -> Iterator[Services]:
    name = pg_server.create()
    services = open_services(Settings(database_url=pg_server.url_for(name), clerk="test"))
    try:
        yield services
    finally:
        services.close()
        pg_server.drop(name)


def test_the_planner_knows_how_many_billing_addresses_a_country_has(
    pg_services: Services,
) -> None:
    for number in range(GB + PT):
        customer = pg_services.customers.create(CustomerCreate(first_name=f"P{number}"))
        country = "GB" if number < GB else "PT"
        pg_services.addresses.add(
            customer.id, AddressCreate(line1=f"{number} High St", city="Leeds", country=country)
        )
    with pg_services.ctx.db.engine.connect() as conn:
        conn.execute(text("ANALYZE address"))
        plan = conn.execute(
            text(
                "EXPLAIN (FORMAT JSON) SELECT customer_id FROM address "
                "WHERE is_default_billing AND upper(country) = 'GB'"
            )
        ).scalar_one()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    estimated = plan[0]["Plan"]["Plan Rows"]
    # Without the statistics: 0.5% of 100 addresses, one row.
    assert estimated >= GB // 2, plan
