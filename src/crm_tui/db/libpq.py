"""A read-only PostgreSQL connection straight over libpq, for the lean read paths.

`import psycopg` costs about 0.2-0.4 s of CPU (it loads asyncio, logging,
typing_extensions and importlib.metadata before its first query), most of
what `crm lookup` and `crm show` spend on PostgreSQL. The lean paths only
run a handful of checked-in SELECTs in one read-only transaction, so they
call the same C library psycopg drives, libpq (psycopg-binary's own copy
when it is installed, else the system's), through ctypes: text in, text
out, each value read back as psycopg's default loaders read it for the types
those statements return.

Anything outside that (no libpq to load, a connection refused, a statement
error, a type this module does not read) raises `LibpqUnusable`, and the
caller takes the full path, which says what is wrong in its own words; with
no libpq to load at all (`NoLibpq`) the lean paths use psycopg.
"""

from __future__ import annotations

import ctypes
import importlib.util
import json
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

CONNECTION_OK = 0
PGRES_COMMAND_OK = 1
PGRES_TUPLES_OK = 2
# Placeholders as SQLAlchemy's psycopg dialect writes them, and its escaped percent sign.
_PLACEHOLDER = re.compile(r"%\((\w+)\)s|%%")


class LibpqUnusable(Exception):
    """The lean connection cannot do this; the full path does it and says why."""


class NoLibpq(LibpqUnusable):
    """No libpq could be loaded: psycopg (with its own libpq, or none) is all there is."""


def _text(value: bytes) -> str:
    return value.decode("utf-8")


def _boolean(value: bytes) -> bool:
    return value == b"t"


def _timestamp(value: bytes) -> datetime:
    return datetime.fromisoformat(value.decode("ascii"))


def _json(value: bytes) -> Any:
    return json.loads(value.decode("utf-8"))


# Result types by OID, read from libpq's text format as psycopg's default loaders read them.
_LOADERS: dict[int, Callable[[bytes], Any]] = {
    16: _boolean,  # bool
    20: int,  # int8
    21: int,  # int2
    23: int,  # int4
    26: int,  # oid
    700: float,  # float4
    701: float,  # float8
    1700: lambda v: Decimal(v.decode("ascii")),  # numeric
    19: _text,  # name
    25: _text,  # text
    705: _text,  # unknown (an untyped literal)
    1042: _text,  # bpchar
    1043: _text,  # varchar
    1082: lambda v: date.fromisoformat(v.decode("ascii")),  # date
    1114: _timestamp,  # timestamp
    1184: _timestamp,  # timestamptz, with its offset
    114: _json,  # json
    3802: _json,  # jsonb
}


def _library_paths() -> list[str]:
    """psycopg-binary's bundled libpq first (the one psycopg itself would use), then the
    system's by its soname."""
    paths: list[str] = []
    spec = importlib.util.find_spec("psycopg_binary")
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            libs = Path(location).parent / "psycopg_binary.libs"
            paths.extend(str(p) for p in sorted(libs.glob("libpq*.so*")))
    return [*paths, "libpq.so.5", "libpq.5.dylib"]


def _load() -> Any:
    for path in _library_paths():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        break
    else:
        raise NoLibpq("no libpq to load")
    void_p, char_p, c_int = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int
    signatures: dict[str, tuple[Any, list[Any]]] = {
        "PQconnectdbParams": (void_p, [ctypes.POINTER(char_p), ctypes.POINTER(char_p), c_int]),
        "PQstatus": (c_int, [void_p]),
        "PQfinish": (None, [void_p]),
        "PQexec": (void_p, [void_p, char_p]),
        "PQexecParams": (
            void_p,
            [void_p, char_p, c_int, void_p, ctypes.POINTER(char_p), void_p, void_p, c_int],
        ),
        "PQresultStatus": (c_int, [void_p]),
        "PQntuples": (c_int, [void_p]),
        "PQnfields": (c_int, [void_p]),
        "PQftype": (ctypes.c_uint, [void_p, c_int]),
        "PQgetisnull": (c_int, [void_p, c_int, c_int]),
        "PQgetvalue": (void_p, [void_p, c_int, c_int]),
        "PQgetlength": (c_int, [void_p, c_int, c_int]),
        "PQclear": (None, [void_p]),
    }
    for name, (restype, argtypes) in signatures.items():
        function = getattr(lib, name)
        function.restype = restype
        function.argtypes = argtypes
    return lib


def _c_strings(values: Sequence[str | None]) -> Any:
    array = (ctypes.c_char_p * (len(values) + 1))()
    for i, value in enumerate(values):
        array[i] = None if value is None else value.encode("utf-8")
    return array


def _param_text(value: Any) -> str | None:
    """A parameter as the text PostgreSQL reads for it (its type comes from the SQL)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | str | Decimal):
        return str(value)
    if isinstance(value, date):  # datetime included
        return value.isoformat()
    raise LibpqUnusable(f"no text form for a {type(value).__name__} parameter")


class LibpqCursor:
    """The part of a DB-API cursor the lean reads use: execute, fetchall, fetchone."""

    def __init__(self, connection: LibpqConnection) -> None:
        self._connection = connection
        self._rows: list[tuple[Any, ...]] = []

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        names: list[str] = []

        def number(match: re.Match[str]) -> str:
            name = match.group(1)
            if name is None:
                return "%"
            if name not in names:
                names.append(name)
            return f"${names.index(name) + 1}"

        text = _PLACEHOLDER.sub(number, sql)
        values = [_param_text((params or {})[name]) for name in names]
        self._rows = self._connection.run(text, values)

    def fetchall(self) -> list[tuple[Any, ...]]:
        rows, self._rows = self._rows, []
        return rows

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._rows.pop(0) if self._rows else None

    def close(self) -> None:
        self._rows = []


class LibpqConnection:
    """One libpq connection inside one READ ONLY transaction, rolled back at the end."""

    def __init__(self, args: Mapping[str, Any]) -> None:
        self._lib = _load()
        keys = [str(k) for k in args]
        handle = self._lib.PQconnectdbParams(
            _c_strings(keys), _c_strings([str(args[k]) for k in keys]), 0
        )
        if not handle or self._lib.PQstatus(handle) != CONNECTION_OK:
            if handle:
                self._lib.PQfinish(handle)
            raise LibpqUnusable("connection refused (psycopg says why)")
        self._handle: int | None = handle
        self.run("SET DateStyle TO ISO", [])  # output only; input order is the server's
        self.run("BEGIN READ ONLY", [])

    def cursor(self) -> LibpqCursor:
        return LibpqCursor(self)

    def run(self, sql: str, values: Sequence[str | None]) -> list[tuple[Any, ...]]:
        lib = self._lib
        result = lib.PQexecParams(
            self._handle, sql.encode("utf-8"), len(values), None, _c_strings(values), None,
            None, 0,
        )  # fmt: skip
        try:
            status = lib.PQresultStatus(result) if result else -1
            if status == PGRES_COMMAND_OK:
                return []
            if status != PGRES_TUPLES_OK:
                raise LibpqUnusable("the statement failed (psycopg says why)")
            return self._rows(result)
        finally:
            if result:
                lib.PQclear(result)

    def _rows(self, result: int) -> list[tuple[Any, ...]]:
        lib = self._lib
        loaders = []
        for column in range(lib.PQnfields(result)):
            oid = lib.PQftype(result, column)
            if oid not in _LOADERS:
                raise LibpqUnusable(f"no loader for type oid {oid}")
            loaders.append(_LOADERS[oid])
        rows = []
        for row in range(lib.PQntuples(result)):
            values: list[Any] = []
            for column, load in enumerate(loaders):
                if lib.PQgetisnull(result, row, column):
                    values.append(None)
                    continue
                size = lib.PQgetlength(result, row, column)
                values.append(load(ctypes.string_at(lib.PQgetvalue(result, row, column), size)))
            rows.append(tuple(values))
        return rows

    def rollback(self) -> None:
        if self._handle:
            self.run("ROLLBACK", [])

    def close(self) -> None:
        if self._handle:
            self._lib.PQfinish(self._handle)
            self._handle = None
