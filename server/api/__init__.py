"""REST controllers under /api: thin, each handler one service call."""
