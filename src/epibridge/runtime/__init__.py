"""What runs beside the web server: the delivery worker and the schedules.

``background`` starts them as threads of the ``epibridge serve`` process (from the app's
lifespan); ``schedule`` holds the scheduled jobs; ``leader`` decides which process runs them
when several share one database; ``cli`` is ``epibridge scheduler``, the schedules run apart.
"""
