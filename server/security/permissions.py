"""The permission table: every route, page, canvas call and socket, and who may use it.

Deny by default. An action names what is done ("journeys.publish"); `ACTIONS` says which roles
(the least role; each role includes the ones before it) and which API-key scopes may do it.
`ROUTES` maps each HTTP route (method, path as Litestar writes it) to its action, `PAGES` each
canvas page (ReactPy root component) and `UI_CALLS` each call the canvas makes. A route, page
or call missing from these tables is refused (and tests/server/test_permissions.py fails).
This module is a declarative table, so it is long on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass

from runtime.store.team_models import KeyScope, Role
from server.security.principal import Principal

RECEIPTS = "receipts"
"""The receipt secret's only scope (WAYLINE_RECEIPT_SECRET): delivery reports, nothing else."""


@dataclass(frozen=True)
class Permission:
    """Who may do one action: the least role a person needs, the key scopes that allow it."""

    role: Role | None = None
    scopes: frozenset[str] = frozenset()
    public: bool = False
    """Anyone, signed in or not (pages of the sign-in flow, static files, signed links)."""


def _allow(role: Role | None, *scopes: str) -> Permission:
    return Permission(role, frozenset(scopes))


V, E, P, A = Role.VIEWER, Role.EDITOR, Role.PUBLISHER, Role.ADMIN
INGEST, READ, MANAGE = KeyScope.INGEST, KeyScope.READ, KeyScope.MANAGE

ACTIONS: dict[str, Permission] = {
    "public": Permission(public=True),
    "docs.read": _allow(V, INGEST, READ, MANAGE),
    "account": _allow(V),
    "journeys.read": _allow(V, READ, MANAGE),
    "journeys.edit": _allow(E, MANAGE),
    "journeys.request": _allow(E, MANAGE),
    "journeys.publish": _allow(P, MANAGE),
    "journeys.approve": _allow(P),  # a person's decision: never a key
    "previews": _allow(E, MANAGE),
    "stats.read": _allow(V, READ, MANAGE),
    "customers.read": _allow(V, READ, MANAGE),
    "contacts.read": _allow(E, READ, MANAGE),  # unmasked email and phone
    "customers.write": _allow(E, INGEST),
    "events.write": _allow(None, INGEST),
    "entries.write": _allow(None, INGEST),
    "receipts.write": _allow(None, INGEST, RECEIPTS),
    "provider_answers.read": _allow(P, MANAGE),
    "templates.read": _allow(V, READ, MANAGE),
    "templates.edit": _allow(E, MANAGE),
    "templates.test": _allow(E),  # a person sends a test to themselves or the team
    "segments.read": _allow(V, READ, MANAGE),
    "segments.edit": _allow(E, MANAGE),
    "coupons.read": _allow(V, READ, MANAGE),
    "coupons.edit": _allow(E, MANAGE),
    "send_rules.read": _allow(V, READ, MANAGE),
    "send_rules.edit": _allow(P, MANAGE),
    "sending.stop": _allow(P),  # the emergency brake: a person pulls it, and releases it
    "workspace.read": _allow(V, READ, MANAGE),
    "workspace.edit": _allow(A),
    "indexed_attributes.edit": _allow(A),
    "users.manage": _allow(A),
    "keys.manage": _allow(A),
    "audit.read": _allow(P),
    "ops.metrics": _allow(A, READ),
}
"""Action → who may do it."""

J = "/api/journeys/{journey_id}"
ROUTES: dict[tuple[str, str], str] = {
    # journeys
    ("GET", "/api/journeys"): "journeys.read",
    ("POST", "/api/journeys"): "journeys.edit",
    ("POST", "/api/journeys/validate"): "journeys.read",
    ("POST", "/api/journeys/import"): "journeys.edit",
    ("GET", J): "journeys.read",
    ("PATCH", J): "journeys.edit",
    ("DELETE", J): "journeys.publish",
    ("POST", f"{J}/validate"): "journeys.read",
    ("POST", f"{J}/publish"): "journeys.publish",
    ("POST", f"{J}/flight-preview"): "journeys.publish",
    ("GET", f"{J}/flight-moves"): "journeys.read",
    ("POST", f"{J}/pause"): "journeys.publish",
    ("POST", f"{J}/resume"): "journeys.publish",
    ("POST", f"{J}/steps/{{node_id}}/pause"): "journeys.publish",
    ("POST", f"{J}/steps/{{node_id}}/resume"): "journeys.publish",
    ("POST", f"{J}/archive"): "journeys.publish",
    ("POST", f"{J}/clone"): "journeys.edit",
    ("GET", f"{J}/versions"): "journeys.read",
    ("GET", f"{J}/content-changes"): "journeys.read",
    ("POST", f"{J}/content-in-flight"): "journeys.publish",
    ("GET", f"{J}/versions/{{number}}"): "journeys.read",
    ("POST", f"{J}/versions/{{number}}/restore"): "journeys.edit",
    ("GET", f"{J}/diff"): "journeys.read",
    ("GET", f"{J}/export"): "journeys.read",
    ("GET", f"{J}/stats"): "stats.read",
    ("GET", f"{J}/results"): "stats.read",
    ("GET", f"{J}/dashboard"): "stats.read",
    ("GET", f"{J}/dashboard/{{name}}"): "stats.read",
    ("GET", "/api/insight/fatigue"): "stats.read",
    ("GET", "/api/insight/fatigue/over"): "stats.read",
    ("POST", f"{J}/publish-requests"): "journeys.request",
    ("GET", "/api/publish-requests"): "journeys.read",
    ("GET", "/api/publish-requests/{request_id}"): "journeys.read",
    ("POST", "/api/publish-requests/{request_id}/approve"): "journeys.approve",
    ("POST", "/api/publish-requests/{request_id}/reject"): "journeys.approve",
    ("POST", "/api/publish-requests/{request_id}/withdraw"): "journeys.request",
    ("GET", "/api/starters"): "journeys.read",
    ("POST", "/api/starters/{key}/journeys"): "journeys.edit",
    # who enters, and which way they go
    ("GET", f"{J}/audience"): "previews",
    ("GET", f"{J}/audience/{{external_id}}"): "previews",
    ("POST", "/api/audience/preview"): "previews",
    ("POST", "/api/audience/explain"): "previews",
    ("POST", f"{J}/preview/path"): "previews",
    ("POST", f"{J}/preview/dry-run"): "previews",
    # customers and what they do
    ("GET", "/api/customers"): "customers.read",
    ("GET", "/api/customers/{external_id}"): "customers.read",
    ("GET", "/api/customers/{external_id}/timeline"): "customers.read",
    ("PUT", "/api/customers/{external_id}"): "customers.write",
    ("PUT", "/api/customers/{external_id}/consent/{channel}"): "customers.write",
    ("POST", "/api/customers/bulk"): "customers.write",
    ("POST", "/api/customers/import"): "customers.write",
    ("GET", "/api/customers/{external_id}/consent"): "customers.read",
    ("POST", "/api/customers/opt-outs"): "customers.write",
    ("GET", "/api/coverage"): "customers.read",
    ("GET", "/api/coverage/customers"): "customers.read",
    ("POST", "/api/coverage/segments"): "segments.edit",
    ("PUT", "/api/coverage/attributes"): "workspace.edit",
    ("POST", "/api/events"): "events.write",
    ("POST", "/api/events/batch"): "events.write",
    ("POST", f"{J}/entries"): "entries.write",
    ("POST", "/api/receipts/{channel}"): "receipts.write",
    ("POST", "/api/providers/{gateway}/reports"): "receipts.write",
    # templates and segments
    ("GET", "/api/templates"): "templates.read",
    ("POST", "/api/templates"): "templates.edit",
    ("GET", "/api/templates/{template_id}"): "templates.read",
    ("PATCH", "/api/templates/{template_id}"): "templates.edit",
    ("DELETE", "/api/templates/{template_id}"): "templates.edit",
    ("POST", "/api/templates/{template_id}/render"): "previews",
    ("POST", "/api/templates/{template_id}/test"): "templates.test",
    ("POST", "/api/templates/render"): "previews",
    ("GET", "/api/templates/{template_id}/review"): "templates.read",
    ("POST", "/api/templates/{template_id}/review"): "templates.edit",
    ("POST", "/api/templates/{template_id}/review/refresh"): "templates.edit",
    ("PUT", "/api/templates/{template_id}/review"): "workspace.edit",
    ("GET", "/api/senders"): "send_rules.read",
    ("POST", "/api/senders"): "workspace.edit",
    ("PUT", "/api/senders/{sender_id}"): "workspace.edit",
    ("DELETE", "/api/senders/{sender_id}"): "workspace.edit",
    ("GET", "/api/assets/{asset_id}"): "templates.read",
    ("GET", "/api/segments"): "segments.read",
    ("POST", "/api/segments"): "segments.edit",
    ("GET", "/api/segments/{segment_id}"): "segments.read",
    ("PATCH", "/api/segments/{segment_id}"): "segments.edit",
    ("DELETE", "/api/segments/{segment_id}"): "segments.edit",
    ("GET", "/api/segments/{segment_id}/audience"): "previews",
    ("GET", "/api/coupons"): "coupons.read",
    ("POST", "/api/coupons"): "coupons.edit",
    ("GET", "/api/coupons/{pool_id}"): "coupons.read",
    ("DELETE", "/api/coupons/{pool_id}"): "coupons.edit",
    ("POST", "/api/coupons/{pool_id}/codes"): "coupons.edit",
    ("POST", "/api/coupons/{pool_id}/generate"): "coupons.edit",
    # the workspace
    ("GET", "/api/workspace/send-policy"): "send_rules.read",
    ("GET", "/api/workspace/sending"): "send_rules.read",
    ("GET", "/api/workspace/guardrails"): "send_rules.read",
    ("GET", "/api/workspace/message-wording"): "send_rules.read",
    ("PUT", "/api/workspace/message-wording"): "send_rules.edit",
    ("PUT", "/api/workspace/guardrails"): "send_rules.edit",
    ("POST", "/api/workspace/sending/stop"): "sending.stop",
    ("GET", "/api/workspace/test-recipients"): "send_rules.read",
    ("PUT", "/api/workspace/test-recipients"): "send_rules.edit",
    ("POST", "/api/workspace/sending/resume"): "sending.stop",
    ("PUT", "/api/workspace/send-policy"): "send_rules.edit",
    ("GET", "/api/workspace/indexed-attributes"): "workspace.read",
    ("PUT", "/api/workspace/indexed-attributes/{name}"): "indexed_attributes.edit",
    ("DELETE", "/api/workspace/indexed-attributes/{name}"): "indexed_attributes.edit",
    ("GET", "/api/workspace/settings"): "workspace.read",
    ("PUT", "/api/workspace/settings"): "workspace.edit",
    # insight: the lifecycle stage board
    ("GET", "/api/insight/stages"): "journeys.read",
    ("GET", "/api/insight/stages/definitions"): "journeys.read",
    ("PUT", "/api/insight/stages/definitions"): "workspace.edit",
    ("POST", "/api/insight/stages/refresh"): "journeys.edit",
    # the team
    ("GET", "/api/users"): "users.manage",
    ("POST", "/api/users"): "users.manage",
    ("PATCH", "/api/users/{user_id}"): "users.manage",
    ("POST", "/api/users/{user_id}/sign-in-link"): "users.manage",
    ("GET", "/api/keys"): "keys.manage",
    ("POST", "/api/keys"): "keys.manage",
    ("DELETE", "/api/keys/{key_id}"): "keys.manage",
    ("GET", "/api/audit"): "audit.read",
    ("GET", "/api/audit/export"): "audit.read",
    # signing in and out
    ("GET", "/api/session"): "account",
    ("POST", "/api/session"): "public",
    ("PATCH", "/api/session"): "account",
    ("DELETE", "/api/session"): "account",
    ("GET", "/signin"): "public",
    ("POST", "/signin"): "public",
    ("GET", "/signin/link/{token}"): "public",
    ("POST", "/signin/link/{token}"): "public",
    ("POST", "/signout"): "account",
    ("GET", "/account"): "account",
    ("POST", "/account"): "account",
    # pages (the canvas renders them over the socket, checked by PAGES)
    ("GET", "/"): "journeys.read",
    ("GET", "/journeys/{journey_id}"): "journeys.read",
    ("GET", "/journeys/{journey_id}/export.json"): "journeys.read",
    ("GET", "/journeys/{journey_id}/dashboard"): "stats.read",
    ("GET", "/customers"): "customers.read",
    ("GET", "/customers/{external_id}"): "customers.read",
    ("GET", "/coverage"): "customers.read",
    ("GET", "/messages"): "templates.read",
    ("GET", "/coupons"): "coupons.read",
    ("GET", "/settings"): "send_rules.read",
    ("GET", "/insight/fatigue"): "stats.read",
    ("GET", "/team"): "users.manage",
    ("GET", "/audit"): "audit.read",
    ("GET", "/insight/stages"): "journeys.read",
    ("GET", "/static/ui/{file_path}"): "public",
    # links in customers' messages: each carries its own signed token
    ("GET", "/unsubscribe/{token}"): "public",
    ("POST", "/unsubscribe/{token}"): "public",
    ("GET", "/t/o/{token}"): "public",
    ("GET", "/t/c/{token}"): "public",
    # operations
    ("GET", "/health"): "public",
    ("GET", "/ready"): "public",
    ("GET", "/metrics"): "ops.metrics",
    # the API's own description
    ("GET", "/schema"): "docs.read",
    ("GET", "/schema/openapi.json"): "docs.read",
    ("GET", "/schema/openapi.yaml"): "docs.read",
    ("GET", "/schema/openapi.yml"): "docs.read",
    ("GET", "/schema/redoc"): "docs.read",
    ("GET", "/schema/swagger"): "docs.read",
    ("GET", "/schema/rapidoc"): "docs.read",
    ("GET", "/schema/elements"): "docs.read",
    ("GET", "/schema/oauth2-redirect.html"): "docs.read",
    ("GET", "/schema/{path}"): "docs.read",
}
"""(method, route path) → action, for every HTTP route the app serves."""

ASGI_PATHS: dict[str, str] = {
    "/reactpy/static/": "public",
    "/reactpy/modules/": "public",
}
"""Path prefixes served outside Litestar (ReactPy's own client files) → action."""

PAGES: dict[str, str] = {
    "journeys": "journeys.read",
    "editor": "journeys.read",
    "dashboard": "stats.read",
    "customers": "customers.read",
    "customer": "customers.read",
    "coverage": "customers.read",
    "messages": "templates.read",
    "coupons": "coupons.read",
    "settings": "send_rules.read",
    "fatigue": "stats.read",
    "team": "users.manage",
    "audit": "audit.read",
    "stages": "journeys.read",
}
"""Canvas page (its ReactPy root) → the action its socket needs."""

UI_CALLS: dict[str, str] = {
    "whoami": "account",
    "session_alive": "account",
    "set_language": "account",
    "list_journeys": "journeys.read",
    "get_journey": "journeys.read",
    "draft_revision": "journeys.read",
    "export_journey": "journeys.read",
    "list_versions": "journeys.read",
    "get_version": "journeys.read",
    "compare_versions": "journeys.read",
    "restore_version": "journeys.edit",
    "create_journey": "journeys.edit",
    "save_draft": "journeys.edit",
    "rename_journey": "journeys.edit",
    "clone_journey": "journeys.edit",
    "import_journey": "journeys.edit",
    "create_from_starter": "journeys.edit",
    "list_starters": "journeys.read",
    "publish_journey": "journeys.publish",
    "content_changes": "journeys.read",
    "update_content_in_flight": "journeys.publish",
    "pause_journey": "journeys.publish",
    "resume_journey": "journeys.publish",
    "pause_step": "journeys.publish",
    "resume_step": "journeys.publish",
    "sending_state": "send_rules.read",
    "get_guardrails": "send_rules.read",
    "get_wording": "send_rules.read",
    "save_wording": "send_rules.edit",
    "save_guardrails": "send_rules.edit",
    "stop_sending": "sending.stop",
    "resume_sending": "sending.stop",
    "archive_journey": "journeys.publish",
    "request_publish": "journeys.request",
    "withdraw_request": "journeys.request",
    "list_requests": "journeys.read",
    "get_request": "journeys.read",
    "approve_request": "journeys.approve",
    "reject_request": "journeys.approve",
    "list_segments": "segments.read",
    "list_references": "journeys.read",  # what the canvas's pickers offer
    "discover_data": "journeys.read",  # attributes and events the pickers offer
    "data_warnings": "journeys.read",
    "list_coupon_pools": "coupons.read",
    "get_coupon_pool": "coupons.read",
    "create_coupon_pool": "coupons.edit",
    "delete_coupon_pool": "coupons.edit",
    "add_coupon_codes": "coupons.edit",
    "generate_coupon_codes": "coupons.edit",
    "list_templates": "templates.read",
    "get_template": "templates.read",
    "save_template": "templates.edit",
    "list_assets": "templates.read",
    "upload_asset": "templates.edit",
    "delete_template": "templates.edit",
    "preview_template": "previews",
    "send_test": "templates.test",
    "get_test_recipients": "send_rules.read",
    "save_test_recipients": "send_rules.edit",
    "journey_stats": "stats.read",
    "journey_results": "stats.read",
    "journey_dashboard": "stats.read",
    "fatigue_report": "stats.read",
    "fatigue_over": "stats.read",
    "journey_audience": "previews",
    "explain_customer": "previews",
    "preview_path": "previews",
    "dry_run": "previews",
    "list_customers": "customers.read",
    "customer_timeline": "customers.read",
    "customer_profile": "customers.read",
    "set_customer_consent": "customers.write",
    "customer_consent_history": "customers.read",
    "set_consent_purpose": "customers.write",
    "get_consent_journeys": "send_rules.read",
    "switch_consent_journey": "send_rules.edit",
    "coverage_summary": "customers.read",
    "coverage_customers": "customers.read",
    "save_coverage_segment": "segments.edit",
    "set_coverage_attributes": "workspace.edit",
    "get_send_policy": "send_rules.read",
    "save_send_policy": "send_rules.edit",
    "list_indexed_attributes": "workspace.read",
    "index_attribute": "indexed_attributes.edit",
    "drop_indexed_attribute": "indexed_attributes.edit",
    "get_workspace_settings": "workspace.read",
    "save_workspace_settings": "workspace.edit",
    "list_users": "users.manage",
    "add_user": "users.manage",
    "update_user": "users.manage",
    "sign_in_link": "users.manage",
    "list_keys": "keys.manage",
    "create_key": "keys.manage",
    "revoke_key": "keys.manage",
    "list_audit": "audit.read",
    "stage_board": "journeys.read",
    "get_stage_definitions": "journeys.read",
    "save_stage_definitions": "workspace.edit",
    "refresh_stages": "journeys.edit",
    "list_senders": "send_rules.read",
    "save_sender": "workspace.edit",
    "delete_sender": "workspace.edit",
    "get_template_review": "templates.read",
    "submit_template_review": "templates.edit",
    "refresh_template_review": "templates.edit",
    "set_template_review": "workspace.edit",
}
"""Canvas call (a UiServices method) → action."""


def may(principal: Principal, action: str) -> bool:
    """True when `principal` may do `action`; an unknown action is refused."""
    permission = ACTIONS.get(action)
    if permission is None:
        return False
    if permission.public:
        return True
    if principal.role is not None:
        return permission.role is not None and principal.role.can_act_as(permission.role)
    return bool(principal.scopes & permission.scopes)


def route_action(method: str, path: str) -> str | None:
    """The action of an HTTP route, or None when the table doesn't list it (refused)."""
    return ROUTES.get((method.upper(), path))


def asgi_action(path: str) -> str | None:
    """The action of a path served outside Litestar, or None (not one of ReactPy's files)."""
    return next((action for prefix, action in ASGI_PATHS.items() if path.startswith(prefix)),
                None)
