"""The app against its own OpenAPI schema, with schemathesis: every operation the app has when the
test runs (whatever controllers are registered), on SQLite and PostgreSQL.

For each operation schemathesis generates requests from the schema (valid ones, and invalid ones
the schema says must be refused) and checks every answer: never a 5xx, a status code the
operation documents, a documented content type, and a body that matches the documented schema.
Requests are authenticated as the permission table says the operation is used: with a fresh
admin session (its cookie and CSRF token) where a person may call it, else with a fresh key of
every scope; so every operation is exercised beyond 401. Examples per operation are bounded
so the whole run stays within a couple of minutes.
"""

from __future__ import annotations

import itertools

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from runtime.store.audit import SYSTEM
from runtime.store.team_models import KeyScope, Role
from server.app import create_app
from server.schemas.team import KeyCreate
from server.security.permissions import ACTIONS, ROUTES
from server.security.sessions import COOKIE
from server.services import keys
from tests.server.conftest import seed_world, sign_in

SCHEMA_PATH = "/schema/openapi.json"
EXAMPLES = 25
"""Generated requests per operation (and per database)."""

NO_SHRINKING = [Phase.explicit, Phase.generate]
"""A failure is reported as found (shrinking it costs minutes and the message says enough)."""

PEOPLE = itertools.count()

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


def test_the_schema_covers_every_controller(app_context):
    """Every route of every registered controller is in the schema (so the run covers it)."""
    app = create_app(app_context)
    paths = app.openapi_schema.to_schema()["paths"]
    documented = {(path, method) for path, item in paths.items() for method in item}
    routes = {(route.path_format, method.lower())
              for route in app.routes if route.path.startswith("/api/")
              for method in getattr(route, "methods", ()) if method not in ("HEAD", "OPTIONS")}
    assert routes, "the app has no /api routes"
    assert routes <= documented, f"routes missing from the schema: {sorted(routes - documented)}"


def test_every_operation_conforms(app_context):
    """Generated requests to every operation; every failure found is listed, per operation."""
    app = create_app(app_context)
    known = _seed(app_context, app)
    api = schemathesis.openapi.from_asgi(SCHEMA_PATH, app, headers=_key(app_context))
    failures, tested = [], 0
    for result in api.get_all_operations():
        operation = result.ok()  # an operation the schema can't describe fails here
        tested += 1
        try:
            _exercise(operation, _credentials(app_context, operation), known)
        except Exception as error:  # collected, so one run shows every failure
            failures.append(f"{operation.label}:\n{error}")
    assert tested >= 30, f"only {tested} operations in the schema"
    assert not failures, f"{len(failures)} of {tested} operations fail:\n\n" + \
        "\n\n".join(failures)


def _seed(app_context, app) -> dict[str, object]:
    """Things that exist, so a third of the requests reach past "not found": customers, a
    segment, a template, and a live journey using both (with customers in it)."""
    known: dict[str, object] = seed_world(app_context)
    journey_id = known["journey_id"]
    with TestClient(create_app(app_context)) as client:
        client.headers.update(_key(app_context))
        assert client.post(f"/api/journeys/{journey_id}/publish").status_code == 200
        starters = client.get("/api/starters").json()
    if starters:
        known["key"] = starters[0]["key"]
    return known


def _credentials(app_context, operation) -> dict[str, str]:
    """How the operation is called: a person's session where one may, else a key."""
    permission = ACTIONS[ROUTES[(operation.method.upper(), operation.path)]]
    if permission.role is None:
        return _key(app_context)
    with TestClient(create_app(app_context)) as client:  # not `app`: schemathesis runs it
        sign_in(client, app_context, Role.ADMIN, f"admin-{next(PEOPLE)}@example.kr")
        return {"Cookie": f"{COOKIE}={client.cookies[COOKIE]}",
                "X-CSRF-Token": client.headers["X-CSRF-Token"]}


def _key(app_context) -> dict[str, str]:
    made = keys.create_key(app_context, SYSTEM, KeyCreate(
        name=f"schema-{next(PEOPLE)}", scopes=list(KeyScope)))
    return {"X-Api-Key": made.key}


def _exercise(operation, headers: dict[str, str], known: dict[str, object]) -> None:
    names = {parameter.name for parameter in operation.path_parameters}
    cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                      operation.as_strategy(GenerationMode.NEGATIVE))
    if names and names <= set(known):
        existing = {name: known[name] for name in names}
        cases = st.one_of(cases, operation.as_strategy(GenerationMode.POSITIVE,
                                                       path_parameters=existing))

    @given(case=cases)
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck), phases=NO_SHRINKING)
    def exercise(case) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    exercise()
