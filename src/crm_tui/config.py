"""Settings: where the database and config live, who the clerk is.

Nothing here touches the disk at import time; `Settings.load()` reads the
environment and the optional config file when asked.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import platformdirs

from crm_tui.config_invoicing import InvoicingConfigError, InvoicingSettings

APP_NAME = "crm-tui"
ENV_DATABASE_URL = "CRM_DATABASE_URL"
ENV_CLERK = "CRM_CLERK"


def data_dir() -> Path:
    """The per-user data folder (not created here)."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def config_file() -> Path:
    """The optional TOML config file (`clerk`, `default_region`, `database_url`)."""
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


def default_database_path() -> Path:
    return data_dir() / "crm.sqlite3"


def to_database_url(value: str, *, check: bool = True) -> str:
    """Accept a SQLAlchemy URL or a plain file path (turned into a SQLite URL).

    Only what the app can open gets through: SQLite files and PostgreSQL
    through psycopg 3. Anything else is a ConfigError naming the problem in
    one sentence, without the password.
    """
    if "://" not in value:
        return "sqlite:///" + str(Path(value).expanduser().resolve())
    scheme, rest = value.split("://", 1)
    if scheme in ("postgresql", "postgres"):
        # psycopg 3 is the driver we ship; plain URLs would pick psycopg2.
        scheme = "postgresql+psycopg"
    url = f"{scheme}://{rest}"
    if check:  # without: the lean read path, which hands anything odd to the full path
        check_database_url(url)
    return url


SUPPORTED_SCHEMES = ("sqlite", "sqlite+pysqlite", "postgresql+psycopg")


def check_database_url(url: str) -> None:
    """Refuse a URL the app cannot use, in one sentence (never echoing the password)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    scheme = url.split("://", 1)[0]
    if scheme.startswith("postgres"):
        if scheme != "postgresql+psycopg":
            driver = scheme.partition("+")[2]
            raise ConfigError(
                f"crm talks to PostgreSQL through psycopg 3, not {driver}; "
                "write the URL as postgresql://user@host/database."
            )
    elif scheme not in SUPPORTED_SCHEMES:
        raise ConfigError(
            f"{scheme}:// databases are not supported; use a SQLite file or a "
            "postgresql://user@host/database URL."
        )
    port = _port_text(url)
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        if port is not None and not port.isdigit():
            raise ConfigError(
                f"The port in the database URL must be a number from 1 to 65535, not {port!r}."
            ) from None
        raise ConfigError("The database URL is not valid; check how it is written.") from None
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise ConfigError(
            f"The port in the database URL must be a number from 1 to 65535, not {parsed.port}."
        )
    if parsed.host and "@" in parsed.host:
        raise ConfigError(
            "The database URL has more than one @; write an @ or : inside the user name "
            "or password as %40 or %3A."
        )


def _port_text(url: str) -> str | None:
    """The text after host: in a URL, whatever it is (for the message only)."""
    netloc = url.split("://", 1)[1].split("/", 1)[0].rpartition("@")[2]
    if netloc.startswith("["):  # [::1]:5432
        netloc = netloc.partition("]")[2]
    return netloc.partition(":")[2] if ":" in netloc else None


def os_login() -> str:
    """The operating-system login running crm ("unknown" where there is none)."""
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


START_SCREENS = ("list", "dashboard")
ENV_REPORTING_CURRENCY = "CRM_REPORTING_CURRENCY"
FALLBACK_CURRENCY = "GBP"


def locale_currency(environ: Mapping[str, str] | None = None) -> str:
    """The currency of the user's locale (LC_ALL, LC_MONETARY, LANG), else GBP."""
    env = os.environ if environ is None else environ
    name = next((env[k] for k in ("LC_ALL", "LC_MONETARY", "LANG") if env.get(k)), "")
    name = name.split(".")[0].split("@")[0]
    if not name or name in ("C", "POSIX"):
        return FALLBACK_CURRENCY
    from babel import Locale, UnknownLocaleError
    from babel.numbers import get_territory_currencies

    try:
        territory = Locale.parse(name).territory
    except (ValueError, UnknownLocaleError):
        return FALLBACK_CURRENCY
    found = get_territory_currencies(territory) if territory else []
    return found[0] if found else FALLBACK_CURRENCY


def reporting_currency(
    file_values: Mapping[str, object], environ: Mapping[str, str] | None = None
) -> str | None:
    """The reporting currency set explicitly (the one place it is read), or None.

    CRM_REPORTING_CURRENCY, else `reporting_currency` in config.toml; None
    when neither names one (then the locale's counts: `Settings.currency`).
    An explicit one that is not an ISO 4217 code is a ConfigError.
    """
    env = os.environ if environ is None else environ
    raw = env.get(ENV_REPORTING_CURRENCY) or file_values.get("reporting_currency")
    if not raw:
        return None
    import pycountry

    code = str(raw).strip().upper()
    if len(code) != 3 or pycountry.currencies.get(alpha_3=code) is None:
        raise ConfigError(
            f"The reporting currency {raw!r} is not an ISO 4217 currency code, such as EUR."
        )
    return code


class ConfigError(Exception):
    """config.toml holds a value the app cannot use (the message is one sentence)."""


LIVE_MODES = ("listen", "poll", "off")


def live_settings(file_values: dict[str, object], path: Path) -> tuple[str, str | None]:
    """(live, live_url) from CRM_LIVE / CRM_LIVE_URL, else config.toml's `live` / `live_url`."""
    live = str(os.environ.get("CRM_LIVE") or file_values.get("live") or "listen").strip().lower()
    if live not in LIVE_MODES:
        raise ConfigError(f"live in {path} must be listen, poll or off, not {live!r}.")
    raw = os.environ.get("CRM_LIVE_URL") or file_values.get("live_url")
    return live, to_database_url(str(raw)) if raw else None


@dataclass(frozen=True)
class Settings:
    """Everything the app needs to start; made by `load()` or directly in tests."""

    database_url: str
    clerk: str
    default_region: str = "GB"
    read_only: bool = False
    start_screen: str = "list"  # "list" or "dashboard": what the app opens on
    invoicing: InvoicingSettings = field(default_factory=InvoicingSettings)
    # Every figure's currency; explicit: named in config or the environment,
    # not only the locale's (see services.money.reporting for what that changes).
    # None: the locale's, worked out only when asked (`currency()`): babel costs a
    # look-up 10-25 ms of CPU, and the lean read paths use the one the database records.
    reporting_currency: str | None = FALLBACK_CURRENCY
    reporting_currency_explicit: bool = False
    # Other clerks' changes on open screens: "listen" (PostgreSQL LISTEN/NOTIFY; SQLite
    # always polls), "poll" (PostgreSQL's change log, when only PgBouncer in
    # transaction pooling is reachable) or "off"; `live_url`: a direct connection to
    # LISTEN on when the database URL goes through PgBouncer.
    live: str = "listen"
    live_url: str | None = None

    @classmethod
    def load(
        cls, db: str | None = None, read_only: bool = False, *, check_url: bool = True
    ) -> Settings:
        """The settings from the environment and config.toml. `check_url=False` leaves
        the database URL unchecked (checking loads SQLAlchemy): for the lean read
        path, which opens only plain URLs and hands the rest to the full path."""
        file_values: dict[str, object] = {}
        path = config_file()
        if path.is_file():
            import tomllib  # only with a config file: most look-ups run without one

            with path.open("rb") as fh:
                file_values = tomllib.load(fh)
        raw_url = db or os.environ.get(ENV_DATABASE_URL) or file_values.get("database_url")
        url = (
            to_database_url(str(raw_url), check=check_url)
            if raw_url
            else to_database_url(str(default_database_path()), check=check_url)
        )
        clerk = os.environ.get(ENV_CLERK) or str(file_values.get("clerk") or os_login())
        region = str(file_values.get("default_region") or "GB").upper()
        start = str(file_values.get("start_screen") or "list").strip().lower()
        if start not in START_SCREENS:
            raise ConfigError(f"start_screen in {path} must be list or dashboard, not {start!r}.")
        try:
            invoicing = InvoicingSettings.from_file_values(file_values)
        except InvoicingConfigError as exc:
            raise ConfigError(f"{path}: {exc}") from None
        try:
            currency = reporting_currency(file_values)
        except ConfigError as exc:
            raise ConfigError(f"{path}: {exc}") from None
        live, live_url = live_settings(file_values, path)
        return cls(
            database_url=url,
            clerk=clerk,
            default_region=region,
            read_only=read_only,
            start_screen=start,
            invoicing=invoicing,
            reporting_currency=currency,
            reporting_currency_explicit=currency is not None,
            live=live,
            live_url=live_url,
        )

    def currency(self) -> str:
        """The reporting currency: the one configured, else the locale's, else GBP."""
        return self.reporting_currency or locale_currency()

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]
