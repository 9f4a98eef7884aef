"""The Litestar app, its services and the `wayline` command; wires every other package.

Nothing imports `server`.
"""
