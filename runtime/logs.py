"""Logs for humans (text, the default) or for machines (JSON, one object per line).

`WAYLINE_LOG_FORMAT=json` makes every process — server, worker, sweeper, `wayline up`'s
children — write one JSON object per line: time (UTC, ISO 8601), level, logger, message, and
the context the call passed with `extra=` (journey_id, batch_size, duration_ms, …). Text lines
carry the same context as key=value after the message. Uvicorn's and RQ's loggers go through
the same handler, so a log shipper sees one format.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

FORMATS = ("text", "json")
"""The values WAYLINE_LOG_FORMAT accepts."""

TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s %(message)s"

_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message", "asctime", "taskName"}
"""Attributes every LogRecord has; anything else on a record came from `extra=` (context)."""

QUIET = {"alembic": logging.WARNING}
"""Loggers that are noisy at INFO (migrations announce every plugin) unless DEBUG is asked."""


def context_of(record: logging.LogRecord) -> dict[str, Any]:
    """The context a log call passed with `extra=`, plus what uvicorn's access log carries."""
    context = {key: value for key, value in record.__dict__.items() if key not in _STANDARD}
    if record.name == "uvicorn.access" and isinstance(record.args, tuple) and \
            len(record.args) == 5:
        client, method, path, _version, status = record.args
        context.update(client=client, method=method, path=path, status=status)
    return context


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, context, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        entry.update(context_of(record))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The human format, with the record's context as key=value after the message."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        line = super().formatMessage(record)
        context = context_of(record) if record.name != "uvicorn.access" else {}
        return line + "".join(f" {key}={value}" for key, value in context.items())


def configure_logging(level: str, log_format: str = "text") -> None:
    """Send every logger's records to stderr, in `log_format`, at `level` and above."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name, quiet_level in QUIET.items():
        logging.getLogger(name).setLevel(level if level == "DEBUG" else quiet_level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)  # let uvicorn's records reach the root handler
        logger.handlers.clear()
        logger.propagate = True
