"""Weekly situation reports: what happened in an ISO week, as HTML or PDF, in en/ru/zh."""
