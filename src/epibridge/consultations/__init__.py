"""The biosecurity consultation mechanism: convening, drafts, positions, consensus, signatures."""
