"""The demo takes ids as any writer does, so it can stop anywhere and run beside clerks (issue 18).

It used to write explicit ids counted from the largest at its start and move
PostgreSQL's sequences only at the end: a demo stopped after 2,000 customers
left `customer_id_seq` at 10, and every later create failed on the primary
key; a clerk saving during a demo collided with it on both engines.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date

import pytest

from crm_tui.services.billing.inputs import PaymentCreate
from crm_tui.services.customers.inputs import AddressCreate, CustomerCreate, NoteCreate
from crm_tui.services.demo import builder as demo_module
from crm_tui.services.demo.builder import DemoBuilder
from crm_tui.services.registry import Services, open_services


class Stopped(Exception):
    """Stands for Ctrl-C (or kill -9) between two batches."""


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(demo_module, "BATCH", 20)
    yield


def clerk_writes(services: Services, tag: str) -> None:
    customer = services.customers.create(CustomerCreate(first_name="Walk", last_name=tag,
                                          email=f"{tag}@walk-in.example"))  # fmt: skip
    services.notes.add(customer.id, NoteCreate(title="Came in"))
    services.addresses.add(customer.id, AddressCreate(line1="1 High St", city="Leeds"))
    services.billing.record_payment(customer.id, PaymentCreate(amount="9.99"))


@pytest.mark.usefixtures("small_batches")
@pytest.mark.parametrize("stop_after", [1, 3])
def test_a_stopped_demo_leaves_every_insert_working(services: Services, stop_after: int) -> None:
    """Demo stopped after some batches: creates, notes, addresses and payments still save."""
    seen = [0]

    def progress(_count: int) -> None:
        seen[0] += 1
        if seen[0] == stop_after:
            raise Stopped

    with pytest.raises(Stopped):
        DemoBuilder(services.ctx, seed=1, as_of=date(2026, 1, 15)).run(200, progress=progress)
    assert services.customers.count() == 20 * stop_after  # whole batches only
    clerk_writes(services, f"after{stop_after}")
    DemoBuilder(services.ctx, seed=2, as_of=date(2026, 1, 15)).run(30)  # and a demo again
    clerk_writes(services, f"again{stop_after}")


@pytest.mark.usefixtures("small_batches")
def test_a_clerk_saves_while_the_demo_runs(services: Services) -> None:
    """Customers saved during a demo collide with none of its rows."""
    url = services.ctx.db.engine.url.render_as_string(hide_password=False)
    from crm_tui.config import Settings

    clerk = open_services(Settings(database_url=url, clerk="counter", default_region="GB"))
    errors: list[BaseException] = []
    done = threading.Event()

    def demo() -> None:
        try:
            DemoBuilder(services.ctx, seed=3, as_of=date(2026, 1, 15)).run(300)
        except Exception as exc:  # asserted below
            errors.append(exc)
        finally:
            done.set()

    thread = threading.Thread(target=demo)
    thread.start()
    saved = 0
    try:
        while not done.is_set() or saved < 5:
            clerk_writes(clerk, f"during{saved}")
            saved += 1
    finally:
        thread.join()
        clerk.close()
    assert errors == []
    assert services.customers.count() == 300 + saved
