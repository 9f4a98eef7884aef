"""The journey document, its one validator, and (later) the canvas UI.

Imports `nodes` only: never the runtime, the server or SQL. Services reach the UI by injection.
"""
