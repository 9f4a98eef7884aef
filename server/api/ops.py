"""/health, /ready and /metrics: what load balancers, orchestrators and Prometheus ask.

None of them needs the API key: they say nothing about customers, and probes carry no secrets.
Keep them on the internal network (the README's production layout shows where).
"""

from __future__ import annotations

from litestar import Controller, MediaType, Response, get
from litestar.openapi import ResponseSpec
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE

from runtime.run.metrics import CONTENT_TYPE
from server.api.params import WaylineDep
from server.schemas.ops import Liveness, Readiness
from server.services import ops

NOT_READY = ResponseSpec(data_container=Readiness,
                         description="Not ready: each failed check is listed with its reason.")


class OpsController(Controller):
    """Liveness, readiness and metrics for the people who run Wayline."""

    path = "/"
    tags = ["operations"]

    @get("/health", sync_to_thread=False)
    def health(self) -> Liveness:
        """Liveness: the process is up and answering (checks nothing else)."""
        return ops.liveness()

    @get("/ready", sync_to_thread=True, responses={503: NOT_READY})
    def ready(self, wayline: WaylineDep) -> Response[Readiness]:
        """Readiness: the database is reachable and at the migration head, and Redis answers;
        503 with the reasons otherwise."""
        readiness = ops.readiness(wayline)
        status = HTTP_200_OK if readiness.status == "ready" else HTTP_503_SERVICE_UNAVAILABLE
        return Response(readiness, status_code=status)

    @get("/metrics", sync_to_thread=True, media_type=MediaType.TEXT)
    def metrics(self, wayline: WaylineDep) -> Response[str]:
        """Prometheus metrics (text exposition format 0.0.4): queue depths, steps and
        deliveries, runs due and the sweeper's lag, runs and messages by status."""
        return Response(ops.metrics_text(wayline), media_type=CONTENT_TYPE)
