"""A local simulator of the SMS.dk HTTP API, for tests and the development server."""

from .app import SmsDkSimulator
from .models import DEMO_TOKEN, Faults, LogRecord, RecordedRequest

__all__ = ["DEMO_TOKEN", "Faults", "LogRecord", "RecordedRequest", "SmsDkSimulator"]
