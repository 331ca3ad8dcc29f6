"""Queries that were SQLite-only before the PostgreSQL store (row ids, OR IGNORE, integer flags in CASE), run on
both backends."""
from __future__ import annotations

from datetime import timedelta

import pytest

from storage.models import ProgramIn, SubscriptionFilters, utcnow
from storage.repositories.subscriptions import AlreadySubscribed
from storage.store import DuplicateError, Store


async def test_programme_aliases_keep_the_order_they_were_given(store: Store) -> None:
    added = await store.programs.add(ProgramIn(name="Zeta-101", aliases=["zt101", "Alpha", "mid-name"]))
    assert added.id > 0
    assert (await store.programs.get(added.id)).aliases == ["zt101", "Alpha", "mid-name"]
    other = await store.programs.add(ProgramIn(name="Beta-2"))
    assert other.id != added.id
    with pytest.raises(DuplicateError, match="already names"):
        await store.programs.add(ProgramIn(name="Gamma", aliases=["ALPHA"]))
    assert await store.programs.name_choices("zt") == ["Zeta-101"]


async def test_a_subscription_is_made_once_and_enabled_again(store: Store) -> None:
    first = await store.subscriptions.add("discord", "1", SubscriptionFilters(kinds=["readout"]))
    with pytest.raises(AlreadySubscribed):
        await store.subscriptions.add("discord", "1", SubscriptionFilters(kinds=["readout"]))
    await store.subscriptions.disable(first.id, "gone")
    again = await store.subscriptions.add("discord", "1", SubscriptionFilters(kinds=["readout"]), mention="@x")
    assert (again.id, again.disabled, again.mention) == (first.id, False, "@x")


async def test_new_rows_get_ids_and_flags_are_written(store: Store) -> None:
    source = await store.sources.add("rss", "https://a.test/feed", "A")
    assert source.id > 0
    assert await store.sources.mark_failed(source.id, "boom", utcnow() + timedelta(hours=1), disable=True) == 1
    assert (await store.sources.get(source.id)).disabled
    query = await store.trials.add_query("Acme-1", ["acme 1"])
    assert query.id > 0 and (await store.trials.find_query("acme-1")) == query
