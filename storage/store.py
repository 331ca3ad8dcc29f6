"""The store: one database and the repositories over it, each reached as an attribute.

`store.sources.add(...)` runs on its own; `async with store.unit_of_work() as uow:` gives the same repositories
bound to one transaction (the poll's: items seen, events stored, deliveries queued, all or nothing).
"""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from storage.database import (
    Connection,
    Database,
    DuplicateError,
    NotFoundError,
    StoreError,
    StoreUnreachableError,
    sqlite_path,
)
from storage.interfaces import (
    Conversations,
    Events,
    Ledger,
    Meta,
    Mutes,
    Outbox,
    Programs,
    Publications,
    SeenItems,
    Sources,
    Subscriptions,
    Trials,
)
from storage.postgres import PgDatabase, is_postgres_url
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

__all__ = [
    "DuplicateError", "NotFoundError", "Store", "StoreError", "StoreUnreachableError", "UnitOfWork", "is_postgres_url",
    "sqlite_path",
]


class Repositories:
    """Every repository, over one connection (the database, or one open transaction)."""

    def __init__(self, conn: Connection) -> None:
        # Typed as their interfaces: callers see only what storage/interfaces.py promises.
        self.sources: Sources = SourceRepository(conn)
        self.seen: SeenItems = SeenItemRepository(conn)
        self.events: Events = EventRepository(conn)
        self.outbox: Outbox = OutboxRepository(conn)
        self.programs: Programs = ProgramRepository(conn)
        self.trials: Trials = TrialRepository(conn)
        self.ledger: Ledger = LedgerRepository(conn)
        self.subscriptions: Subscriptions = SubscriptionRepository(conn)
        self.meta: Meta = MetaRepository(conn)
        self.conversations: Conversations = ConversationRepository(conn)
        self.mutes: Mutes = MuteRepository(conn)
        self.publications: Publications = PublicationRepository(conn)


class UnitOfWork(Repositories):
    """The repositories inside one transaction: committed when the block ends, rolled back if it raises."""


class Store(Repositories):
    def __init__(self, db: Database | PgDatabase) -> None:
        super().__init__(db)
        self.db = db  # public for diagnostics (integrity checks, counts in tests and benches)

    @property
    def dialect(self) -> str:
        """"sqlite" or "postgres": what runs the store (PostgreSQL allows several worker processes)."""
        return self.db.dialect

    @classmethod
    async def open(cls, database_url: str) -> Store:
        if is_postgres_url(database_url):
            return cls(await PgDatabase.open(database_url))
        return cls(await Database.open(database_url))

    async def close(self) -> None:
        await self.db.close()

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[UnitOfWork]:
        async with self.db.atomic() as tx:
            yield UnitOfWork(tx)

    def exclusive(self, name: str) -> AbstractAsyncContextManager[None]:
        """A block only one process runs at a time (e.g. seeding a new store while several workers start)."""
        return self.db.exclusive(name)

    async def integrity_check(self) -> str:
        return await self.db.integrity_check()

    async def disable_subscription(self, sub_id: int, reason: str) -> None:
        """Disable a subscription and stop what is queued for it, together."""
        async with self.unit_of_work() as uow:
            await uow.subscriptions.disable(sub_id, reason)
            await uow.outbox.drop_pending(sub_id, f"subscription disabled: {reason}")
