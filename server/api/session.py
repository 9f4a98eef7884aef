"""Signing in and out: the sign-in and account pages (plain HTML forms), one-time links, and
/api/session for scripts and the browser's own calls (who am I, the CSRF token).

Cookies are HttpOnly, SameSite=Lax, Secure when WAYLINE_PUBLIC_URL is https. A sign-in
always starts a new session. Sign-in forms are refused from another site's pages (their
Origin), so nobody can sign a browser into their own account behind its back.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.datastructures import Cookie
from litestar.enums import RequestEncodingType
from litestar.exceptions import PermissionDeniedException
from litestar.params import Body, FromPath, JSONBody, QueryParameter
from litestar.response import Redirect

from builder.i18n import Words, words
from runtime.errors import NotFoundError, RateLimitedError, SignInRefusedError, WaylineError
from runtime.store.team_models import User, UserSession
from server.api.params import WaylineDep
from server.context import Wayline
from server.errors import errors
from server.pages import html_response, language_of
from server.schemas.team import AccountIn, SessionOut, SignInIn
from server.security.guard import principal_of
from server.security.middleware import NONCE_KEY, request_origins
from server.security.principal import Principal
from server.security.sessions import COOKIE, SessionPolicy, token_hash
from server.services import signin, users
from server.services.users import user_out
from server.signin_pages import (
    account_page,
    link_gone_page,
    link_page,
    problem_text,
    sign_in_page,
)


class SignInForm(msgspec.Struct):
    """The sign-in page's form."""

    email: str = ""
    password: str = ""
    next: str = "/"


class AccountForm(msgspec.Struct):
    """The account page's password form."""

    password: str = ""
    current_password: str = ""


Form = Body(media_type=RequestEncodingType.URL_ENCODED)


class SessionController(Controller):
    """Who is signed in; sign in and out with JSON (scripts, tests, the browser's calls)."""

    path = "/api/session"
    tags = ["session"]

    @get("/", sync_to_thread=True, responses=errors(401))
    def read(self, request: Request, wayline: WaylineDep) -> SessionOut:
        """The signed-in person and the CSRF token their changes send as X-CSRF-Token."""
        return _session_out(wayline, principal_of(request))

    @post("/", sync_to_thread=True, status_code=200, responses=errors(401, 422, 429))
    def create(self, request: Request, wayline: WaylineDep,
               data: JSONBody[SignInIn]) -> Response[SessionOut]:
        """Sign in with email and password; the answer sets the session cookie."""
        _refuse_other_sites(request, wayline)
        token, principal = signin.sign_in(wayline, data.email, data.password,
                                          _ip(request), request.headers.get("user-agent", ""))
        signed_in = replace(principal, session_id=token_hash(token))
        return Response(_session_out(wayline, signed_in), cookies=[_cookie(wayline, token)])

    @patch("/", sync_to_thread=True, responses=errors(401, 422))
    def update(self, request: Request, wayline: WaylineDep,
               data: JSONBody[AccountIn]) -> SessionOut:
        """Change your own account: the language Wayline speaks to you."""
        principal = principal_of(request)
        users.set_language(wayline, principal.actor, principal.user_id or 0, data.language)
        return _session_out(wayline, principal)

    @delete("/", sync_to_thread=True, status_code=204)
    def remove(self, request: Request, wayline: WaylineDep) -> None:
        """Sign out: this session ends and its cookie is cleared."""
        signin.sign_out(wayline, principal_of(request))
        return Response(None, status_code=204, cookies=[_cleared(wayline)])  # type: ignore


class SignInPages(Controller):
    """The pages a person signs in and out with, and their account."""

    include_in_schema = False

    @get("/signin", sync_to_thread=False)
    def page(self, request: Request, next: Annotated[str, QueryParameter(max_length=2000)] = "/"
             ) -> Response[str]:
        """The sign-in form."""
        return html_response(sign_in_page(_words(request), _local(next),
                                          nonce=request.scope[NONCE_KEY]))

    @post("/signin", sync_to_thread=True, status_code=303)
    def submit(self, request: Request, wayline: WaylineDep,
               data: Annotated[SignInForm, Form]) -> Response[Any]:
        """Check the form; on success go where the person was headed, else say why."""
        _refuse_other_sites(request, wayline)
        target = _local(data.next)
        try:
            token, _ = signin.sign_in(wayline, data.email, data.password, _ip(request),
                                      request.headers.get("user-agent", ""))
        except (SignInRefusedError, RateLimitedError) as error:
            wait = getattr(error, "retry_after", None)
            said = _words(request)
            return html_response(sign_in_page(said, target, problem_text(said, error.message, wait),
                                              data.email, request.scope[NONCE_KEY]),
                                 429 if wait else 200,
                                 {"Retry-After": str(wait)} if wait else None)
        return Redirect(target, status_code=303, cookies=[_cookie(wayline, token)])

    @get("/signin/link/{token:str}", sync_to_thread=True)
    def link_page(self, request: Request, wayline: WaylineDep,
                  token: FromPath[str]) -> Response[str]:
        """A one-time link, opened: a page that signs in by posting it back (the browser does
        at once; a link previewer that only fetches pages leaves the link unused)."""
        who = signin.link_holder(wayline, token[:200])
        if who is None:
            return html_response(link_gone_page(_words(request), request.scope[NONCE_KEY]), 404)
        return html_response(link_page(_words(request), request.scope[NONCE_KEY], who))

    @post("/signin/link/{token:str}", sync_to_thread=True, status_code=303)
    def link(self, request: Request, wayline: WaylineDep,
             token: FromPath[str]) -> Response[Any]:
        """A one-time link, used: signed in, then to the journeys (or to set a password)."""
        _refuse_other_sites(request, wayline)
        try:
            session, principal, purpose = signin.use_link(
                wayline, token[:200], _ip(request), request.headers.get("user-agent", ""))
        except NotFoundError:
            return html_response(link_gone_page(_words(request), request.scope[NONCE_KEY]), 404)
        target = "/" if purpose == "first_start" else "/account?welcome=1"
        return Redirect(target, status_code=303, cookies=[_cookie(wayline, session)])

    @post("/signout", sync_to_thread=True, status_code=303)
    def sign_out(self, request: Request, wayline: WaylineDep) -> Redirect:
        """Sign out and go to the sign-in page."""
        signin.sign_out(wayline, principal_of(request))
        return Redirect("/signin", status_code=303, cookies=[_cleared(wayline)])

    @get("/account", sync_to_thread=True)
    def account(self, request: Request, wayline: WaylineDep) -> Response[str]:
        """The signed-in person's account: who they are, and their password."""
        user = _user(wayline, principal_of(request))
        welcome = request.query_params.get("welcome") == "1"
        return html_response(account_page(_words(request), user, welcome=welcome,
                                          nonce=request.scope[NONCE_KEY]))

    @post("/account", sync_to_thread=True)
    def change_password(self, request: Request, wayline: WaylineDep,
                        data: Annotated[AccountForm, Form]) -> Response[str]:
        """Set a new password (the current one too, when there is one)."""
        principal = principal_of(request)
        try:
            signin.change_password(wayline, principal, data.current_password, data.password)
        except WaylineError as error:
            said = _words(request)
            return html_response(account_page(said, _user(wayline, principal),
                                              problem=problem_text(said, error.message),
                                              nonce=request.scope[NONCE_KEY]), 422)
        return html_response(account_page(_words(request), _user(wayline, principal),
                                          saved=True, nonce=request.scope[NONCE_KEY]))


def _words(request: Request) -> Words:
    """The words of the language this page speaks (the person's choice, else the browser's)."""
    return words(language_of(request.scope))


def _session_out(wl: Wayline, principal: Principal) -> SessionOut:
    with wl.reading() as db:
        row = db.get(UserSession, principal.session_id or "")
        user = db.get(User, principal.user_id or 0)
        if row is None or user is None:
            raise NotFoundError("session", "this one")
        return SessionOut(user=user_out(user), csrf_token=row.csrf_token,
                          expires_at=row.expires_at)


def _user(wl: Wayline, principal: Principal) -> Any:
    with wl.reading() as db:
        user = db.get(User, principal.user_id or 0)
        if user is None:
            raise NotFoundError("user", principal.user_id)
        return user_out(user)


def _cookie(wl: Wayline, token: str) -> Cookie:
    policy = SessionPolicy.from_settings(wl.settings)
    return Cookie(key=COOKIE, value=token, httponly=True, samesite="lax", path="/",
                  secure=wl.settings.public_url.startswith("https://"),
                  max_age=int(policy.lifetime.total_seconds()))


def _cleared(wl: Wayline) -> Cookie:
    return Cookie(key=COOKIE, value="", httponly=True, samesite="lax", path="/", max_age=0,
                  secure=wl.settings.public_url.startswith("https://"))


def _refuse_other_sites(request: Request, wl: Wayline) -> None:
    origin = request.headers.get("origin")
    if origin is not None and origin not in request_origins(wl.settings,
                                                            request.headers.get("host", "")):
        raise PermissionDeniedException("Refused: sign-in from another site's page.")


def _local(target: str) -> str:
    """Where to go after signing in: a path on this site only (never another site)."""
    if not target.startswith("/") or target.startswith(("//", "/\\")) or "\n" in target:
        return "/"
    return target[:2000]


def _ip(request: Request) -> str | None:
    return request.client.host if request.client else None

