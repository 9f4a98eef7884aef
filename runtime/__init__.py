"""What runs journeys: settings, SQL models, audiences in SQL, and (later) the engine and workers.

Imports `builder` (document, validation) and `nodes`; never `server`.
"""
