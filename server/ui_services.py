"""The canvas's calls (builder.ui.services.UiServices) over the server's application services,
declared as a table (`CALLS`, with the team's calls from `server.ui_team_calls`).

Most calls forward to an application service (`Call`); the few that do more are small
functions (`Do`). From the table `server.ui_calls.build_services` makes
`UiServicesForWayline`: one object per signed-in socket, every call checked against the
permission table (`UI_CALLS`) with the person's role at call time, the acting person passed to
services that change things (the audit trail names them), results handed to the UI as plain
data and domain errors as the UI's `UiError`. This module is a declarative table.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

import msgspec

from builder.document import Guardrails
from builder.ui.services import Json, UiError
from runtime.messaging.test_sends import TestRecipients
from runtime.messaging.workspace import MessageWording, SendPolicy
from runtime.run.guardrails import WorkspaceGuardrails
from server.schemas.coupons import CouponPoolCreate, GenerateCodes
from server.schemas.flight import PublishIn
from server.schemas.journeys import JourneyCreate, JourneyExport, JourneyUpdate, PauseIn
from server.schemas.previews import DryRunIn, PathIn
from server.schemas.templates import DraftRenderIn, TemplateCreate, TemplateUpdate, TestSendIn
from server.schemas.workspace import IndexedAttributeIn, StopSendingIn
from server.security.masking import (
    customer_for,
    customer_page_for,
    template_for,
    timeline_for,
)
from server.services import (
    audience_preview,
    consent_journeys,
    content_in_flight,
    coupons,
    customer_consent,
    customers,
    dashboard,
    discovery,
    dry_runs,
    explanation,
    fatigue,
    journeys,
    path_preview,
    references,
    segments,
    sending,
    starters,
    stats,
    templates,
    test_sends,
    timeline,
    users,
    versions,
    workspace,
)
from server.services.consent_records import consent_history as _consent_history
from server.services.results import journey_results
from server.ui_asset_calls import ASSET_CALLS
from server.ui_calls import Acting, Call, Do, Entry, build_services, convert, items, plain
from server.ui_coverage_calls import COVERAGE_CALLS
from server.ui_sender_calls import SENDER_CALLS
from server.ui_stage_calls import STAGE_CALLS
from server.ui_team_calls import TEAM_CALLS

SEARCH_LENGTH = 255
"""The longest customer search the page sends (the API's limit)."""

PICKER_LIMIT = 500
"""The most segments or templates a picker offers."""

JOURNEY_LIST_LIMIT = 200
"""The most journeys the journeys page lists."""


def _whoami(me: Acting) -> Json:
    principal = me.principal
    return {"id": principal.user_id, "name": principal.actor.name, "email": principal.email,
            "role": principal.role.value if principal.role else None,
            "has_password": principal.has_password, "language": principal.language}


def _set_language(me: Acting, language: str | None) -> Json:
    users.set_language(me.wl, me.actor, me.principal.user_id or 0, language)
    me.principal = replace(me.principal, language=language)
    return _whoami(me)


def _session_alive(me: Acting) -> bool:
    return True  # the check before every call refuses an ended session


def _pause_journey(me: Acting, journey_id: int, reason: str) -> Json:
    why = convert({"reason": reason or ""}, PauseIn, "reason for the pause").reason
    return plain(journeys.pause_journey(me.wl, me.actor, journey_id, why))


def _publish_journey(me: Acting, journey_id: int, moves: Json | None = None) -> Json:
    request = convert({"moves": moves}, PublishIn, "map for the customers in flight")
    return plain(journeys.publish_journey(me.wl, me.actor, journey_id, request.moves))


def _pause_step(me: Acting, journey_id: int, node_id: str) -> Json:
    return plain(journeys.pause_step(me.wl, me.actor, journey_id, str(node_id)[:64]))


def _resume_step(me: Acting, journey_id: int, node_id: str) -> Json:
    return plain(journeys.resume_step(me.wl, me.actor, journey_id, str(node_id)[:64]))


def _send_test(me: Acting, template_id: int, external_id: str | None, to: str) -> Json:
    request = convert({"external_id": external_id, "to": to}, TestSendIn, "test send")
    return plain(test_sends.send_test(me.wl, me.actor, int(template_id), request))


def _wording(me: Acting, wording: MessageWording) -> Json:
    """The wording, and the environment's label and line where it has none of its own."""
    settings = me.wl.settings
    return {**plain(wording), "environment": {"ad_label": settings.ad_label,
                                              "opt_out_line": settings.opt_out_line}}


def _get_wording(me: Acting) -> Json:
    return _wording(me, workspace.get_wording(me.wl))


def _save_wording(me: Acting, value: Json) -> Json:
    return _wording(me, workspace.update_wording(
        me.wl, me.actor, convert(value, MessageWording, "wording")))


def _every_limit(guardrails: Any) -> Json:
    """Guardrails with each default limit written out (stored, they leave defaults out), so a
    form shows 10 % where a limit is the default and an empty box only where it is off."""
    value = plain(guardrails)
    defaults = {name: getattr(Guardrails(), name) for name in Guardrails.__struct_fields__}
    return {**value, "defaults": {**defaults, **value.get("defaults", {})}}


def _stop_sending(me: Acting, reason: str) -> Json:
    why = convert({"reason": reason or ""}, StopSendingIn, "reason for the stop").reason
    return plain(sending.stop_sending(me.wl, me.actor, why))


def _import_journey(me: Acting, data: Json) -> Json:
    try:
        export = msgspec.convert(data, JourneyExport)
    except msgspec.ValidationError as error:
        raise UiError("invalid", f"This file isn't a Wayline journey export ({error}).") \
            from None
    return plain(journeys.import_journey(me.wl, me.actor, export))


def _discover_data(me: Acting) -> Json:
    return plain(discovery.discover_data(me.wl, me.may("contacts.read")))


def _data_warnings(me: Acting, document: Json) -> list[Json]:
    return plain(discovery.data_warnings(me.wl, document))


def _segment_options(page: Any) -> list[Json]:
    return [{"id": item.id, "name": item.name} for item in page.items]


def _template_options(page: Any) -> list[Json]:
    return [{"id": item.id, "name": item.name, "channel": item.channel.value,
             "subject": item.subject, "version": item.version, "journeys": item.journeys}
            for item in page.items]


def _get_template(me: Acting, template_id: int) -> Json:
    return plain(template_for(me.principal, templates.get_template(me.wl, template_id)))


def _save_template(me: Acting, template_id: int | None, template: Json) -> Json:
    if template_id is None:
        return plain(templates.create_template(
            me.wl, me.actor, convert(template, TemplateCreate, "message")))
    return plain(templates.update_template(
        me.wl, me.actor, template_id, convert(template, TemplateUpdate, "message")))


def _preview_template(me: Acting, template: Json, external_id: str | None) -> Json:
    request = convert({"template": template, "external_id": external_id or None,
                       "strict": True}, DraftRenderIn, "message")
    return plain(templates.render_draft(me.wl, request))


def _list_starters(me: Acting) -> list[Json]:
    return [{key: value for key, value in plain(starter).items() if key != "document"}
            for starter in starters.list_starters()]


def _journey_dashboard(me: Acting, journey_id: int, first: str | None, last: str | None,
                       version: int | None, language: str) -> Json:
    return plain(dashboard.journey_dashboard(me.wl, journey_id,
                                             *dashboard.days_asked(first, last), version,
                                             language))


def _dry_run(me: Acting, journey_id: int, horizon_days: int, sample_limit: int) -> Json:
    request = convert({"horizon": {"amount": horizon_days, "unit": "days"},
                       "sample_limit": sample_limit}, DryRunIn)
    return plain(dry_runs.dry_run(me.wl, journey_id, request))


def _fatigue_report(me: Acting, week: str | None, weeks: int) -> Json:
    return plain(fatigue.fatigue_report(me.wl, _week(week), weeks))


def _fatigue_over(me: Acting, week: str, after: int | None) -> Json:
    return plain(fatigue.over_caps(me.wl, _week(week), after))


def _week(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise UiError("invalid", f"'{text}' is not a day (YYYY-MM-DD).") from None


def _list_customers(me: Acting, search: str) -> list[Json]:
    page = customers.list_customers(me.wl, (search or "")[:SEARCH_LENGTH] or None, 100, None,
                                    by_email=me.may("contacts.read"))
    return plain(customer_page_for(me.principal, page).items)


def _customer_timeline(me: Acting, external_id: str, before: str | None) -> Json:
    moment = datetime.fromisoformat(before) if before else None
    return plain(timeline_for(me.principal,
                              timeline.customer_timeline(me.wl, external_id, 100, moment)))


def _customer_profile(me: Acting, external_id: str) -> Json:
    detail = customer_for(me.principal, customers.get_customer(me.wl, str(external_id)))
    return {**plain(detail), "channels": customer_consent.consent_channels(),
            "can_edit": me.may("customers.write")}


def _set_customer_consent(me: Acting, external_id: str, channel: str, granted: bool) -> Json:
    return plain(customer_consent.set_consent(me.wl, me.actor, str(external_id), str(channel),
                                              bool(granted)))


def _set_consent_purpose(me: Acting, external_id: str, channel: str, purpose: str,
                         granted: bool) -> Json:
    return plain(customer_consent.set_consent(me.wl, me.actor, str(external_id), str(channel),
                                              bool(granted), str(purpose)))


def _customer_consent_history(me: Acting, external_id: str, before: int | None) -> Json:
    cursor = int(before) if isinstance(before, int | str) and str(before).isdigit() else None
    return plain(_consent_history(me.wl, str(external_id), cursor))


def _save_send_policy(me: Acting, policy: Json) -> Json:
    try:
        rules = msgspec.convert(policy, SendPolicy)
    except msgspec.ValidationError as error:
        raise UiError("invalid", f"These send rules can't be saved: {error}.") from None
    return plain(workspace.update_send_policy(me.wl, me.actor, rules))


CALLS: dict[str, Entry] = {
    # who is signed in
    "whoami": Do(_whoami),
    "session_alive": Do(_session_alive),
    "set_language": Do(_set_language),
    # journeys
    "list_journeys": Call(journeys.list_journeys, options={"limit": JOURNEY_LIST_LIMIT},
                          answer=items),
    "create_journey": Call(journeys.create_journey, acts=True, request=JourneyCreate,
                           what="journey"),
    "get_journey": Call(journeys.get_journey),
    "save_draft": Call(journeys.update_journey, acts=True, keep=1, request=JourneyUpdate,
                       what="draft"),
    "draft_revision": Call(journeys.draft_revision),
    "rename_journey": Call(journeys.update_journey, acts=True, keep=1, request=JourneyUpdate,
                           what="name"),
    "publish_journey": Do(_publish_journey),
    "content_changes": Call(content_in_flight.content_changes),
    "update_content_in_flight": Call(content_in_flight.update_content_in_flight, acts=True),
    "pause_journey": Do(_pause_journey),
    "resume_journey": Call(journeys.resume_journey, acts=True),
    "pause_step": Do(_pause_step),
    "resume_step": Do(_resume_step),
    "archive_journey": Call(journeys.archive_journey, acts=True),
    "clone_journey": Call(journeys.clone_journey, acts=True),
    "export_journey": Call(journeys.export_journey),
    "get_version": Call(journeys.get_version),
    "compare_versions": Call(versions.compare, options={"documents": True}),
    "restore_version": Call(versions.restore_version, acts=True),
    "import_journey": Do(_import_journey),
    "list_starters": Do(_list_starters),
    "create_from_starter": Call(starters.create_from_starter, acts=True),
    "journey_stats": Call(stats.journey_stats),
    "journey_results": Call(journey_results),
    "journey_dashboard": Do(_journey_dashboard),
    "fatigue_report": Do(_fatigue_report),
    "fatigue_over": Do(_fatigue_over),
    # previews of a draft
    "journey_audience": Call(audience_preview.journey_audience),
    "explain_customer": Call(explanation.explain_journey),
    "preview_path": Call(path_preview.preview_path, keep=1, request=PathIn,
                         what="preview request"),
    "dry_run": Do(_dry_run),
    # what pickers offer
    "list_references": Call(references.list_options),
    "discover_data": Do(_discover_data),
    "data_warnings": Do(_data_warnings),
    "list_segments": Call(segments.list_segments, options={"limit": PICKER_LIMIT},
                          answer=_segment_options),
    # messages
    "list_templates": Call(templates.list_templates, options={"limit": PICKER_LIMIT},
                           answer=_template_options),
    "get_template": Do(_get_template),
    "save_template": Do(_save_template),
    "delete_template": Call(templates.delete_template, acts=True),
    "preview_template": Do(_preview_template),
    "send_test": Do(_send_test),
    **ASSET_CALLS,
    # coupon pools
    "list_coupon_pools": Call(coupons.list_pools, answer=items),
    "get_coupon_pool": Call(coupons.get_pool),
    "create_coupon_pool": Call(coupons.create_pool, acts=True, request=CouponPoolCreate,
                               what="coupon pool"),
    "delete_coupon_pool": Call(coupons.delete_pool, acts=True),
    "add_coupon_codes": Call(coupons.add_codes, acts=True),
    "generate_coupon_codes": Call(coupons.generate_codes, acts=True, keep=1,
                                  request=GenerateCodes, what="number of codes or prefix"),
    # customers
    "list_customers": Do(_list_customers),
    "customer_timeline": Do(_customer_timeline),
    "customer_profile": Do(_customer_profile),
    "set_customer_consent": Do(_set_customer_consent),
    "customer_consent_history": Do(_customer_consent_history),
    "set_consent_purpose": Do(_set_consent_purpose),
    **COVERAGE_CALLS,
    # the workspace's send rules
    "get_send_policy": Call(workspace.get_send_policy),
    "save_send_policy": Do(_save_send_policy),
    "sending_state": Call(sending.sending_state),
    "stop_sending": Do(_stop_sending),
    "resume_sending": Call(sending.resume_sending, acts=True),
    "get_guardrails": Call(workspace.get_guardrails, answer=_every_limit),
    "save_guardrails": Call(workspace.update_guardrails, acts=True, data=WorkspaceGuardrails,
                            what="guardrails", answer=_every_limit),
    "get_wording": Do(_get_wording),
    "save_wording": Do(_save_wording),
    "get_consent_journeys": Call(consent_journeys.get_consent_journeys),
    "switch_consent_journey": Call(consent_journeys.switch_consent_journey, acts=True),
    "get_test_recipients": Call(workspace.get_test_recipients),
    "save_test_recipients": Call(workspace.update_test_recipients, acts=True,
                                 data=TestRecipients, what="test recipients"),
    "list_indexed_attributes": Call(workspace.list_indexed_attributes),
    "index_attribute": Call(workspace.index_attribute, acts=True, keep=1,
                            request=IndexedAttributeIn, what="attribute kind"),
    "drop_indexed_attribute": Call(workspace.drop_indexed_attribute, acts=True),
    **TEAM_CALLS,
    **STAGE_CALLS,
    **SENDER_CALLS,
}
"""Each canvas call (a UiServices method) → how the server answers it; who may make it is in
the permission table (`UI_CALLS`)."""

UiServicesForWayline = build_services("UiServicesForWayline", CALLS)
"""builder.ui.services.UiServices for one signed-in person's socket:
`UiServicesForWayline(wayline, principal)`."""
