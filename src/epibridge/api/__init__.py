"""Conventions shared by every domain's router: problems, auth, pagination, idempotency, limits."""
