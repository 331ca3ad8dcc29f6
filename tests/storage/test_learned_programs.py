"""Learned programmes, their merges and undoing one, on both backends: each insert hands back the id it made
(PostgreSQL has no `lastrowid`: it was 0 there, and the aliases of a learned programme failed their foreign key)."""
from __future__ import annotations

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
