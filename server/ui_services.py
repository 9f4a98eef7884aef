"""The canvas's calls (builder.ui.services.UiServices) over the server's application services.

One object per signed-in socket: it knows who is acting, checks every call against the
permission table (`UI_CALLS`) and that the session is still on, passes the acting person to
services that change things (the audit trail names them), and hands results to the UI as
plain data, with domain errors turned into the UI's `UiError`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from builder.document import Guardrails
from builder.ui.services import UiError
from runtime.messaging.test_sends import TestRecipients
from runtime.messaging.workspace import MessageWording, SendPolicy
from runtime.run.guardrails import WorkspaceGuardrails
from server.context import Wayline
from server.schemas.coupons import CouponPoolCreate, GenerateCodes
from server.schemas.journeys import JourneyCreate, JourneyExport, JourneyUpdate, PauseIn
from server.schemas.previews import DryRunIn, PathIn
from server.schemas.templates import DraftRenderIn, TemplateCreate, TemplateUpdate, TestSendIn
from server.schemas.workspace import IndexedAttributeIn, StopSendingIn
from server.security.masking import customer_page_for, template_for, timeline_for
from server.security.permissions import may
from server.security.principal import Principal
from server.security.sessions import SessionPolicy, live_session, user_principal
from server.services import (
    audience_preview,
    coupons,
    customers,
    dry_runs,
    explanation,
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
    workspace,
)
from server.services.results import journey_results
from server.ui_calls import convert, plain, ui_call
from server.ui_team_calls import TeamCalls

PICKER_LIMIT = 500
"""The most segments or templates a picker offers."""


class UiServicesForWayline(TeamCalls):
    """builder.ui.services.UiServices over the server's application services, for one
    signed-in person's socket: every call is checked against the permission table."""

    def __init__(self, wl: Wayline, principal: Principal) -> None:
        self.wl = wl
        self.principal = principal
        self.actor = principal.actor
        self.registry = wl.registry
        self.timezone = wl.settings.timezone
        self.policy = SessionPolicy.from_settings(wl.settings)

    def may(self, action: str) -> bool:
        """True when the signed-in person may do `action` (the UI hides what they can't)."""
        return may(self.principal, action)

    def check(self, action: str) -> None:
        """Refuse a call the person may not make now (their role as it is now, not as it was
        when the page opened), or made after their session ended."""
        found = None if self.principal.session_id is None else live_session(
            self.wl.reading, self.wl.writing, self.principal.session_id, self.wl.now(),
            self.policy, used=False)  # the socket counts the person's own actions
        if found is None:
            raise UiError("signed_out", "Your session has ended: sign in again.")
        row, user = found
        self.principal = user_principal(user, row, self.principal.actor.ip)
        self.actor = self.principal.actor
        if not self.may(action):
            raise UiError("forbidden", "Your role can't do this; ask an admin.")

    @ui_call
    def whoami(self) -> dict[str, Any]:
        return {"id": self.principal.user_id, "name": self.principal.actor.name,
                "email": self.principal.email,
                "role": self.principal.role.value if self.principal.role else None,
                "has_password": self.principal.has_password}

    @ui_call
    def session_alive(self) -> bool:
        return True

    @ui_call
    def list_journeys(self) -> list[dict[str, Any]]:
        return plain(journeys.list_journeys(self.wl, limit=200).items)

    @ui_call
    def create_journey(self, name: str) -> dict[str, Any]:
        return plain(journeys.create_journey(self.wl, self.actor, JourneyCreate(name=name)))

    @ui_call
    def get_journey(self, journey_id: int) -> dict[str, Any]:
        return plain(journeys.get_journey(self.wl, journey_id))

    @ui_call
    def save_draft(self, journey_id: int, document: dict[str, Any],
                   revision: int) -> dict[str, Any]:
        return plain(journeys.update_journey(
            self.wl, self.actor, journey_id, JourneyUpdate(document=document, revision=revision)))

    @ui_call
    def draft_revision(self, journey_id: int) -> int:
        return journeys.draft_revision(self.wl, journey_id)

    @ui_call
    def rename_journey(self, journey_id: int, name: str) -> dict[str, Any]:
        return plain(journeys.update_journey(self.wl, self.actor, journey_id,
                                             JourneyUpdate(name=name)))

    @ui_call
    def publish_journey(self, journey_id: int) -> dict[str, Any]:
        return plain(journeys.publish_journey(self.wl, self.actor, journey_id))

    @ui_call
    def pause_journey(self, journey_id: int, reason: str = "") -> dict[str, Any]:
        why = convert({"reason": reason or ""}, PauseIn, "reason for the pause").reason
        return plain(journeys.pause_journey(self.wl, self.actor, journey_id, why))

    @ui_call
    def pause_step(self, journey_id: int, node_id: str) -> dict[str, Any]:
        return plain(journeys.pause_step(self.wl, self.actor, journey_id, str(node_id)[:64]))

    @ui_call
    def resume_step(self, journey_id: int, node_id: str) -> dict[str, Any]:
        return plain(journeys.resume_step(self.wl, self.actor, journey_id, str(node_id)[:64]))

    @ui_call
    def send_test(self, template_id: int, external_id: str | None, to: str) -> dict[str, Any]:
        request = convert({"external_id": external_id, "to": to}, TestSendIn, "test send")
        return plain(test_sends.send_test(self.wl, self.actor, int(template_id), request))

    @ui_call
    def get_test_recipients(self) -> dict[str, Any]:
        return plain(workspace.get_test_recipients(self.wl))

    @ui_call
    def save_test_recipients(self, value: dict[str, Any]) -> dict[str, Any]:
        return plain(workspace.update_test_recipients(
            self.wl, self.actor, convert(value, TestRecipients, "test recipients")))

    @ui_call
    def get_wording(self) -> dict[str, Any]:
        return self._wording(workspace.get_wording(self.wl))

    @ui_call
    def save_wording(self, value: dict[str, Any]) -> dict[str, Any]:
        return self._wording(workspace.update_wording(
            self.wl, self.actor, convert(value, MessageWording, "wording")))

    def _wording(self, wording: MessageWording) -> dict[str, Any]:
        settings = self.wl.settings
        return {**plain(wording), "environment": {"ad_label": settings.ad_label,
                                                  "opt_out_line": settings.opt_out_line}}

    @ui_call
    def get_guardrails(self) -> dict[str, Any]:
        return _every_limit(plain(workspace.get_guardrails(self.wl)))

    @ui_call
    def save_guardrails(self, value: dict[str, Any]) -> dict[str, Any]:
        return _every_limit(plain(workspace.update_guardrails(
            self.wl, self.actor, convert(value, WorkspaceGuardrails, "guardrails"))))

    @ui_call
    def sending_state(self) -> dict[str, Any]:
        return plain(sending.sending_state(self.wl))

    @ui_call
    def stop_sending(self, reason: str) -> dict[str, Any]:
        why = convert({"reason": reason or ""}, StopSendingIn, "reason for the stop").reason
        return plain(sending.stop_sending(self.wl, self.actor, why))

    @ui_call
    def resume_sending(self) -> dict[str, Any]:
        return plain(sending.resume_sending(self.wl, self.actor))

    @ui_call
    def resume_journey(self, journey_id: int) -> dict[str, Any]:
        return plain(journeys.resume_journey(self.wl, self.actor, journey_id))

    @ui_call
    def archive_journey(self, journey_id: int) -> dict[str, Any]:
        return plain(journeys.archive_journey(self.wl, self.actor, journey_id))

    @ui_call
    def clone_journey(self, journey_id: int) -> dict[str, Any]:
        return plain(journeys.clone_journey(self.wl, self.actor, journey_id))

    @ui_call
    def export_journey(self, journey_id: int) -> dict[str, Any]:
        return plain(journeys.export_journey(self.wl, journey_id))

    @ui_call
    def import_journey(self, data: dict[str, Any]) -> dict[str, Any]:
        try:
            export = msgspec.convert(data, JourneyExport)
        except msgspec.ValidationError as error:
            raise UiError("invalid", f"This file isn't a Wayline journey export ({error}).") \
                from None
        return plain(journeys.import_journey(self.wl, self.actor, export))

    @ui_call
    def list_segments(self) -> list[dict[str, Any]]:
        page = segments.list_segments(self.wl, limit=PICKER_LIMIT)
        return [{"id": item.id, "name": item.name} for item in page.items]

    @ui_call
    def list_templates(self) -> list[dict[str, Any]]:
        page = templates.list_templates(self.wl, limit=PICKER_LIMIT)
        return [{"id": item.id, "name": item.name, "channel": item.channel.value,
                 "subject": item.subject, "version": item.version, "journeys": item.journeys}
                for item in page.items]

    @ui_call
    def list_references(self, kind: str) -> list[dict[str, Any]]:
        return references.list_options(self.wl, str(kind))

    @ui_call
    def list_coupon_pools(self) -> list[dict[str, Any]]:
        return plain(coupons.list_pools(self.wl).items)

    @ui_call
    def get_coupon_pool(self, pool_id: int) -> dict[str, Any]:
        return plain(coupons.get_pool(self.wl, pool_id))

    @ui_call
    def create_coupon_pool(self, name: str, description: str) -> dict[str, Any]:
        request = convert({"name": name, "description": description or ""}, CouponPoolCreate,
                          "coupon pool")
        return plain(coupons.create_pool(self.wl, self.actor, request))

    @ui_call
    def delete_coupon_pool(self, pool_id: int) -> None:
        coupons.delete_pool(self.wl, self.actor, pool_id)

    @ui_call
    def add_coupon_codes(self, pool_id: int, text: str) -> dict[str, Any]:
        return plain(coupons.add_codes(self.wl, self.actor, pool_id, str(text or "")))

    @ui_call
    def generate_coupon_codes(self, pool_id: int, count: int, prefix: str) -> dict[str, Any]:
        request = convert({"count": count, "prefix": prefix or ""}, GenerateCodes,
                          "number of codes or prefix")
        return plain(coupons.generate_codes(self.wl, self.actor, pool_id, request))

    @ui_call
    def get_template(self, template_id: int) -> dict[str, Any]:
        return plain(template_for(self.principal, templates.get_template(self.wl, template_id)))

    @ui_call
    def save_template(self, template_id: int | None, template: dict[str, Any]) -> dict[str, Any]:
        if template_id is None:
            return plain(templates.create_template(
                self.wl, self.actor, convert(template, TemplateCreate, "message")))
        return plain(templates.update_template(
            self.wl, self.actor, template_id, convert(template, TemplateUpdate, "message")))

    @ui_call
    def delete_template(self, template_id: int) -> None:
        templates.delete_template(self.wl, self.actor, template_id)

    @ui_call
    def preview_template(self, template: dict[str, Any],
                         external_id: str | None) -> dict[str, Any]:
        request = convert({"template": template, "external_id": external_id or None,
                            "strict": True}, DraftRenderIn, "message")
        return plain(templates.render_draft(self.wl, request))

    @ui_call
    def journey_stats(self, journey_id: int) -> dict[str, Any]:
        return plain(stats.journey_stats(self.wl, journey_id))

    @ui_call
    def journey_results(self, journey_id: int) -> dict[str, Any]:
        return plain(journey_results(self.wl, journey_id))

    @ui_call
    def list_starters(self) -> list[dict[str, Any]]:
        return [{key: value for key, value in plain(starter).items() if key != "document"}
                for starter in starters.list_starters()]

    @ui_call
    def create_from_starter(self, key: str, name: str | None) -> dict[str, Any]:
        return plain(starters.create_from_starter(self.wl, self.actor, key, name))

    @ui_call
    def journey_audience(self, journey_id: int, limit: int,
                         after: int | None) -> dict[str, Any]:
        return plain(audience_preview.journey_audience(self.wl, journey_id, limit, after))

    @ui_call
    def explain_customer(self, journey_id: int, external_id: str) -> dict[str, Any]:
        return plain(explanation.explain_journey(self.wl, journey_id, external_id))

    @ui_call
    def preview_path(self, journey_id: int, external_id: str,
                     events: list[dict[str, Any]]) -> dict[str, Any]:
        request = convert({"external_id": external_id, "events": events}, PathIn)
        return plain(path_preview.preview_path(self.wl, journey_id, request))

    @ui_call
    def dry_run(self, journey_id: int, horizon_days: int, sample_limit: int) -> dict[str, Any]:
        request = convert({"horizon": {"amount": horizon_days, "unit": "days"},
                            "sample_limit": sample_limit}, DryRunIn)
        return plain(dry_runs.dry_run(self.wl, journey_id, request))

    @ui_call
    def list_customers(self, search: str) -> list[dict[str, Any]]:
        page = customers.list_customers(self.wl, search or None, 100, None,
                                        by_email=self.may("contacts.read"))
        return plain(customer_page_for(self.principal, page).items)

    @ui_call
    def customer_timeline(self, external_id: str, before: str | None) -> dict[str, Any]:
        moment = datetime.fromisoformat(before) if before else None
        return plain(timeline_for(self.principal,
                                  timeline.customer_timeline(self.wl, external_id, 100, moment)))

    @ui_call
    def get_send_policy(self) -> dict[str, Any]:
        return plain(workspace.get_send_policy(self.wl))

    @ui_call
    def list_indexed_attributes(self) -> list[dict[str, Any]]:
        return plain(workspace.list_indexed_attributes(self.wl))

    @ui_call
    def index_attribute(self, name: str, kind: str) -> dict[str, Any]:
        request = convert({"kind": kind}, IndexedAttributeIn, "attribute kind")
        return plain(workspace.index_attribute(self.wl, self.actor, name, request))

    @ui_call
    def drop_indexed_attribute(self, name: str) -> None:
        workspace.drop_indexed_attribute(self.wl, self.actor, name)

    @ui_call
    def save_send_policy(self, policy: dict[str, Any]) -> dict[str, Any]:
        try:
            rules = msgspec.convert(policy, SendPolicy)
        except msgspec.ValidationError as error:
            raise UiError("invalid", f"These send rules can't be saved: {error}.") from None
        return plain(workspace.update_send_policy(self.wl, self.actor, rules))


def _every_limit(value: dict[str, Any]) -> dict[str, Any]:
    """Guardrails with each default limit written out (stored, they leave defaults out), so a
    form shows 10 % where a limit is the default and an empty box only where it is off."""
    defaults = {name: getattr(Guardrails(), name) for name in Guardrails.__struct_fields__}
    return {**value, "defaults": {**defaults, **value.get("defaults", {})}}
