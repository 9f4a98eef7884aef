"""The canvas's calls for the lifecycle stage board (a part of `server.ui_services.CALLS`)."""

from __future__ import annotations

from server.schemas.stages import StageDefinitions
from server.services import stages
from server.ui_calls import Call, Entry

STAGE_CALLS: dict[str, Entry] = {
    "stage_board": Call(stages.get_board),
    "get_stage_definitions": Call(stages.get_definitions),
    "save_stage_definitions": Call(stages.update_definitions, acts=True, data=StageDefinitions,
                                   what="stages"),
    "refresh_stages": Call(stages.refresh),
}
"""Each stage board call → the service answering it."""
