"""The customer list's parts: the table, search box, filter chips, KPI bar and marks."""
