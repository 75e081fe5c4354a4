"""Measurements of crm-tui at scale; each module prints a table of figures."""
