"""Bulk actions on a set of customers: tag, untag, change status, export (service.py).

The package imports nothing itself, so the list can build a `Selection` before the
database stack has loaded."""
