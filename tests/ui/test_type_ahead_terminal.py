"""The real `crm` in a pseudo-terminal at 80x24: a burst of keys written in one go lands
field by field, as a scanner, a paste or a fast typist over SSH delivers it."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from crm_tui.config import Settings

CRM = Path(sys.executable).with_name("crm")
DOWN = b"\x1b[B"
CTRL_S = b"\x13"


class Terminal:
    """`crm` on a pty of 80x24; everything it prints is read (and kept) so it never blocks."""

    def __init__(self, db: str) -> None:
        self.fd, child = pty.openpty()
        fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24"}
        self.process = subprocess.Popen(
            [str(CRM), "--db", db],
            stdin=child,
            stdout=child,
            stderr=child,
            env=env,
            start_new_session=True,
        )
        os.close(child)
        self.seen = b""

    def read_for(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    self.seen += os.read(self.fd, 65536)
                except OSError:  # the app has gone
                    return

    def wait_for(self, marker: bytes, seconds: float = 60) -> None:
        end = time.monotonic() + seconds
        while marker not in self.seen and time.monotonic() < end:
            self.read_for(0.1)
        assert marker in self.seen, f"{marker!r} never shown"

    def send(self, keys: bytes) -> None:
        """All of `keys` in a single write: the app reads them as one burst."""
        os.write(self.fd, keys)

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
        os.close(self.fd)


@pytest.fixture
def terminal(sqlite_settings: Settings) -> Iterator[Terminal]:
    term = Terminal(sqlite_settings.database_url)
    yield term
    term.close()


def saved(url: str, seconds: float = 30) -> tuple[str, str]:
    """(first name, phone) of the one customer, once the app has saved it."""
    engine = create_engine(url)
    end = time.monotonic() + seconds
    try:
        while time.monotonic() < end:
            with engine.connect() as conn:
                row = conn.execute(text("SELECT first_name, phone FROM customer")).first()
            if row is not None:
                return str(row[0]), str(row[1])
            time.sleep(0.2)
    finally:
        engine.dispose()
    raise AssertionError("nothing was saved")


@pytest.mark.skipif(not CRM.exists(), reason="the crm console script is not installed")
def test_quick_add_burst_in_a_real_terminal(terminal: Terminal, sqlite_settings: Settings) -> None:
    """`a` then `Tom<Tab>07911123458` written at once: Name "Tom", Phone +447911123458."""
    terminal.wait_for(b"Results")
    terminal.send(DOWN)
    terminal.read_for(1.0)
    terminal.send(b"aTom\t07911123458")
    terminal.read_for(1.0)
    terminal.send(CTRL_S)
    assert saved(sqlite_settings.database_url) == ("Tom", "+447911123458")


@pytest.mark.skipif(not CRM.exists(), reason="the crm console script is not installed")
def test_leave_a_customer_and_search_again_in_one_burst(demo_settings: Settings) -> None:
    """From an open customer, Esc (back to the list) and Enter (open it again) written at
    once, several times over: the customer screen that just went had a footer repaint
    pending (it crashed the app with NoScreen); the app stays up and opens the customer."""
    term = Terminal(demo_settings.database_url)
    try:
        term.wait_for(b"Results")
        term.send(DOWN)
        term.read_for(0.5)
        term.send(b"\r")
        term.wait_for(b"Overview")
        for pause in (1.5, 0.2, 0.8, 0.1, 1.0, 0.3, 0.05, 0.6):
            term.send(b"\x1b\r")
            term.read_for(pause)
            assert term.process.poll() is None, term.seen[-3000:]
        assert b"NoScreen" not in term.seen and b"Traceback" not in term.seen
        term.seen = b""
        term.send(b"\x1b")
        term.wait_for(b"Search name")  # the list's search bar: back on the list, still running
    finally:
        term.close()


@pytest.mark.skipif(not CRM.exists(), reason="the crm console script is not installed")
def test_a_number_and_enter_typed_with_crm_open_the_customer(demo_settings: Settings) -> None:
    """`crm`, then a customer's number and Enter before the app has started: the terminal
    is not raw yet, so the Enter arrives as a line feed (ctrl+j); the customer opens."""
    term = Terminal(demo_settings.database_url)
    try:
        term.send(b"C-000042\r")
        term.wait_for(b"Overview")
        assert b"C-000042" in term.seen and b"Traceback" not in term.seen
    finally:
        term.close()
