"""An event's programme names → the registry's names and ids, so filters and lookups key on one name."""
from __future__ import annotations

from collections.abc import Mapping

from storage.models import NewEvent
from storage.names import fold_name


def program_norms(event: NewEvent) -> list[str]:
    """The folded names to look up in the registry."""
    return list(dict.fromkeys(n for n in (fold_name(p) for p in event.programs) if n))


def resolve_programs(event: NewEvent, known: Mapping[str, tuple[int, str]]) -> tuple[list[int], NewEvent]:
    """Replace known aliases by their programme's registry name; `known` maps folded names to (id, name)."""
    norms = {fold_name(n): n for n in event.programs if fold_name(n)}
    if not norms:
        return [], event
    names: list[str] = []
    ids: list[int] = []
    for norm, name in norms.items():
        pid, canonical = known.get(norm, (None, name))
        if pid is not None and pid not in ids:
            ids.append(pid)
        if fold_name(canonical) not in {fold_name(n) for n in names}:
            names.append(canonical)
    return ids, event.model_copy(update={"programs": names})
