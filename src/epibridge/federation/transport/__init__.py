"""Store and forward between nodes: the signed log, the exporter, push and pull, status.

``models`` holds this node's federation log (every message it sends or relays, in ``seq``
order), the exporter's cursor over the outbox and one row of bookkeeping per peer;
``service`` exports, accepts, pushes, pulls and reports; ``api`` is the inbox and the pull
route; ``cli`` is ``epibridge federation sync`` and ``status``; ``loop`` runs rounds inside
``epibridge serve``.
"""
