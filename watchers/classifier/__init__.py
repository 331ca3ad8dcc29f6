"""Headline classifier: placeholder interface, replaced by the rule-based classifier."""
from __future__ import annotations

from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

Label = Literal["readout", "enrollment", "regulatory", "other"]


class Evidence(BaseModel):
    rule: str
    phrase: str


class Classification(BaseModel):
    label: Label = "other"
    subtype: str = "other"
    programs: list[str] = Field(default_factory=list)
    sponsor: str | None = None
    facts: dict[str, Any] = Field(default_factory=dict)
    evidence: list[Evidence] = Field(default_factory=list)


class ProgramFinder(Protocol):
    """Finds names of known programmes (from the store) in a text."""

    def find(self, text: str) -> list[str]: ...


def classify(
    title: str, summary: str = "", source: str | None = None, programs: ProgramFinder | None = None
) -> Classification:
    found = programs.find(f"{title}\n{summary}") if programs else []
    return Classification(programs=found)
