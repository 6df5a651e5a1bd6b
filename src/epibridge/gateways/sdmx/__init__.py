"""The SDMX gateway."""
