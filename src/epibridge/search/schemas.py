"""What a search returns: one hit, the same shape whatever it found."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from epibridge.search.statuses import SearchKind


class SearchHit(BaseModel):
    kind: SearchKind
    id: int
    title: str = Field(description="Event or signal title, request's items and place, topic.")
    titles: dict[str, str] = Field(
        default_factory=dict, description="An event's title in its other languages, by language."
    )
    state: str | None = Field(description="The state it concerns (ISO3), if one.")
    status: str
    day: date = Field(
        description="Onset (event), period start (signal), needed by (request), convened on."
    )
    exercise: bool = Field(default=False, description="An exercise or test event.")
    synthetic: bool = Field(default=False, description="Found on synthetic data.")
    api_path: str = Field(description="Where the API serves the whole record.")
