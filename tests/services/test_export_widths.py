"""The export's column counts (exports.children.widths) against the same counts made in
Python from every row: more e-mails than anyone else, a kind with no primary, a second
address, most notes, and erased or merged customers with more of each (not counted);
counted in two parts of the ids (as the two processes do) they come out the same."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlmodel import col

from crm_tui.models import Address, ContactPoint, Customer, Note
from crm_tui.services.common import not_erased, not_merged
from crm_tui.services.exports import children
from crm_tui.services.registry import Services


def _add(services: Services) -> None:
    """(e-mails, primary e-mail?, phones, addresses, notes) per customer, and two customers
    outside the selection with more of everything."""
    shapes = [(1, True, 1, 1, 0), (3, True, 0, 2, 1), (3, False, 1, 1, 4), (0, False, 2, 3, 2),
              (1, False, 0, 0, 0), (9, True, 9, 9, 9), (8, False, 8, 8, 8)]  # fmt: skip
    with services.ctx.write() as session:
        for number, (emails, primary, phones, addresses, notes) in enumerate(shapes):
            customer = Customer(kind="individual", first_name=f"C{number}", last_name="W")
            if number == 5:
                customer.erased_at = datetime(2026, 1, 1, tzinfo=UTC)
            if number == 6:
                customer.status = "merged"
            session.add(customer)
            session.flush()
            cid = customer.id
            assert cid is not None
            for index in range(emails):
                session.add(ContactPoint(customer_id=cid, kind="email", value=f"{cid}.{index}@x",
                                         value_key=f"{cid}.{index}@x",
                                         is_primary=primary and index == 0))  # fmt: skip
            for index in range(phones):
                session.add(ContactPoint(customer_id=cid, kind="phone", value=f"+4470000{cid}{index}",
                                         value_key=f"p{cid}{index}", is_primary=index == 0))  # fmt: skip
            for index in range(addresses):
                session.add(Address(customer_id=cid, line1=f"{index} Road", city="Leeds", country="GB",
                                    is_default_billing=index == 0))  # fmt: skip
            for index in range(notes):
                session.add(Note(customer_id=cid, type="call", title=f"n{index}", body="b"))


def _in_python(services: Services) -> children.Widths:
    with services.ctx.read() as session:
        ids = session.scalars(select(col(Customer.id)).where(not_erased(), not_merged()))
        chosen = {cid for cid in ids if cid is not None}
        points = session.execute(select(col(ContactPoint.customer_id), col(ContactPoint.kind),
                                        col(ContactPoint.is_primary))).all()  # fmt: skip
        addresses = list(session.scalars(select(col(Address.customer_id))))
        notes = list(session.scalars(select(col(Note.customer_id))))
    most = {}
    for kind in children.POINT_KINDS:
        per: dict[int, list[bool]] = {}
        for cid, found, primary in points:
            if found == kind and cid in chosen:
                per.setdefault(cid, []).append(primary)
        # The primary's column, then one per other point; no primary: its column stays empty.
        most[kind] = max([len(p) + (0 if any(p) else 1) for p in per.values()] + [1])
    counted = [max([rows.count(cid) for cid in chosen] + [0]) for rows in (addresses, notes)]
    return children.Widths(most, max(counted[0], 1), counted[1], ())


def test_widths_are_the_counts_of_the_selected_customers(services: Services) -> None:
    _add(services)
    expected = _in_python(services)
    assert expected.points == {"email": 4, "phone": 2, "web": 1}  # the test's own shapes
    assert (expected.addresses, expected.notes) == (3, 4)
    where = [not_erased(), not_merged()]
    with services.ctx.read() as session:
        whole = children.counts(session, where)
        middle = session.scalars(select(col(Customer.id)).order_by(col(Customer.id))).all()[2]
        lower = children.counts(session, where, (None, middle))
        upper = children.counts(session, where, (middle, None))
    assert whole == expected
    assert lower.widest(upper) == expected
