"""Search across events, signals, assistance requests and consultations (``service.search``)."""
