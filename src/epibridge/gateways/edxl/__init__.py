"""The OASIS EDXL gateway."""
