"""Helpers the test suite uses to run real services (PostgreSQL, HTTP servers) on this machine."""
