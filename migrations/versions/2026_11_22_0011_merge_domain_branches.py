"""Merge the domain branches (each grew from 0002 in parallel) into one line of history.

Revision ID: 0011
Revises: 0003, 0004b, 0005, 0006, 0007, 0009, 0010
Create Date: 2026-11-22 20:25:51.304026+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0011"
down_revision: str | tuple[str, ...] | None = (
    "0003",
    "0004b",
    "0005",
    "0006",
    "0007",
    "0009",
    "0010",
)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
