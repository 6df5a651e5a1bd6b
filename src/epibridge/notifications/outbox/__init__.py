"""The outbox: every outgoing message is written in the transaction of the change causing it.

Any domain publishes through ``service.publish``; the delivery worker fans messages out to
subscribers (webhook, e-mail, feed) and sends them. A crash loses nothing: a message exists
exactly when its cause was committed, and is sent until every subscriber has it.
"""
