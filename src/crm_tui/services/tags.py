"""Tags as things in their own right: create, rename, recolour, merge, delete.

Every change that alters which tags a customer carries (rename, merge,
delete, bulk tagging) writes one history line per affected customer, by
`INSERT ... SELECT` so a tag on 100,000 customers costs one statement. Rules
of dynamic segments that name a renamed or merged tag are rewritten to the
new name, so the segments keep selecting the same customers.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Integer, String, delete, func, insert, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import CustomerTag, Tag
from crm_tui.models.types import UTCDateTime, utcnow
from crm_tui.services import history
from crm_tui.services.common import load_row
from crm_tui.services.context import ServiceContext
from crm_tui.services.errors import ValidationError
from crm_tui.services.roles.policy import Capability
from crm_tui.services.segments.membership import rewrite_segment_rules, segments_naming
from crm_tui.services.validation import clean_text, text_key

# Colour names every terminal theme renders (Rich/Textual names).
TAG_COLORS = ("blue", "green", "red", "yellow", "magenta", "cyan", "orange", "purple", "grey")


@dataclass(frozen=True)
class TagRead:
    """A tag with how many customers carry it."""

    id: int
    name: str
    color: str
    customers: int


@dataclass(frozen=True)
class TagUsage:
    """What deleting a tag would touch: customers carrying it, segments naming it."""

    customers: int
    segments: tuple[str, ...]


@dataclass(frozen=True)
class MergeResult:
    """Customers moved to the surviving tag, and those that already had it."""

    moved: int
    already_tagged: int
    segments_updated: int


class TagService:
    """Tag maintenance for the tags screen and bulk actions."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    # --- reading -------------------------------------------------------------

    def list(self) -> builtins.list[TagRead]:
        with self.ctx.read() as session:
            counts = (
                select(col(CustomerTag.tag_id), func.count().label("n"))
                .group_by(col(CustomerTag.tag_id))
                .subquery()
            )
            rows = session.execute(
                select(col(Tag.id), col(Tag.name), col(Tag.color), counts.c.n)
                .outerjoin(counts, counts.c.tag_id == col(Tag.id))
                .order_by(col(Tag.name_key))
            ).all()
            return [TagRead(r[0], r[1], r[2], int(r[3] or 0)) for r in rows]

    def usage(self, tag_id: int) -> TagUsage:
        with self.ctx.read() as session:
            tag = self._load(session, tag_id)
            customers = session.scalar(
                select(func.count())
                .select_from(CustomerTag)
                .where(col(CustomerTag.tag_id) == tag_id)
            )
            return TagUsage(int(customers or 0), tuple(segments_naming(session, "tag", tag.name)))

    # --- writing -------------------------------------------------------------

    def create(self, name: str, *, color: str = "blue") -> TagRead:
        with self.ctx.write() as session:
            clean = self._clean_name(session, name, None)
            tag = Tag(name=clean, name_key=text_key(clean), color=self._clean_color(color))
            try:
                with session.begin_nested():
                    session.add(tag)
            except IntegrityError:
                # Another clerk created the same tag since _clean_name looked:
                # say so as _clean_name would have.
                self._clean_name(session, name, None)
                raise
            assert tag.id is not None
            return TagRead(tag.id, tag.name, tag.color, 0)

    def rename(self, tag_id: int, name: str) -> TagRead:
        with self.ctx.write(Capability.SETTINGS) as session:
            tag = self._load(session, tag_id, lock=True)
            clean = self._clean_name(session, name, tag_id)
            old = tag.name
            if clean != old:
                tag.name = clean
                tag.name_key = text_key(clean)
                session.flush()
                self._record_all(session, tag_id, old, clean)
                rewrite_segment_rules(session, "tag", old, clean)
            return self._read(session, tag)

    def recolor(self, tag_id: int, color: str) -> TagRead:
        with self.ctx.write(Capability.SETTINGS) as session:
            tag = self._load(session, tag_id, lock=True)
            tag.color = self._clean_color(color)
            session.flush()
            return self._read(session, tag)

    def merge(self, source_ids: Iterable[int], target_id: int) -> MergeResult:
        """Fold the source tags into the target: their customers get the target tag."""
        sources = sorted(set(source_ids) - {target_id})
        if not sources:
            raise ValidationError("tags", "Choose at least one other tag to merge into this one.")
        with self.ctx.write(Capability.SETTINGS) as session:
            target = self._load(session, target_id, lock=True)
            moved = already = 0
            segments_updated = 0
            for source_id in sources:
                source = self._load(session, source_id, lock=True)
                has_target = select(col(CustomerTag.customer_id)).where(
                    col(CustomerTag.tag_id) == target_id
                )
                # History first, while the source rows still say who had what.
                self._record_all(session, source_id, source.name, target.name, only_new=has_target)
                self._record_all(session, source_id, source.name, None, only_in=has_target)
                movable = select(col(CustomerTag.customer_id)).where(
                    col(CustomerTag.tag_id) == source_id,
                    col(CustomerTag.customer_id).not_in(has_target),
                )
                total = session.scalar(
                    select(func.count())
                    .select_from(CustomerTag)
                    .where(col(CustomerTag.tag_id) == source_id)
                )
                # Counted up front: INSERT ... SELECT's rowcount is not reliable on every driver.
                moving = session.scalar(select(func.count()).select_from(movable.subquery()))
                session.execute(
                    insert(CustomerTag).from_select(
                        ["customer_id", "tag_id"],
                        select(col(CustomerTag.customer_id), literal(target_id, Integer)).where(
                            col(CustomerTag.tag_id) == source_id,
                            col(CustomerTag.customer_id).not_in(has_target),
                        ),
                    )
                )
                moved += int(moving or 0)
                already += int(total or 0) - int(moving or 0)
                session.execute(delete(CustomerTag).where(col(CustomerTag.tag_id) == source_id))
                session.delete(source)
                session.flush()
                segments_updated += rewrite_segment_rules(session, "tag", source.name, target.name)
            return MergeResult(
                moved=moved, already_tagged=already, segments_updated=segments_updated
            )

    def delete(self, tag_id: int) -> int:
        """Delete the tag; returns how many customers lost it."""
        with self.ctx.write(Capability.SETTINGS) as session:
            tag = self._load(session, tag_id, lock=True)
            count = int(
                session.scalar(
                    select(func.count())
                    .select_from(CustomerTag)
                    .where(col(CustomerTag.tag_id) == tag_id)
                )
                or 0
            )
            self._record_all(session, tag_id, tag.name, None)
            session.execute(delete(CustomerTag).where(col(CustomerTag.tag_id) == tag_id))
            session.delete(tag)
            return count

    # --- internals -----------------------------------------------------------

    @staticmethod
    def _load(session: Session, tag_id: int, *, lock: bool = False) -> Tag:
        return load_row(session, Tag, tag_id, missing="That tag no longer exists.", lock=lock)

    @staticmethod
    def _read(session: Session, tag: Tag) -> TagRead:
        assert tag.id is not None
        count = session.scalar(
            select(func.count()).select_from(CustomerTag).where(col(CustomerTag.tag_id) == tag.id)
        )
        return TagRead(tag.id, tag.name, tag.color, int(count or 0))

    @staticmethod
    def _clean_name(session: Session, raw: str, own_id: int | None) -> str:
        name = clean_text("name", raw, required=True, max_len=64)
        assert name is not None
        if "," in name:
            raise ValidationError("name", "A tag name cannot contain a comma.")
        query = select(col(Tag.id), col(Tag.name)).where(col(Tag.name_key) == text_key(name))
        if own_id is not None:
            query = query.where(col(Tag.id) != own_id)
        clash = session.execute(query.limit(1)).first()
        if clash is not None:
            raise ValidationError(
                "name", f"There is already a tag called {clash[1]!r}; merge the two instead."
            )
        return name

    @staticmethod
    def _clean_color(raw: str) -> str:
        color = (raw or "").strip().lower()
        if color not in TAG_COLORS:
            raise ValidationError("color", f"Choose a colour from: {', '.join(TAG_COLORS)}.")
        return color

    def _record_all(
        self,
        session: Session,
        tag_id: int,
        old: str | None,
        new: str | None,
        *,
        only_new: object = None,
        only_in: object = None,
    ) -> None:
        """History for every customer carrying `tag_id`: field 'tag', old -> new."""
        query = select(
            col(CustomerTag.customer_id),
            literal("customer", String),
            col(CustomerTag.customer_id),
            literal("update", String),
            literal("tag", String),
            literal(old, String),
            literal(new, String),
            literal(0, Integer),
            literal(self.ctx.actor, String),
            literal(utcnow(), UTCDateTime),
        ).where(col(CustomerTag.tag_id) == tag_id)
        if only_new is not None:
            query = query.where(col(CustomerTag.customer_id).not_in(only_new))  # type: ignore[arg-type]
        if only_in is not None:
            query = query.where(col(CustomerTag.customer_id).in_(only_in))  # type: ignore[arg-type]
        history.record_selected(session, query)
