"""Topic handlers: one module per domain whose records travel between nodes."""
