"""Log output for the process: text for people, or one JSON object per line (LOG_FORMAT=json) for collectors."""
from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


_TERSE = ("procrastinate", "psycopg.pool", "asyncio")


def one_line_library_records(record: logging.LogRecord) -> bool:
    """A library's log record as one line: its message's first line, the exception's first line, no traceback."""
    if not record.name.startswith(_TERSE):
        return True
    text = record.getMessage().strip().splitlines()
    message = text[0] if text else ""
    if record.exc_info and record.exc_info[1] is not None:
        exc = record.exc_info[1]
        cause = exc.__cause__ or exc
        detail = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
        message = f"{message} {type(cause).__name__}: {detail}".strip()
    record.msg, record.args, record.exc_info, record.exc_text = message, None, None, None
    return True


def configure_logging(verbose: bool, log_format: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, handlers=[handler], force=True)
    if not verbose:
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
        logging.getLogger("procrastinate").setLevel(logging.WARNING)  # a line per job: -v shows them
        # The queue's and the pool's complaints about a lost database (with tracebacks, over several lines): one
        # line each; the worker says what it does about it.
        handler.addFilter(one_line_library_records)
