"""What handlers take besides the body, declared the way Litestar 3 requires: the application
context and the acting principal (injected by name), and the path parameters several
controllers share."""

from __future__ import annotations

from typing import Annotated

from litestar.di import NamedDependency
from litestar.params import PathParameter

from runtime.store.audit import Actor
from server.context import Wayline
from server.security.principal import Principal

WaylineDep = NamedDependency[Wayline]
"""The application context, provided to every handler by `server.app.provide_wayline`."""

PrincipalDep = NamedDependency[Principal]
"""Who the request acts for (`server.app.provide_principal`)."""

ActorDep = NamedDependency[Actor]
"""Who the request acts for, as the audit trail names them (`server.app.provide_actor`)."""

JourneyId = Annotated[int, PathParameter(ge=1, le=2**62, description="The journey's id.")]
"""A journey's id in an /api/journeys/{journey_id} path."""
