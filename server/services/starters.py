"""Starter journeys: list them, and make a draft from one (its templates created if missing)."""

from __future__ import annotations

from runtime.errors import NotFoundError
from runtime.store.audit import Actor
from server.context import Wayline
from server.schemas.journeys import JourneyCreate, JourneyDetail
from server.schemas.starters import StarterOut
from server.services.journeys import create_journey
from server.starters import STARTERS, Starter, instantiate


def list_starters() -> list[StarterOut]:
    """Every starter, in the order a marketer meets them."""
    return [_out(starter) for starter in STARTERS.values()]


def create_from_starter(wl: Wayline, actor: Actor, key: str,
                        name: str | None = None) -> JourneyDetail:
    """A new draft from a starter, ready to preview and publish."""
    starter = STARTERS.get(key)
    if starter is None:
        raise NotFoundError("starter", key)
    with wl.writing() as session:
        document = instantiate(session, starter, wl.settings.timezone, actor, wl.now())
    return create_journey(wl, actor, JourneyCreate(name=name or starter.name,
                                                   description=starter.description,
                                                   document=document))


def _out(starter: Starter) -> StarterOut:
    nodes = starter.document["nodes"]
    channels = sorted({config["channel"] for node in nodes
                       if "channel" in (config := node["data"]["config"])})
    return StarterOut(key=starter.key, name=starter.name, description=starter.description,
                      nodes=len(nodes), channels=channels, document=starter.document)
