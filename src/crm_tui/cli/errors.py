"""One place that turns failures into one sentence on stderr and an exit code.

0 ok, 1 not found / nothing matched, 2 bad usage or bad input (and any
database that cannot be opened). Never a traceback.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import click

P = ParamSpec("P")
R = TypeVar("R")

EXIT_OK = 0
EXIT_NOT_FOUND = 1
EXIT_BAD_INPUT = 2


class CliExit(Exception):
    """Stop with `message` on stderr and `code`."""

    def __init__(self, message: str, code: int = EXIT_BAD_INPUT) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def describe_db_error(exc: BaseException) -> str:
    """A database failure in words a clerk understands."""
    text = str(getattr(exc, "orig", exc) or exc).strip().splitlines()[0] if str(exc) else ""
    lowered = text.lower()
    if "database is locked" in lowered:
        return "The database is locked by another program; try again in a moment."
    if "unable to open database" in lowered:
        return "The database file cannot be opened; check the path and its permissions."
    if "file is not a database" in lowered or "file is encrypted" in lowered:
        return "That file is not a crm-tui database."
    if (
        "connection refused" in lowered
        or "could not connect" in lowered
        or "connection failed" in lowered
    ):
        return "The PostgreSQL server is not answering; check that it runs and the URL is right."
    if "does not exist" in lowered and "database" in lowered:
        return "That PostgreSQL database does not exist; create it first."
    if "password authentication failed" in lowered:
        return "PostgreSQL refused the login; check the user name and password in the URL."
    return f"The database could not be used: {text or exc.__class__.__name__}."


def guarded(func: Callable[P, R]) -> Callable[P, R]:
    """Wrap a command so every expected failure becomes one clean sentence."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

        from crm_tui.config import ConfigError
        from crm_tui.db.engine import MissingDatabase
        from crm_tui.db.schema_head import SchemaTooNew
        from crm_tui.services.errors import CrmError, NotFound

        try:
            return func(*args, **kwargs)
        except CliExit as exc:
            fail(exc.message, exc.code)
        except NotFound as exc:
            fail(exc.message, EXIT_NOT_FOUND)
        except MissingDatabase as exc:
            fail(str(exc), EXIT_NOT_FOUND)
        except (CrmError, SchemaTooNew, ConfigError) as exc:
            fail(str(exc), EXIT_BAD_INPUT)
        except (OperationalError, DBAPIError) as exc:
            fail(describe_db_error(exc), EXIT_BAD_INPUT)
        except ArgumentError as exc:
            fail(f"The database URL is not valid: {exc}.", EXIT_BAD_INPUT)
        except UnicodeEncodeError:  # argv bytes that were not UTF-8 arrive as lone surrogates
            fail("A value on the command line is not valid text; retype it.", EXIT_BAD_INPUT)
        except KeyboardInterrupt:
            fail("Interrupted.", 130)
        raise AssertionError("unreachable")

    return wrapper


def fail(message: str, code: int) -> None:
    click.echo(f"crm: {message}", err=True)
    sys.exit(code)
