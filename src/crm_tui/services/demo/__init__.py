"""Realistic, reproducible demo data."""

from crm_tui.services.demo.builder import DemoBuilder

__all__ = ["DemoBuilder"]
