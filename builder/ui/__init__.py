"""The builder's browser face: the journeys page and the canvas editor (ReactPy + React Flow).

The server hands the UI its services (`builder.ui.services.UiServices`) when it mounts it, so
nothing here imports `server` or `runtime` or touches SQL (DESIGN.md §1). Everything specific to
the ReactPy 2 beta (the ASGI middleware, JS component loading, the page tag) lives in
`builder.ui.reactpy_glue`.
"""
