"""Sending: from what a user asks to send to the outbox, and what it costs.

The entrance of the package; nothing outside it imports its modules.

- ``request``: :class:`SendRequest`, every check of it, and :class:`SendOutcome` (the answer);
- ``sender``: :class:`SmsSender`, the one send path (checks, spend guard, outbox);
- ``guard``: :class:`SpendGuard`, at most so many texts an hour and a day;
- ``usage``: :class:`Usage`, texts sent and credits spent;
- ``estimate``: ``sms_dk.estimate``, what a send would do, without sending.
"""

from .estimate import build_estimate
from .guard import DAY, EVENT_SPEND_LIMIT, HOUR, SpendGuard, spend_limit_issue_id
from .request import SendOutcome, SendRequest
from .sender import SmsSender, async_read_sender_names, async_sender_names
from .usage import Usage

__all__ = [
    "DAY",
    "EVENT_SPEND_LIMIT",
    "HOUR",
    "SendOutcome",
    "SendRequest",
    "SmsSender",
    "SpendGuard",
    "Usage",
    "async_read_sender_names",
    "async_sender_names",
    "build_estimate",
    "spend_limit_issue_id",
]
