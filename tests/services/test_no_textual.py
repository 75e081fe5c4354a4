"""The core never loads Textual: every module of services, models, db and the CLI, imported in a fresh process."""

from __future__ import annotations

import json
import subprocess
import sys

# Walks the packages rather than naming modules, so a module added later is
# checked without anyone remembering to list it. Migrations are left out: a
# migration runs inside Alembic, and the db package imports none of them.
CODE = """
import importlib, json, pkgutil, sys
import crm_tui.cli, crm_tui.db, crm_tui.models, crm_tui.services
import crm_tui.config, crm_tui.text
names = []
for package in (crm_tui.services, crm_tui.models, crm_tui.db, crm_tui.cli):
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if ".migrations" in info.name:
            continue
        importlib.import_module(info.name)
        names.append(info.name)
loaded = sorted(m for m in sys.modules if m == "textual" or m.startswith(("textual.", "crm_tui.ui")))
print(json.dumps({"imported": names, "loaded": loaded}))
"""


def test_no_core_module_loads_textual() -> None:
    """Importing every service, model, db and CLI module loads neither Textual nor crm_tui.ui."""
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout)
    assert result["loaded"] == []
    imported = set(result["imported"])
    # The walk really reached the nested service packages.
    assert {"crm_tui.services.search.service", "crm_tui.services.imports.xlsx"} <= imported
    assert len([n for n in imported if n.startswith("crm_tui.services.")]) >= 40
