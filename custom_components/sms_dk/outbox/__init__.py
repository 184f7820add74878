"""The outbox: every text goes through it; one that SMS.dk cannot take now is kept and sent later.

The entrance of the package; nothing outside it imports its modules.

- ``queue``: :class:`Outbox`, the queue of one account: it sends a text at once or keeps it, in
  order, and tries the kept ones on its own schedule;
- ``schedule``: what the last try learned of SMS.dk, and when to try next;
- ``transmit``: one try of a text, one request per receiver, a few at a time;
- ``lookup``: a text whose answer was lost, looked up in the delivery log before it goes again;
- ``kept``: the kept texts as stored, and the texts given up (kept for their repair);
- ``notices``: what the outbox tells: events, log lines, repair issues.
"""

from .kept import MAX_NOT_SENT, KeptText, not_sent_issue_id, reason
from .notices import EVENT_OUTBOX
from .queue import Outbox
from .transmit import Transmitter

__all__ = [
    "EVENT_OUTBOX",
    "MAX_NOT_SENT",
    "KeptText",
    "Outbox",
    "Transmitter",
    "not_sent_issue_id",
    "reason",
]
