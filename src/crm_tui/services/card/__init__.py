"""One customer's card (`crm show`) on the lean read path: no SQLAlchemy, no models."""

RECENT_PAYMENTS = 5  # rows of each list the card shows
RECENT_CHANGES = 5
