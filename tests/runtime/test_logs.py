"""Logs: JSON lines carry time, level, logger, message and context; text keeps the context."""

from __future__ import annotations

import io
import json
import logging
from datetime import datetime

from runtime.logs import JsonFormatter, TextFormatter


def emit(formatter: logging.Formatter, *args, **kwargs) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    logger = logging.getLogger("wayline.test-logs")
    logger.addHandler(handler)
    logger.propagate, logger.level = False, logging.DEBUG
    try:
        logger.info(*args, **kwargs)
        try:
            raise ValueError("broken")
        except ValueError:
            logger.exception("it failed", extra={"journey_id": 7})
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


def test_json_lines_have_the_fields_and_the_context():
    output = emit(JsonFormatter(), "batch: %d runs advanced", 1000,
                  extra={"journey_ids": [3, 4], "batch_size": 1000, "duration_ms": 81.5})
    first, second = (json.loads(line) for line in output.splitlines()
                     if line.startswith("{"))
    assert first.keys() >= {"time", "level", "logger", "message"}
    assert datetime.fromisoformat(first["time"]).utcoffset().total_seconds() == 0
    assert (first["level"], first["logger"], first["message"]) == (
        "INFO", "wayline.test-logs", "batch: 1000 runs advanced")
    assert (first["journey_ids"], first["batch_size"], first["duration_ms"]) == ([3, 4], 1000,
                                                                                81.5)
    assert second["level"] == "ERROR" and second["journey_id"] == 7
    assert "ValueError: broken" in second["exception"]
    assert len([line for line in output.splitlines() if line.startswith("{")]) == 2


def test_text_lines_end_with_the_context():
    output = emit(TextFormatter(), "journey %d paused", 12, extra={"journey_id": 12})
    first = output.splitlines()[0]
    assert first.endswith("INFO    wayline.test-logs journey 12 paused journey_id=12")
