"""The paging parameters of every list route; the paging itself is ``epibridge.paging``.

A route declares ``cursor: Cursor = None`` and ``limit: PageLimit`` and passes both to its
service, which returns a ``Page``; the route reads and writes no cursor of its own.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from epibridge.api.deps import SettingsDep
from epibridge.paging import Page, clamp_limit

__all__ = ["Cursor", "Page", "PageLimit", "page_limit"]

Cursor = Annotated[str | None, Query(description="next_cursor of the previous page")]


def page_limit(
    settings: SettingsDep,
    limit: Annotated[int | None, Query(description="items per page")] = None,
) -> int:
    """The ``limit`` asked for, the configured default when none, refused past the maximum."""
    return clamp_limit(limit, default=settings.page_size_default, maximum=settings.page_size_max)


PageLimit = Annotated[int, Depends(page_limit)]
