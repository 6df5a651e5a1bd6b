"""Emergency assistance among member states: requests, offers, matching and delivery (EDXL-RM)."""
