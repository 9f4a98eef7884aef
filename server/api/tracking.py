"""/t: the open pixel and the click redirects in tracked emails (no API key: customers' mail
clients and browsers call these, and the signed token is the proof)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get
from litestar.params import PathParameter
from litestar.response import Redirect

from server.api.params import WaylineDep
from server.errors import errors
from server.services import tracking

# No length limits: whatever is not a token Wayline signed is a plain 404, never a 422.
Token = Annotated[str, PathParameter(description="The signed token from the email.")]

NO_STORE = {"Cache-Control": "no-store, max-age=0", "Referrer-Policy": "no-referrer"}
"""Every open and click must reach Wayline; none may leak the token onwards."""


class TrackingController(Controller):
    """Opens and clicks of tracked emails; each becomes an event (email_opened, email_clicked)."""

    path = "/t"
    tags = ["tracking"]

    @get("/o/{token:str}", sync_to_thread=True, responses=errors(404),
         media_type="image/gif")
    def opened(self, wayline: WaylineDep, token: Token) -> Response[bytes]:
        """The 1×1 pixel; records the email as opened."""
        return Response(tracking.record_open(wayline, token), media_type="image/gif",
                        headers=NO_STORE)

    @get("/c/{token:str}", sync_to_thread=True, status_code=302, responses=errors(404))
    def clicked(self, wayline: WaylineDep, token: Token) -> Redirect:
        """Records the click and redirects (302) to the link's address; a token that was
        tampered with is a 404, never a redirect."""
        return Redirect(tracking.follow_click(wayline, token), status_code=302,
                        headers=NO_STORE)
