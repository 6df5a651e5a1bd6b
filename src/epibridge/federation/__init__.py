"""National nodes: node keys, the signed trust list, signed envelopes, the inbox, push and pull with peers."""
