"""When the outbox tries again: what the last try learned of SMS.dk, and the waits that follow.

- no answer or a failing server (DOWN): ask SMS.dk whether it answers again every 10 s during the
  first 10 minutes of the outage, then every minute;
- a cool-down (COOL_DOWN): exactly the time SMS.dk named;
- a refused token or no credits (NEEDS_USER): 30 s, 1, 2, 5, 10, then every 15 minutes, while the
  user fixes it (and at once when the balance can be read again);
- SMS.dk answers (UP): at once, or when the first kept text is due.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Final

from ..const import SCHEDULE_MIN_AHEAD
from ..policy import Verdict, cool_down

if TYPE_CHECKING:
    from ..smsdk import SmsDkError
    from .kept import KeptText

# Give a text up after this long: a day-old alarm is no longer news.
KEEP_FOR: Final = timedelta(hours=24)
# A lost request is looked up in the log no sooner than this after it was made.
SETTLE: Final = timedelta(seconds=15)
MAX_COOL_DOWN: Final = 86400.0
PROBE_FAST: Final = 10.0
PROBE_FAST_FOR: Final = timedelta(minutes=10)
PROBE_SLOW: Final = 60.0
NEEDS_USER_DELAYS: Final = (30, 60, 120, 300, 600, 900)


class Link(StrEnum):
    """What the last try learned of SMS.dk."""

    UP = "up"
    DOWN = "down"
    COOL_DOWN = "cool_down"
    NEEDS_USER = "needs_user"


class Recovery:
    """The state of the link to SMS.dk, as the outbox's tries found it."""

    def __init__(self) -> None:
        """Assume SMS.dk answers until a try says otherwise."""
        self.link = Link.UP
        self._down_since: datetime | None = None
        self._cool_until: datetime | None = None
        # Tries that needed the user in a row: the back-off starts at 30 s after an outage too.
        self._user_tries = 0

    def went_wrong(self, verdict: Verdict, err: SmsDkError | None, now: datetime) -> None:
        """Learn from *err* (the policy's *verdict*: it keeps the text) what to wait for."""
        if (retry_after := cool_down(err)) is not None:
            self.link = Link.COOL_DOWN
            # Within a second and a day: a Retry-After of a billion seconds is no plan.
            wait = min(max(retry_after, 1.0), MAX_COOL_DOWN)
            self._cool_until = now + timedelta(seconds=wait)
        elif verdict is Verdict.NEEDS_USER:
            self.link = Link.NEEDS_USER
            self._user_tries += 1
        else:
            # An outage that goes on keeps its start: the checks slow down after 10 minutes.
            self.link = Link.DOWN
            self._down_since = self._down_since or now

    def unknown(self, now: datetime) -> None:
        """Nothing is known yet (a start with kept texts): check at once, as after an outage."""
        self.link, self._down_since = Link.DOWN, now

    def went_right(self) -> None:
        """SMS.dk answered."""
        self.link, self._down_since, self._cool_until = Link.UP, None, None
        self._user_tries = 0

    def delay(self, now: datetime, *, due_in: float) -> float:
        """Seconds until the next try; *due_in*: when a kept text is due if SMS.dk answers."""
        if self.link is Link.UP:
            return due_in
        if self.link is Link.COOL_DOWN and self._cool_until is not None:
            # Past the cool-down, a kept text may still wait (a lost answer settling).
            return max((self._cool_until - now).total_seconds(), due_in)
        if self.link is Link.NEEDS_USER:
            tries = min(max(self._user_tries, 1), len(NEEDS_USER_DELAYS))
            return NEEDS_USER_DELAYS[tries - 1]
        since = self._down_since or now
        return PROBE_FAST if now - since < PROBE_FAST_FOR else PROBE_SLOW


def waits_for_its_time(item: KeptText, now: datetime) -> bool:
    """Whether *item* only waits for its time (scheduled too close to send it as scheduled)."""
    when = item.prepared.scheduled
    return when is not None and now < when and when - now < SCHEDULE_MIN_AHEAD


def earliest(current: float | None, candidate: float) -> float:
    """The sooner of two waits (None: no wait yet)."""
    return candidate if current is None else min(current, candidate)
