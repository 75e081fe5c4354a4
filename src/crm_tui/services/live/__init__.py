"""Changes committed by any clerk, reported to open screens as they happen.

PostgreSQL: LISTEN/NOTIFY (the change_history trigger of migration 0014
notifies the changed customers' ids at commit). SQLite: PRAGMA
data_version polling. `live = "poll"` polls the change log on PostgreSQL
instead (for a server reached only through PgBouncer in transaction
pooling), `live = "off"` turns it off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crm_tui.services.live.changes import Changed, ChangeFeed

if TYPE_CHECKING:  # the screens import Changed before the database stack has loaded
    from crm_tui.services.context import ServiceContext

__all__ = ["ChangeFeed", "Changed", "open_feed"]


def open_feed(ctx: ServiceContext, since: int | None = None) -> ChangeFeed | None:
    """The feed for this database, or None when live updates are off (or cannot be had).
    `since` (SQLite): the change log's id when the screens first read, if before now."""
    from crm_tui.services.live.poll import HistoryPollFeed, SqlitePollFeed

    engine = ctx.db.engine
    if ctx.live == "off":
        return None
    if engine.dialect.name == "sqlite":
        path = engine.url.database
        return SqlitePollFeed(path, since) if path and path != ":memory:" else None
    if ctx.live == "poll":
        return HistoryPollFeed(engine)
    from crm_tui.services.live.listen import ListenFeed  # psycopg: only for PostgreSQL

    return ListenFeed(ctx.live_url or engine.url.render_as_string(hide_password=False))
