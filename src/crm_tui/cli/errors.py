"""One exit-code contract for every command, and one sentence on stderr for every failure.

0   done
1   nothing matched, not found, or the user declined
2   bad usage, bad input, or an environment problem (a missing, unreadable or
    unwritable path; a missing, unreachable or misnamed database; wrong
    credentials; an unsupported URL), and anything unexpected
130 interrupted (Ctrl-C), saying what was committed
141 stdout was closed early (`crm lookup a | head -1`), as a program killed
    by SIGPIPE would end; nothing more is printed

Never a traceback: what nobody expected is written to a private log file
and the message names it.
"""

from __future__ import annotations

import functools
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn, ParamSpec, TypeVar

import click

P = ParamSpec("P")
R = TypeVar("R")

EXIT_OK = 0
EXIT_NOT_FOUND = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 128 + 13  # SIGPIPE

INTERRUPTED_READING = "Interrupted; nothing was changed."


class CliExit(Exception):
    """Stop with `message` on stderr and `code`."""

    def __init__(self, message: str, code: int = EXIT_BAD_INPUT) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def _quoted(pattern: str, text: str) -> str:
    found = re.search(pattern + r' "([^"]*)"', text)
    return found.group(1) if found else "?"


def _server(text: str) -> str:
    found = re.search(r'server at "([^"]*)", port (\d+)', text)
    if found:
        return f"{found.group(1)}:{found.group(2)}"
    found = re.search(r'server on socket "([^"]*)"', text)
    return found.group(1) if found else "the configured host"


def describe_db_error(exc: BaseException) -> str:
    """A database failure in words a clerk can act on; each cause its own sentence."""
    full = str(getattr(exc, "orig", exc) or exc)
    text = " ".join(full.split())
    lowered = text.lower()
    if "database is locked" in lowered:
        return "The database is locked by another program; try again in a moment."
    if "read-only" in lowered or "readonly" in lowered:
        return "The database can only be read here; nothing was changed."
    if "unable to open database" in lowered:
        return "The database file cannot be opened; check the path and its permissions."
    if "file is not a database" in lowered or "file is encrypted" in lowered:
        return "That file is not a crm database."
    if "malformed" in lowered:
        return "The database file is damaged; `crm db check` lists what it finds."
    if "permission denied" in lowered:  # a refusal no service turned into its role's words
        return (
            "PostgreSQL refused this for want of a permission; your login's crm role "
            "(crm db grant) does not allow it."
        )
    if "password authentication failed" in lowered:
        user = _quoted("for user", text)
        return f"PostgreSQL refused the password for user {user}; check the password in the URL."
    if "no password supplied" in lowered:
        return "PostgreSQL wants a password for this user; put it in the URL or in ~/.pgpass."
    if re.search(r'role "[^"]*" does not exist', text):
        user = _quoted("role", text)
        return f"PostgreSQL has no user called {user}; check the user name in the URL."
    if re.search(r'database "[^"]*" does not exist', text):
        name = _quoted("database", text)
        return f"There is no PostgreSQL database called {name} on {_server(text)}; check its name in the URL."
    ssl = _ssl_problem(text, lowered)
    if ssl:
        return ssl
    service = re.search(r'definition of service "([^"]*)" not found', text)
    if service:
        return (
            f"There is no service {service.group(1)} in the libpq service file "
            "(PGSERVICEFILE, or ~/.pg_service.conf)."
        )
    if "no pg_hba.conf entry" in lowered:
        return "The PostgreSQL server does not accept this login from this machine (pg_hba.conf)."
    if "failed to resolve host" in lowered:
        host = re.search(r"failed to resolve host '([^']*)'", text)
        name = host.group(1) if host else "?"
        return f"The database host {name} cannot be found; check the host name in the URL."
    if any(
        s in lowered
        for s in ("connection refused", "could not connect", "timeout", "connection failed")
    ):
        return (
            f"The PostgreSQL server at {_server(text)} is not answering; "
            "check that it runs and that the host and port are right."
        )
    first = full.strip().splitlines()[0] if full.strip() else exc.__class__.__name__
    return f"The database could not be used: {first.rstrip('.')}."


def _ssl_problem(text: str, lowered: str) -> str | None:
    """The sentence for a TLS failure (sslmode, sslrootcert, sslcert/sslkey), if it is one."""
    missing = re.search(r'root certificate file "([^"]*)" does not exist', text)
    if missing:
        return f"The certificate authority file {missing.group(1)} (sslrootcert) does not exist."
    if "certificate required" in lowered or "requires a valid client certificate" in lowered:
        return (
            "The server wants a client certificate: name it with sslcert and sslkey, "
            "and check that both files exist."
        )
    if "certificate verify failed" in lowered:
        return (
            "The server's certificate could not be verified against sslrootcert; check "
            "the certificate authority file the URL names."
        )
    if "does not match host name" in lowered:
        return "The server's certificate is not for the host name in the URL (sslmode=verify-full)."
    if "server does not support ssl" in lowered:
        return (
            f"The PostgreSQL server at {_server(text)} does not offer SSL, but sslmode asks for it."
        )
    found = re.search(r"SSL error: ([^\n]*)", text)
    if found:
        return f"The encrypted connection to {_server(text)} failed: {found.group(1).rstrip('.')}."
    return None


def describe_os_error(exc: OSError) -> str:
    from crm_tui.services.private_files import reason

    name = exc.filename if exc.filename is not None else ""
    where = f"{name}: " if name else ""
    return f"{where}{reason(exc).capitalize()}."


def guarded(func: Callable[P, R]) -> Callable[P, R]:
    """Wrap a command so every expected failure becomes one clean sentence and its code."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        from crm_tui.config import ConfigError
        from crm_tui.db.schema_head import SchemaTooNew
        from crm_tui.services.errors import CrmError, NotFound

        try:
            result = func(*args, **kwargs)
            sys.stdout.flush()  # here, so a closed pipe is seen while we still handle it
            return result
        except CliExit as exc:
            fail(exc.message, exc.code)
        except NotFound as exc:
            fail(exc.message, EXIT_NOT_FOUND)
        except (CrmError, SchemaTooNew, ConfigError) as exc:
            fail(str(exc), EXIT_BAD_INPUT)
        except UnicodeEncodeError:  # argv bytes that were not UTF-8 arrive as lone surrogates
            fail("A value on the command line is not valid text; retype it.", EXIT_BAD_INPUT)
        except BrokenPipeError:
            closed_pipe()
        except OSError as exc:
            fail(describe_os_error(exc), EXIT_BAD_INPUT)
        except KeyboardInterrupt:
            fail(INTERRUPTED_READING, EXIT_INTERRUPTED)
        except Exception as exc:
            sentence = _sqlalchemy_sentence(exc)
            if sentence is None:
                raise
            fail(sentence, EXIT_BAD_INPUT)

    return wrapper


def _sqlalchemy_sentence(exc: Exception) -> str | None:
    """The sentence for a SQLAlchemy database or URL error, else None.

    SQLAlchemy is looked at only when it is loaded: the lean read path of
    lookup and show never imports it, and then no error can be one of its.
    """
    if "sqlalchemy.exc" not in sys.modules:
        return None
    from sqlalchemy.exc import ArgumentError, DBAPIError

    if isinstance(exc, DBAPIError):
        return describe_db_error(exc)
    if isinstance(exc, ArgumentError):
        return f"The database URL is not valid: {exc}."
    return None


def unconfirmed(exc: click.Abort, nothing: str, *, no_answer: str | None = None) -> CliExit:
    """A confirmation prompt that ended without a yes, as the exit the user should see.

    Ctrl-C at the prompt is 130, no answer to read at all (no terminal,
    nothing piped) is 2 with `no_answer`, and a plain no is 1. `nothing`
    says what was not done ("Nothing was merged.").
    """
    cause = exc.__cause__ or exc.__context__
    if isinstance(cause, KeyboardInterrupt):
        return CliExit(f"Interrupted; {nothing[0].lower()}{nothing[1:]}", EXIT_INTERRUPTED)
    if isinstance(cause, EOFError) and no_answer:
        return CliExit(f"{nothing.rstrip('.')}: {no_answer}", EXIT_BAD_INPUT)
    return CliExit(nothing, EXIT_NOT_FOUND)


def fail(message: str, code: int) -> NoReturn:
    from crm_tui.text import literal

    try:
        sys.stdout.flush()
    except BrokenPipeError:
        closed_pipe()
    click.echo(f"crm: {literal(message)}", err=True)
    sys.exit(code)


def closed_pipe() -> NoReturn:
    """The reader went away (`| head`): stop quietly, as SIGPIPE would have stopped us."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())  # so the exit-time flush has nowhere to fail
    os.close(devnull)
    sys.exit(EXIT_BROKEN_PIPE)


def run_main(invoke: Callable[[], object]) -> NoReturn:
    """Run the click group with our exit codes; the last resort against any traceback."""
    try:
        code = invoke()
        sys.stdout.flush()
        sys.exit(code if isinstance(code, int) else EXIT_OK)
    except SystemExit:
        raise
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.UsageError as exc:  # click's own sentence, on one line, and where help is
        where = f" (see {exc.ctx.command_path} --help)" if exc.ctx else ""
        fail(exc.format_message().rstrip(".") + where + ".", EXIT_BAD_INPUT)
    except click.ClickException as exc:
        fail(exc.format_message(), EXIT_BAD_INPUT)
    except click.Abort as exc:
        stop = unconfirmed(exc, "Nothing was changed.", no_answer="no answer could be read.")
        fail(stop.message, stop.code)
    except KeyboardInterrupt:
        fail(INTERRUPTED_READING, EXIT_INTERRUPTED)
    except BrokenPipeError:
        closed_pipe()
    except BaseException as exc:  # the last resort: nothing reaches the user as a traceback
        log = write_crash_log(exc)
        where = f"the details are in {log}" if log else "the details could not be saved"
        fail(f"Something unexpected went wrong ({exc.__class__.__name__}); {where}.",
             EXIT_BAD_INPUT)  # fmt: skip


def _without_passwords(argv: list[str]) -> list[str]:
    return [re.sub(r"(://[^:/@\s]*):[^@/\s]*@", r"\1:***@", arg) for arg in argv]


def write_crash_log(exc: BaseException) -> Path | None:
    """The traceback in a new 0600 file in the private log folder; None if that fails too."""
    import time
    import traceback

    import platformdirs

    from crm_tui import __version__
    from crm_tui.services.private_files import PRIVATE_FILE, private_dir

    try:
        folder = private_dir(Path(platformdirs.user_log_dir("crm-tui", appauthor=False)))
        path = folder / f"crash-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, PRIVATE_FILE)
        with os.fdopen(fd, "w", encoding="utf-8", errors="replace") as handle:
            handle.write(f"crm {__version__}, Python {sys.version.split()[0]}\n")
            handle.write(f"argv: {_without_passwords(sys.argv)!r}\n\n")
            handle.write("".join(traceback.format_exception(exc)))
    except Exception:  # the disk is full or the folder unusable: say so, do not crash
        return None
    return path
