"""Who may do what: the permission table, sign-in and sessions, API keys, and the web
hardening every request passes through (DESIGN.md §11, security model)."""
