"""The DHIS2 gateway."""
