"""Subscriptions, orders, payments, billing groups and a customer's figures."""

from crm_tui.services.billing.figures import FigureService
from crm_tui.services.billing.groups import BillingGroupService
from crm_tui.services.billing.service import BillingService

__all__ = ["BillingGroupService", "BillingService", "FigureService"]
