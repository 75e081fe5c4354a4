"""Segments: hand-picked or rule-based groups of customers."""

from crm_tui.services.segments.service import SegmentService

__all__ = ["SegmentService"]
