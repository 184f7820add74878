"""A typed asyncio client for the SMS.dk API. Nothing below this package imports Home Assistant."""

from .client import DEFAULT_BASE_URL, SmsDkClient
from .codes import RESPONSE_CODES, ResponseCode
from .errors import (
    SmsDkApiError,
    SmsDkAuthenticationError,
    SmsDkConnectionError,
    SmsDkError,
    SmsDkInsufficientCreditsError,
    SmsDkMalformedResponseError,
    SmsDkNotFoundError,
    SmsDkRateLimitError,
    SmsDkRejectedError,
    SmsDkServerError,
    SmsDkTimeoutError,
    SmsDkValidationError,
)
from .fields import token_is_well_formed
from .models import (
    AcceptedReceiver,
    DeliveryStatus,
    LogEntry,
    LogPage,
    MessageFormat,
    RejectedReceiver,
    SenderName,
    SendResult,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "RESPONSE_CODES",
    "AcceptedReceiver",
    "DeliveryStatus",
    "LogEntry",
    "LogPage",
    "MessageFormat",
    "RejectedReceiver",
    "ResponseCode",
    "SendResult",
    "SenderName",
    "SmsDkApiError",
    "SmsDkAuthenticationError",
    "SmsDkClient",
    "SmsDkConnectionError",
    "SmsDkError",
    "SmsDkInsufficientCreditsError",
    "SmsDkMalformedResponseError",
    "SmsDkNotFoundError",
    "SmsDkRateLimitError",
    "SmsDkRejectedError",
    "SmsDkServerError",
    "SmsDkTimeoutError",
    "SmsDkValidationError",
    "token_is_well_formed",
]
