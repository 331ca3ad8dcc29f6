"""`classify`: JSON lines in, one classification per line out (no store, no network)."""
from __future__ import annotations

import argparse
import json
import sys

from bot.cli.common import Subparsers
from watchers.classify import classify


def register(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "classify",
        help="classify headlines: reads JSON lines {\"title\", \"summary\", \"body\"} on stdin (summary and body "
        "optional; body is the release page, HTML or text, for more facts), writes one JSON line each",
    )
    p.set_defaults(offline=cmd_classify)


def classify_line(line: str) -> tuple[dict[str, object], bool]:
    """The output object for one input line, and whether it was an error."""
    try:
        item = json.loads(line)
    except ValueError as exc:
        return {"error": f"not valid JSON: {exc}"}, True
    if not isinstance(item, dict):
        return {"error": "each line must be a JSON object with a \"title\""}, True
    title = item.get("title")
    if not isinstance(title, str):
        return {"error": "missing \"title\" (a string)"}, True
    summary = item.get("summary") if isinstance(item.get("summary"), str) else ""
    source = item.get("source") if isinstance(item.get("source"), str) else None
    body = item.get("body") if isinstance(item.get("body"), str) else None
    result = classify(title, summary or "", source, body=body)
    return {
        "label": result.label, "subtype": result.subtype, "programs": result.programs, "sponsor": result.sponsor,
        "facts": result.facts, "evidence": [e.model_dump() for e in result.evidence],
        "confidence": round(result.confidence, 3),
    }, False


def cmd_classify(args: argparse.Namespace) -> int:
    failed = False
    for raw in sys.stdin:
        if not raw.strip():
            continue
        out, error = classify_line(raw)
        failed = failed or error
        sys.stdout.write(json.dumps(out, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()
    return 1 if failed else 0
