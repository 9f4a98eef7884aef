"""The canvas's calls as a declaration (`server.ui_services.CALLS` built by
`server.ui_calls.build_services`): the table, the protocol and the permission table agree or the
build fails naming the call; each built call has the protocol's signature, is checked with the
person's role at call time, converts its request, and names the acting person in the audit
trail."""

from __future__ import annotations

import inspect

import pytest
from litestar.testing import TestClient

from builder.ui.services import UiError, UiServices
from runtime.store.team_models import Role
from server.app import create_app
from server.context import Wayline
from server.security.sessions import SessionPolicy, session_principal
from server.services import audit
from server.ui_calls import Do, build_services
from server.ui_services import CALLS, UiServicesForWayline
from tests.server.conftest import sign_in


def page_for(wl: Wayline, role: Role, email: str) -> tuple[UiServicesForWayline, int]:
    """The UI services of a page a person with `role` has open, and the person's id."""
    with TestClient(create_app(wl)) as client:
        person = sign_in(client, wl, role, email)
        principal = session_principal(wl.reading, wl.writing, client.cookies["wayline_session"],
                                      wl.now(), SessionPolicy.from_settings(wl.settings))
    return UiServicesForWayline(wl, principal), person.id


def test_a_table_missing_a_call_fails_naming_it():
    with pytest.raises(TypeError, match="missing from the table: whoami"):
        build_services("Broken", {call: entry for call, entry in CALLS.items()
                                  if call != "whoami"})


def test_a_call_the_protocol_does_not_declare_fails_naming_it():
    with pytest.raises(TypeError, match="not in the UiServices protocol: shout"):
        build_services("Broken", {**CALLS, "shout": Do(lambda me: None)})


def test_a_function_whose_parameters_differ_from_the_protocol_fails():
    with pytest.raises(TypeError, match="get_template"):
        build_services("Broken", {**CALLS, "get_template": Do(lambda me, template: None)})


def test_every_call_has_the_protocols_signature_and_words():
    for call in CALLS:
        built, declared = getattr(UiServicesForWayline, call), getattr(UiServices, call)
        assert inspect.signature(built) == inspect.signature(declared), call
        assert built.__doc__ == declared.__doc__, call


def test_a_forwarded_change_is_made_as_the_person_and_audited_so(app_context):
    page, person_id = page_for(app_context, Role.EDITOR, "ed@example.kr")
    made = page.create_coupon_pool("Welcome 10%", "")
    assert made["pool"]["name"] == "Welcome 10%"
    added = page.add_coupon_codes(made["pool"]["id"], "code\nW-1\nnot a code!\nW-2\n")
    assert (added["added"], added["already_there"]) == (2, 0)
    assert [problem["line"] for problem in added["problems"]] == [3]
    generated = page.generate_coupon_codes(made["pool"]["id"], 5, "GEN-")
    assert generated["pool"]["left"] == 7
    rows = audit.list_events(app_context, audit.AuditFilter(object_kind="coupon_pool")).items
    assert {row.action for row in rows} == {"coupon_pool.created", "coupon_pool.codes_uploaded",
                                            "coupon_pool.codes_generated"}
    assert {row.actor_id for row in rows} == {str(person_id)}
    assert page.list_references("coupon_pool") == [
        {"id": made["pool"]["id"], "name": "Welcome 10%", "given": 0, "left": 7}]


def test_a_request_that_does_not_fit_is_refused_naming_what(app_context):
    page, _ = page_for(app_context, Role.EDITOR, "ed@example.kr")
    pool = page.create_coupon_pool("Birthday", "")["pool"]
    with pytest.raises(UiError) as refused:
        page.generate_coupon_codes(pool["id"], 0, "")
    assert refused.value.kind == "invalid"
    assert "number of codes or prefix" in refused.value.message
    with pytest.raises(UiError) as unknown:
        page.list_references("planet")
    assert unknown.value.kind == "not_found"


def test_a_viewer_reads_pools_and_is_refused_each_change(app_context):
    page, _ = page_for(app_context, Role.VIEWER, "vera@example.kr")
    assert page.list_coupon_pools() == []
    for call, arguments in (("create_coupon_pool", ("X", "")), ("delete_coupon_pool", (1,)),
                            ("add_coupon_codes", (1, "A-1")),
                            ("generate_coupon_codes", (1, 3, ""))):
        with pytest.raises(UiError) as refused:
            getattr(page, call)(*arguments)
        assert refused.value.kind == "forbidden", call


def test_a_demoted_editor_loses_a_change_on_the_page_already_open(app_context):
    admin, _ = page_for(app_context, Role.ADMIN, "ada@example.kr")
    page, person_id = page_for(app_context, Role.EDITOR, "ed@example.kr")
    assert page.create_coupon_pool("Spring", "")
    admin.update_user(person_id, {"role": "viewer"})
    with pytest.raises(UiError) as refused:
        page.create_coupon_pool("Summer", "")
    assert refused.value.kind == "forbidden"
    assert [pool["name"] for pool in page.list_coupon_pools()] == ["Spring"]  # still reads
