"""Conversations in a channel: what an alert is about (its topics), and which follow-ups the whole channel sees.

The first alert about a programme (or a trial, for alerts about no registered programme) in a channel starts the
conversation; later alerts about it are replies in that message's thread."""
from __future__ import annotations

from typing import Any

from storage.models import Event
from storage.names import fold_name

# Follow-ups that matter enough to show in the channel as well as in the thread (Slack `reply_broadcast`).
HIGH_MATERIALITY = frozenset({"approval", "accelerated_approval", "crl", "clinical_hold", "topline"})


def topics(event: Event) -> list[str]:
    """The conversation keys of an event: each programme it is about, then its trial. System notices start none."""
    if event.kind == "system":
        return []
    out = [f"program:{key}" for p in event.programs if (key := fold_name(p))]
    if event.trial:
        out.append(f"trial:{event.trial.strip().upper()}")
    return list(dict.fromkeys(out))


def _terminated(facts: dict[str, Any]) -> bool:
    changes = facts.get("changes") if isinstance(facts.get("changes"), list) else [facts]
    return any(isinstance(c, dict) and str(c.get("new") or "").strip().upper() == "TERMINATED" for c in changes)


def high_materiality(event: Event) -> bool:
    """An approval, CRL, clinical hold, topline readout or a terminated trial."""
    return event.subtype in HIGH_MATERIALITY or _terminated(event.facts)
