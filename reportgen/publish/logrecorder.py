"""A logging handler that keeps the messages of warnings: for --strict and the build stamp."""

from __future__ import annotations

import logging


class WarningRecorder(logging.Handler):
    """Keeps the message of every record at WARNING or above, in order."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())
