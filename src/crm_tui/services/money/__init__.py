"""Money in its currency: the reporting currency, exchange rates, amounts converted in SQL."""
