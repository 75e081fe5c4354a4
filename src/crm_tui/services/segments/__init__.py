"""Segments: hand-picked or rule-based groups of customers."""

from crm_tui.services.segments.service import SegmentService
from crm_tui.services.segments.values import MemberRow, SegmentRead

__all__ = ["MemberRow", "SegmentRead", "SegmentService"]
