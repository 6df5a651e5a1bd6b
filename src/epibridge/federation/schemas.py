"""What the federation API answers: this node's public identity."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from epibridge.federation.statuses import NodeRole


class KeyRead(BaseModel):
    kid: str = Field(description="RFC 7638 thumbprint of the key (the JWS header's kid).")
    jwk: dict[str, str] = Field(description="The public key as a JWK (Ed25519, EdDSA).")
    not_before: datetime
    not_after: datetime | None = Field(description="End of validity; null: none yet.")
    revoked_at: datetime | None
    status: str = Field(description="valid, expired, revoked or not yet valid (now).")


class NodeRead(BaseModel):
    node_id: str
    role: NodeRole
    state: str | None = Field(description="The state the node speaks for; null: the hub.")
    url: str
    keys: list[KeyRead]
