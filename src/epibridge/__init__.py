"""epibridge: epidemic notification, surveillance data and coordinated response among states."""

__version__ = "0.1.0"
