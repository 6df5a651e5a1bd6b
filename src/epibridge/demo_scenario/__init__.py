"""The living demo: ``epibridge demo load`` (``make demo``) gives a system in use this week.

``loader`` runs the steps; ``cast`` names who acts and when; ``events``, ``borders``,
``assistance`` and ``consultation`` play the scenario through each domain's service as the
demo accounts, so permissions and the audit log apply as in real use; ``scenario`` plays them
once, in one transaction. Every datum is SYNTHETIC and says so (docs/demo.md).
"""
