"""Tracking: the delivery status of sent texts, kept current by polling and by delivery reports.

The entrance of the package; nothing outside it imports its modules.

- ``tracker``: :class:`DeliveryTracker` follows every message SMS.dk accepted, reads the delivery
  log for the pending ones, and pushes each change to the sensors and event entities;
- ``reports``: the webhook SMS.dk calls with a delivery report (only a prompt to read the log),
  its address (the external URL, or a Home Assistant Cloud cloudhook) and the cloudhook's life;
- ``reader``: :class:`LogReader`, the delivery log read for the tracker and the outbox's look-ups
  of lost answers alike, reads asked for at the same time sharing one request.
"""

from .reader import CLOCK_MARGIN, LogReader
from .reports import (
    CONF_CLOUDHOOK_URL,
    async_register_reports,
    async_remove_cloudhook,
    async_report_url,
    async_setup_cloudhook,
)
from .tracker import EVENT_DELIVERY_STATUS, DeliveryTracker, TrackedMessage

__all__ = [
    "CLOCK_MARGIN",
    "CONF_CLOUDHOOK_URL",
    "EVENT_DELIVERY_STATUS",
    "DeliveryTracker",
    "LogReader",
    "TrackedMessage",
    "async_register_reports",
    "async_remove_cloudhook",
    "async_report_url",
    "async_setup_cloudhook",
]
