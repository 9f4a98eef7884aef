"""What handlers take besides the body, declared the way Litestar 3 requires: the application
context (injected by name) and the path parameters several controllers share."""

from __future__ import annotations

from typing import Annotated

from litestar.di import NamedDependency
from litestar.params import PathParameter

from server.context import Wayline

WaylineDep = NamedDependency[Wayline]
"""The application context, provided to every handler by `server.app.provide_wayline`."""

JourneyId = Annotated[int, PathParameter(ge=1, le=2**62, description="The journey's id.")]
"""A journey's id in an /api/journeys/{journey_id} path."""
