"""A daily digest: the day's events for one subscription, grouped per programme, as one message."""
from __future__ import annotations

from pydantic import BaseModel

from storage.models import Event, Subscription

OTHER_GROUP = "Other news"


class DigestGroup(BaseModel):
    program: str
    events: list[Event]


class Digest(BaseModel):
    subscription: Subscription
    groups: list[DigestGroup]

    @property
    def count(self) -> int:
        return sum(len(g.events) for g in self.groups)


def build_digest(subscription: Subscription, events: list[Event]) -> Digest:
    """Each event goes under its first programme; programmes in order of first appearance, 'other' last."""
    groups: dict[str, list[Event]] = {}
    for ev in events:
        groups.setdefault(ev.programs[0] if ev.programs else OTHER_GROUP, []).append(ev)
    ordered = sorted(groups.items(), key=lambda kv: kv[0] == OTHER_GROUP)
    return Digest(subscription=subscription, groups=[DigestGroup(program=k, events=v) for k, v in ordered])
