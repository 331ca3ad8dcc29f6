"""Learned programmes, their merges and undoing one, on both backends: each insert hands back the id it made
(PostgreSQL has no `lastrowid`: it was 0 there, and the aliases of a learned programme failed their foreign key)."""
from __future__ import annotations

import asyncio

from storage.models import LearnedProgram
from storage.names import fold_name
from storage.store import Store


async def test_learned_programmes_merge_and_come_back_by_their_own_ids(store: Store) -> None:
    first = await store.programs.add_learned(LearnedProgram(name="zolitamab", aliases=["ZL-101"]))
    second = await store.programs.add_learned(LearnedProgram(name="ravetinib", aliases=["RV-22"]))
    assert first > 0 and second > 0 and first != second
    known = await store.programs.known([fold_name("ZL-101"), fold_name("RV-22")])
    assert known[fold_name("ZL-101")][0] == first and known[fold_name("RV-22")][0] == second

    merge_id = await store.programs.merge(first, second, "same drug")
    assert merge_id > 0
    assert (await store.programs.known([fold_name("RV-22")]))[fold_name("RV-22")][0] == first

    await store.programs.undo_merge(merge_id)
    back = (await store.programs.known([fold_name("RV-22")]))[fold_name("RV-22")]
    assert back[0] not in (0, first) and back[1] == "ravetinib"


async def test_two_processes_learning_one_name_at_once_share_one_programme(store_url: str) -> None:
    """Two workers each read the name as free and create it: the second must join the first's programme, not fail
    its poll on the unique name (seen in the 40,000-feed worker bench: `programs_name_key` violations)."""
    first, second = await Store.open(store_url), await Store.open(store_url)
    try:
        async with first.unit_of_work() as uow:
            first_id = await uow.programs.add_learned(LearnedProgram(name="zolitamab", aliases=["ZL-101"]))
            # The other process's insert starts while this one is uncommitted (PostgreSQL: it waits on the
            # unique index; SQLite: on the write lock), and ends after the commit.
            racing = asyncio.create_task(
                second.programs.add_learned(LearnedProgram(name="zolitamab", aliases=["ZOL-7"])))
            await asyncio.sleep(0.2)
        second_id = await racing
        assert second_id == first_id
        known = await first.programs.known([fold_name("ZL-101"), fold_name("ZOL-7"), fold_name("zolitamab")])
        assert {pid for pid, _, _ in known.values()} == {first_id} and len(known) == 3
    finally:
        await first.close()
        await second.close()
