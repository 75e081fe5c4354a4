"""One computation shared by the panels that ask for it at the same time."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


class _Flight:
    """One computation other threads can wait for."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None


_FLIGHTS: dict[tuple[object, ...], _Flight] = {}
_FLIGHTS_LOCK = threading.Lock()


def shared(key: tuple[object, ...], compute: Callable[[], Any]) -> Any:
    """Run `compute` once for callers that ask for the same key at the same time.

    The dashboard starts every panel at once; "customers over time" and
    "churn" need the same scan of subscriptions, so the second waits for
    the first instead of repeating it. Nothing is kept once the computation
    is over, so a later call always sees fresh data.
    """
    with _FLIGHTS_LOCK:
        flight = _FLIGHTS.get(key)
        owner = flight is None
        if flight is None:
            flight = _FLIGHTS[key] = _Flight()
    if not owner:
        flight.done.wait()
        if flight.error is not None:
            raise flight.error
        return flight.value
    try:
        flight.value = compute()
    except BaseException as exc:
        flight.error = exc
        raise
    finally:
        with _FLIGHTS_LOCK:
            _FLIGHTS.pop(key, None)
        flight.done.set()
    return flight.value
