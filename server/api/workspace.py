"""/api/workspace: settings for the whole workspace: approvals, the send policy, indexed
attributes, and the switch that stops all sending."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, post, put
from litestar.params import JSONBody, PathParameter

from runtime.messaging.test_sends import TestRecipients
from runtime.messaging.workspace import MessageWording, SendPolicy
from runtime.run.guardrails import WorkspaceGuardrails
from server.api.params import ActorDep, WaylineDep
from server.errors import errors
from server.schemas.team import WorkspaceSettings
from server.schemas.workspace import (
    IndexedAttributeIn,
    IndexedAttributeOut,
    SendingState,
    StopSendingIn,
)
from server.services import sending, workspace, workspace_settings

AttributeName = Annotated[str, PathParameter(min_length=1, max_length=64, description=(
    "A custom attribute's name, as rules name it."))]


class WorkspaceController(Controller):
    """The send policy: frequency caps per channel and the night-time window; the attributes
    indexed for fast audiences."""

    path = "/api/workspace"
    tags = ["workspace"]

    @get("/settings", sync_to_thread=True)
    def settings(self, wayline: WaylineDep) -> WorkspaceSettings:
        """Settings of the whole workspace (whether publishing needs an approval)."""
        return workspace_settings.get_workspace_settings(wayline)

    @put("/settings", sync_to_thread=True, responses=errors(422))
    def update_settings(self, wayline: WaylineDep, actor: ActorDep,
                        data: JSONBody[WorkspaceSettings]) -> WorkspaceSettings:
        """Change the workspace's settings (admins); the change goes in the audit trail."""
        return workspace_settings.update_workspace_settings(wayline, actor, data)

    @get("/sending", sync_to_thread=True)
    def sending(self, wayline: WaylineDep) -> SendingState:
        """Whether all sending is stopped, by whom, when and why."""
        return sending.sending_state(wayline)

    @post("/sending/stop", sync_to_thread=True, status_code=200, responses=errors(409, 422))
    def stop_sending(self, wayline: WaylineDep, actor: ActorDep,
                     data: JSONBody[StopSendingIn | None] = None) -> SendingState:
        """Stop every outgoing message of every journey at once (publishers and admins). Each
        keeps its place and time; customers still move through their journeys."""
        return sending.stop_sending(wayline, actor, data.reason if data else "")

    @post("/sending/resume", sync_to_thread=True, status_code=200, responses=errors(409))
    def resume_sending(self, wayline: WaylineDep, actor: ActorDep) -> SendingState:
        """Let messages go again, each judged afresh by the send policy when it goes."""
        return sending.resume_sending(wayline, actor)

    @get("/message-wording", sync_to_thread=True)
    def wording(self, wayline: WaylineDep) -> MessageWording:
        """The advertising label and opt-out line the law adds to marketing messages, as the
        workspace words them (null: the environment's WAYLINE_AD_LABEL / _OPT_OUT_LINE)."""
        return workspace.get_wording(wayline)

    @put("/message-wording", sync_to_thread=True, responses=errors(422))
    def update_wording(self, wayline: WaylineDep, actor: ActorDep,
                       data: JSONBody[MessageWording]) -> MessageWording:
        """Replace the wording; messages rendered from the next batch on use it."""
        return workspace.update_wording(wayline, actor, data)

    @get("/test-recipients", sync_to_thread=True)
    def test_recipients(self, wayline: WaylineDep) -> TestRecipients:
        """Who gets test sends sent to "team": emails, and phone numbers for texts."""
        return workspace.get_test_recipients(wayline)

    @put("/test-recipients", sync_to_thread=True, responses=errors(422))
    def update_test_recipients(self, wayline: WaylineDep, actor: ActorDep,
                               data: JSONBody[TestRecipients]) -> TestRecipients:
        """Replace the test recipients."""
        return workspace.update_test_recipients(wayline, actor, data)

    @get("/guardrails", sync_to_thread=True)
    def guardrails(self, wayline: WaylineDep) -> WorkspaceGuardrails:
        """Guardrails: the limits that pause a journey going wrong (failed deliveries, bounces,
        unsubscribes, messages per hour), and where the alert goes."""
        return workspace.get_guardrails(wayline)

    @put("/guardrails", sync_to_thread=True, responses=errors(422))
    def update_guardrails(self, wayline: WaylineDep, actor: ActorDep,
                          data: JSONBody[WorkspaceGuardrails]) -> WorkspaceGuardrails:
        """Replace the guardrails; a journey's own (in its settings) still win for it."""
        return workspace.update_guardrails(wayline, actor, data)

    @get("/send-policy", sync_to_thread=True)
    def send_policy(self, wayline: WaylineDep) -> SendPolicy:
        """Frequency caps and the night-time rule every marketing message obeys."""
        return workspace.get_send_policy(wayline)

    @put("/send-policy", sync_to_thread=True, responses=errors(422))
    def update_send_policy(self, wayline: WaylineDep, actor: ActorDep,
                           data: JSONBody[SendPolicy]) -> SendPolicy:
        """Replace the send policy; workers apply it from their next batch."""
        return workspace.update_send_policy(wayline, actor, data)

    @get("/indexed-attributes", sync_to_thread=True)
    def indexed_attributes(self, wayline: WaylineDep) -> list[IndexedAttributeOut]:
        """The custom attributes kept in typed, indexed columns, so that audience rules on
        them count a million customers in well under a second."""
        return workspace.list_indexed_attributes(wayline)

    @put("/indexed-attributes/{name:str}", sync_to_thread=True, responses=errors(409, 422))
    def index_attribute(self, wayline: WaylineDep, actor: ActorDep, name: AttributeName,
                        data: JSONBody[IndexedAttributeIn]) -> IndexedAttributeOut:
        """Index an attribute as text or number. It builds a column and an index of the
        customers table, holding the table meanwhile (seconds per million customers)."""
        return workspace.index_attribute(wayline, actor, name, data)

    @delete("/indexed-attributes/{name:str}", sync_to_thread=True, responses=errors(404, 422))
    def drop_indexed_attribute(self, wayline: WaylineDep, actor: ActorDep,
                               name: AttributeName) -> None:
        """Stop indexing an attribute; every value stays in the customers' attributes."""
        workspace.drop_indexed_attribute(wayline, actor, name)
