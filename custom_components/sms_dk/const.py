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

CONF_API_TOKEN: Final = "api_token"  # noqa: S105 (a key, not a secret)

CREDITS_UPDATE_INTERVAL: Final = timedelta(minutes=30)


def default_api_url() -> str:
    """The API address new entries get: the real one unless a developer set ENV_API_URL."""
    return os.environ.get(ENV_API_URL) or DEFAULT_BASE_URL
