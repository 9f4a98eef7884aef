"""The HTML of the pages around signing in: sign-in, a used-up link, the account page.

Plain forms, no script (they work before the canvas bundle loads and under the strictest
policy), in the product's look: its stylesheet, a centred card. Every value is escaped.
Each page speaks the language it is given (`Words`: the person's choice, else the browser's
Accept-Language, `server.pages.language_of`), with `<html lang>` set to it; refusals the
services word in English are shown in that language when the catalogues know them.
"""

from __future__ import annotations

from html import escape

from builder.i18n import N_, Words
from builder.ui.nav import ROLE_LABELS
from builder.ui.reactpy_glue import THEME_SCRIPT, asset
from server.schemas.team import UserOut
from server.security.passwords import MAX_LENGTH, MIN_LENGTH

PROBLEMS = (N_("That email and password don't match an active account."),
            N_("The current password is not right."),
            N_("The password can't be your email address."))
"""Refusals the sign-in services word as they are (translated when shown: `_(problem)`)."""

STYLE = """
.wl-auth { min-height: 100vh; display: flex; align-items: center; justify-content: center;
           padding: 24px; }
.wl-auth-card { width: 380px; max-width: 100%; background: var(--panel);
                border: 1px solid var(--line); border-radius: 14px; box-shadow: var(--shadow);
                padding: 28px; }
.wl-auth-card h1 { font-size: 20px; margin: 14px 0 4px; }
.wl-auth-card p { color: var(--muted); margin: 0 0 16px; line-height: 1.5; }
.wl-auth-card label { display: block; font-weight: 500; margin: 12px 0 6px; color: var(--ink-2); }
.wl-auth-card .wl-button { width: 100%; justify-content: center; margin-top: 18px; height: 38px; }
.wl-auth-card .wl-problem { background: var(--err-soft); color: var(--err-ink); border-radius: 8px;
                            padding: 10px 12px; margin: 12px 0 0; }
.wl-auth-card .wl-done { background: var(--ok-soft); color: var(--ok-ink); border-radius: 8px;
                         padding: 10px 12px; margin: 12px 0 0; }
.wl-auth-card dl { display: grid; grid-template-columns: 90px 1fr; gap: 6px 10px; margin: 0; }
.wl-auth-card dt { color: var(--muted); }
.wl-auth-card dd { margin: 0; }
.wl-auth-foot { display: flex; justify-content: space-between; align-items: center;
                margin-top: 18px; }
.wl-auth-foot form .wl-button { width: auto; margin: 0; height: 32px; }
"""


def _page(_: Words, title: str, body: str, nonce: str | None = None) -> str:
    theme = THEME_SCRIPT.replace("<script", f"<script nonce='{escape(nonce)}'") if nonce else ""
    return (f"<!doctype html><html lang='{escape(_.language)}'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{escape(title)} · Wayline</title><link rel='icon' href='data:,'>{theme}"
            f"<link rel='stylesheet' href='{asset('canvas.css')}'><style>{STYLE}</style>"
            f"</head><body><main class='wl-auth'><div class='wl-auth-card'>"
            "<a class='wl-logo' href='/'><span class='wl-logo-mark'></span>Wayline</a>"
            f"{body}</div></main></body></html>")


def _text(text: str) -> str:
    """Text between tags, escaped (quotes stay as they are: they only matter in attributes)."""
    return escape(text, quote=False)


def _problem(text: str | None) -> str:
    return f"<div class='wl-problem' role='alert'>{_text(text)}</div>" if text else ""


def problem_text(_: Words, message: str, retry_after: int | None = None) -> str:
    """A service's refusal in `_`'s language: a known one translated, a lockout with its
    wait, anything else as the service worded it."""
    if retry_after:
        minutes = -(-retry_after // 60)
        return _.n("Too many failed sign-ins: try again in {n} minute.",
                   "Too many failed sign-ins: try again in {n} minutes.", minutes)
    if message == f"The password must be at least {MIN_LENGTH} characters long.":
        return _("The password must be at least {n} characters long.", n=MIN_LENGTH)
    if message == f"The password can be at most {MAX_LENGTH} characters long.":
        return _("The password can be at most {n} characters long.", n=MAX_LENGTH)
    return _(message)


def sign_in_page(_: Words, target: str, problem: str | None = None, email: str = "",
                 nonce: str | None = None) -> str:
    """The sign-in form; after signing in the browser goes to `target`."""
    return _page(_, _("Sign in"), (
        f"<h1>{_text(_('Sign in'))}</h1>"
        "<p>" + _text(_("Your workspace's journeys, messages and customers.")) + "</p>"
        f"{_problem(problem)}"
        "<form method='post' action='/signin'>"
        f"<input type='hidden' name='next' value='{escape(target)}'>"
        f"<label for='email'>{_text(_('Email'))}</label>"
        f"<input class='wl-input' id='email' name='email' type='email' autocomplete='username' "
        f"required autofocus value='{escape(email)}'>"
        f"<label for='password'>{_text(_('Password'))}</label>"
        "<input class='wl-input' id='password' name='password' type='password' "
        "autocomplete='current-password' required>"
        f"<button class='wl-button primary' type='submit'>{_text(_('Sign in'))}</button></form>"
        "<p style='margin-top:16px;font-size:12px'>"
        + _text(_("No password yet, or forgot it? An admin can give you a one-time sign-in "
                   "link (Team page, or {command}).")).replace(
            "{command}", "<code>wayline user reset</code>")
        + "</p>"), nonce)


def link_page(_: Words, nonce: str, email: str) -> str:
    """A one-time link opened: the form that uses it, sent at once by a script (nonce'd);
    without script, one press. Fetching the page alone never uses the link."""
    return _page(_, _("Signing in"), (
        f"<h1>{_text(_('Signing in'))}</h1>"
        f"<p>{_text(_('Signing you in as {email} …', email=email))}</p>"
        "<form method='post' id='wl-link'>"
        f"<button class='wl-button primary' type='submit'>{_text(_('Continue to Wayline'))}"
        "</button></form>"
        f"<script nonce='{escape(nonce)}'>document.getElementById('wl-link').submit();</script>"
    ), nonce)


def link_gone_page(_: Words, nonce: str | None = None) -> str:
    """What a used, expired or unknown one-time link shows."""
    return _page(_, _("Link used"), (
        "<h1>" + _text(_("This link can't be used")) + "</h1><p>"
        + _text(_("One-time sign-in links work once, for 24 hours. Ask an admin for a new one "
                   "({command} prints it), or sign in with your password.")).replace(
            "{command}", "<code>wayline user reset &lt;email&gt;</code>")
        + f"</p><a class='wl-button primary' href='/signin'>{_text(_('Go to sign in'))}</a>"),
        nonce)


def account_page(_: Words, user: UserOut, *, welcome: bool = False, saved: bool = False,
                 problem: str | None = None, nonce: str | None = None) -> str:
    """The signed-in person's account: who they are and their password."""
    welcome_text = _("You are signed in. Set a password so you can sign in again later.")
    intro = (f"<div class='wl-done'>{_text(welcome_text)}</div>"
             if welcome and not user.has_password else "")
    done = (f"<div class='wl-done' role='status'>{_text(_('Password saved.'))}</div>"
            if saved else "")
    current = (f"<label for='current'>{_text(_('Current password'))}</label>"
               "<input class='wl-input' id='current' name='current_password' type='password' "
               "autocomplete='current-password' required>") if user.has_password else ""
    role = ROLE_LABELS.get(user.role.value)
    return _page(_, _("Account"), (
        f"<h1>{_text(_('Your account'))}</h1>"
        f"<dl><dt>{_text(_('Name'))}</dt><dd>{escape(user.name)}</dd>"
        f"<dt>{_text(_('Email'))}</dt><dd>{escape(user.email)}</dd>"
        f"<dt>{_text(_('Role'))}</dt>"
        f"<dd data-role='{escape(user.role.value)}'>"
        f"{_text(_(role) if role else user.role.value)}</dd></dl>"
        f"{intro}{done}{_problem(problem)}"
        "<form method='post' action='/account'>"
        f"{current}<label for='password'>"
        f"{_text(_('New password (at least {n} characters)', n=MIN_LENGTH))}</label>"
        "<input class='wl-input' id='password' name='password' type='password' "
        f"autocomplete='new-password' minlength='{MIN_LENGTH}' required>"
        f"<button class='wl-button primary' type='submit'>{_text(_('Save password'))}"
        "</button></form>"
        f"<div class='wl-auth-foot'><a href='/'>{_text(_('Back to journeys'))}</a>"
        "<form method='post' action='/signout'><button class='wl-button' type='submit'>"
        f"{_text(_('Sign out'))}</button></form></div>"), nonce)
