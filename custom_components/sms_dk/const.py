"""Constants of the SMS.dk integration."""

from __future__ import annotations

from datetime import timedelta
import logging
import os
from typing import Final

from .smsdk import DEFAULT_BASE_URL

DOMAIN: Final = "sms_dk"
LOGGER = logging.getLogger(__package__)

# Developers point the integration at a local SMS.dk simulator by setting this variable before
# Home Assistant starts (scripts/develop does); it becomes the default API address of new entries.
ENV_API_URL: Final = "SMS_DK_API_URL"

# The token and the sender name are Home Assistant's CONF_API_TOKEN and CONF_SENDER.
CONF_PHONE: Final = "phone"
CONF_REPLACE_CHARACTERS: Final = "replace_characters"
CONF_LOW_CREDITS: Final = "low_credits"
# The first approved sender name, remembered for when SMS.dk cannot be asked.
CONF_DEFAULT_SENDER: Final = "default_sender"
# The name of the entry's classic notify action (notify.<name>), chosen once.
CONF_NOTIFY_NAME: Final = "notify_name"

# The spend guard: at most so many texts (recipients) an hour and a day (0 turns a limit off).
# A household's alarms send a handful; a loop in an automation sends hundreds.
CONF_MAX_PER_HOUR: Final = "max_per_hour"
CONF_MAX_PER_DAY: Final = "max_per_day"
DEFAULT_MAX_PER_HOUR: Final = 100
DEFAULT_MAX_PER_DAY: Final = 500

# Below this many credits a repair issue warns (0 turns the warning off).
DEFAULT_LOW_CREDITS: Final = 20

SUBENTRY_RECIPIENT: Final = "recipient"

CREDITS_UPDATE_INTERVAL: Final = timedelta(minutes=30)
# How long the outbox's "does SMS.dk answer again?" request may take; shorter than a send's
# timeout (the client's DEFAULT_TIMEOUT, 15 s), so that a recovery is noticed soon even when
# requests hang rather than fail.
PROBE_TIMEOUT: Final = 10.0

# SMS.dk wants a scheduled send at least 10 minutes ahead (code 1028).
SCHEDULE_MIN_AHEAD: Final = timedelta(minutes=10)
# SMS.dk publishes no latest time. A year ahead is more than any reminder needs, and a time
# further out is far more likely a typing error (2062 for 2026) than a wish.
SCHEDULE_MAX_AHEAD: Final = timedelta(days=365)
# SMS.dk keeps at most 50 characters of a user reference (code 1046).
REFERENCE_MAX_LENGTH: Final = 50
# SMS.dk publishes no maximum length. Ten parts (1530 GSM or 670 UCS-2 characters) is what
# operators commonly deliver reliably as one concatenated message; longer texts are refused
# before any request, with a clear error, instead of failing somewhere on the way.
MAX_PARTS: Final = 10

# Sender names: 3 to 11 characters, or a number of up to 15 digits (codes 1011 and 1032).
SENDER_MIN_LENGTH: Final = 3
SENDER_MAX_LENGTH: Final = 11
SENDER_MAX_DIGITS: Final = 15


def default_api_url() -> str:
    """Return the API address new entries get: the real one unless ENV_API_URL is set."""
    return os.environ.get(ENV_API_URL) or DEFAULT_BASE_URL


def is_valid_sender_name(name: str) -> bool:
    """Return whether *name* follows SMS.dk's rule: 3 to 11 characters, or up to 15 digits."""
    if name.isdigit():
        return len(name) <= SENDER_MAX_DIGITS
    return SENDER_MIN_LENGTH <= len(name) <= SENDER_MAX_LENGTH
