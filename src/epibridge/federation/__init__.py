"""National nodes: node keys, the signed trust list, signed envelopes, push and pull with peers."""
