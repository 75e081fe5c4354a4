"""Subscriptions, orders, payments, billing groups and a customer's figures.

The services are loaded on first use (PEP 562), so the pure parts of this
package (figure_values, reads) import without SQLAlchemy: the lean read path
of `crm show` computes a customer's figures with them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crm_tui.services.billing.figures import FigureService
    from crm_tui.services.billing.groups import BillingGroupService
    from crm_tui.services.billing.service import BillingService

__all__ = ["BillingGroupService", "BillingService", "FigureService"]

_MODULES = {
    "BillingGroupService": "crm_tui.services.billing.groups",
    "BillingService": "crm_tui.services.billing.service",
    "FigureService": "crm_tui.services.billing.figures",
}


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        return getattr(importlib.import_module(_MODULES[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
