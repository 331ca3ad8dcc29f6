"""Each repository implements exactly its interface in storage/interfaces.py (same public methods, same
signatures), so a second backend written against the interfaces fits wherever the SQLite one does."""
from __future__ import annotations

import inspect

import pytest

from storage import interfaces
from storage.repositories.conversations import ConversationRepository
from storage.repositories.events import EventRepository
from storage.repositories.ledger import LedgerRepository
from storage.repositories.meta import MetaRepository
from storage.repositories.mutes import MuteRepository
from storage.repositories.outbox import OutboxRepository
from storage.repositories.programs import ProgramRepository
from storage.repositories.publications import PublicationRepository
from storage.repositories.seen import SeenItemRepository
from storage.repositories.sources import SourceRepository
from storage.repositories.subscriptions import SubscriptionRepository
from storage.repositories.trials import TrialRepository
from storage.store import Store

PAIRS = [
    (interfaces.Sources, SourceRepository), (interfaces.SeenItems, SeenItemRepository),
    (interfaces.Events, EventRepository), (interfaces.Outbox, OutboxRepository),
    (interfaces.Programs, ProgramRepository), (interfaces.Trials, TrialRepository),
    (interfaces.Ledger, LedgerRepository), (interfaces.Subscriptions, SubscriptionRepository),
    (interfaces.Meta, MetaRepository), (interfaces.Conversations, ConversationRepository),
    (interfaces.Mutes, MuteRepository),
    (interfaces.Meta, MetaRepository), (interfaces.Publications, PublicationRepository),
]


def _public(cls: type) -> dict[str, inspect.Signature]:
    return {n: inspect.signature(f) for n, f in vars(cls).items() if callable(f) and not n.startswith("_")}


@pytest.mark.parametrize(("protocol", "repository"), PAIRS, ids=[p.__name__ for p, _ in PAIRS])
def test_repository_matches_its_interface(protocol: type, repository: type) -> None:
    assert _public(repository) == _public(protocol)


def test_store_is_small() -> None:
    """The composition root stays a composition: repositories as attributes, a handful of its own methods."""
    own = [n for n, f in vars(Store).items() if callable(f) and not n.startswith("_")]
    assert len(own) <= 6, own
    assert max(len(_public(r)) for _, r in PAIRS) <= 20
