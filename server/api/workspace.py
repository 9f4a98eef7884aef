"""/api/workspace: settings for the whole workspace, such as the send policy."""

from __future__ import annotations

from litestar import Controller, get, put
from litestar.params import JSONBody

from runtime.workspace import SendPolicy
from server.api.params import WaylineDep
from server.errors import errors
from server.services import workspace


class WorkspaceController(Controller):
    """The send policy: frequency caps per channel and the night-time window."""

    path = "/api/workspace"
    tags = ["workspace"]

    @get("/send-policy", sync_to_thread=True)
    def send_policy(self, wayline: WaylineDep) -> SendPolicy:
        """Frequency caps and the night-time rule every marketing message obeys."""
        return workspace.get_send_policy(wayline)

    @put("/send-policy", sync_to_thread=True, responses=errors(422))
    def update_send_policy(self, wayline: WaylineDep, data: JSONBody[SendPolicy]) -> SendPolicy:
        """Replace the send policy; workers apply it from their next batch."""
        return workspace.update_send_policy(wayline, data)
