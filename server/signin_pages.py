"""The HTML of the pages around signing in: sign-in, a used-up link, the account page.

Plain forms, no script (they work before the canvas bundle loads and under the strictest
policy), in the product's look: its stylesheet, a centred card. Every value is escaped.
"""

from __future__ import annotations

from html import escape

from builder.ui.reactpy_glue import asset
from server.schemas.team import UserOut

STYLE = """
.wl-auth { min-height: 100vh; display: flex; align-items: center; justify-content: center;
           padding: 24px; }
.wl-auth-card { width: 380px; max-width: 100%; background: #fff; border: 1px solid var(--line);
                border-radius: 14px; box-shadow: var(--shadow); padding: 28px; }
.wl-auth-card h1 { font-size: 20px; margin: 14px 0 4px; }
.wl-auth-card p { color: var(--muted); margin: 0 0 16px; line-height: 1.5; }
.wl-auth-card label { display: block; font-weight: 500; margin: 12px 0 6px; color: var(--ink-2); }
.wl-auth-card .wl-button { width: 100%; justify-content: center; margin-top: 18px; height: 38px; }
.wl-auth-card .wl-problem { background: var(--err-soft); color: #991b1b; border-radius: 8px;
                            padding: 10px 12px; margin: 12px 0 0; }
.wl-auth-card .wl-done { background: var(--ok-soft); color: #166534; border-radius: 8px;
                         padding: 10px 12px; margin: 12px 0 0; }
.wl-auth-card dl { display: grid; grid-template-columns: 90px 1fr; gap: 6px 10px; margin: 0; }
.wl-auth-card dt { color: var(--muted); }
.wl-auth-card dd { margin: 0; }
.wl-auth-foot { display: flex; justify-content: space-between; align-items: center;
                margin-top: 18px; }
.wl-auth-foot form .wl-button { width: auto; margin: 0; height: 32px; }
"""


def _page(title: str, body: str) -> str:
    return ("<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{escape(title)} · Wayline</title><link rel='icon' href='data:,'>"
            f"<link rel='stylesheet' href='{asset('canvas.css')}'><style>{STYLE}</style>"
            f"</head><body><main class='wl-auth'><div class='wl-auth-card'>"
            "<a class='wl-logo' href='/'><span class='wl-logo-mark'></span>Wayline</a>"
            f"{body}</div></main></body></html>")


def _problem(text: str | None) -> str:
    return f"<div class='wl-problem' role='alert'>{escape(text)}</div>" if text else ""


def sign_in_page(target: str, problem: str | None = None, email: str = "") -> str:
    """The sign-in form; after signing in the browser goes to `target`."""
    return _page("Sign in", (
        "<h1>Sign in</h1><p>Your workspace's journeys, messages and customers.</p>"
        f"{_problem(problem)}"
        "<form method='post' action='/signin'>"
        f"<input type='hidden' name='next' value='{escape(target)}'>"
        "<label for='email'>Email</label>"
        f"<input class='wl-input' id='email' name='email' type='email' autocomplete='username' "
        f"required autofocus value='{escape(email)}'>"
        "<label for='password'>Password</label>"
        "<input class='wl-input' id='password' name='password' type='password' "
        "autocomplete='current-password' required>"
        "<button class='wl-button primary' type='submit'>Sign in</button></form>"
        "<p style='margin-top:16px;font-size:12px'>No password yet, or forgot it? An admin can "
        "give you a one-time sign-in link (Team page, or <code>wayline user reset</code>).</p>"))


def link_page(nonce: str, email: str) -> str:
    """A one-time link opened: the form that uses it, sent at once by a script (nonce'd);
    without script, one press. Fetching the page alone never uses the link."""
    return _page("Signing in", (
        f"<h1>Signing in</h1><p>Signing you in as {escape(email)} …</p>"
        "<form method='post' id='wl-link'>"
        "<button class='wl-button primary' type='submit'>Continue to Wayline</button></form>"
        f"<script nonce='{escape(nonce)}'>document.getElementById('wl-link').submit();</script>"
    ))


def link_gone_page() -> str:
    """What a used, expired or unknown one-time link shows."""
    return _page("Link used", (
        "<h1>This link can't be used</h1><p>One-time sign-in links work once, for 24 hours. "
        "Ask an admin for a new one (<code>wayline user reset &lt;email&gt;</code> prints it), "
        "or sign in with your password.</p>"
        "<a class='wl-button primary' href='/signin'>Go to sign in</a>"))


def account_page(user: UserOut, *, welcome: bool = False, saved: bool = False,
                 problem: str | None = None) -> str:
    """The signed-in person's account: who they are and their password."""
    intro = ("<div class='wl-done'>You are signed in. Set a password so you can sign in "
             "again later.</div>") if welcome and not user.has_password else ""
    done = "<div class='wl-done' role='status'>Password saved.</div>" if saved else ""
    current = ("<label for='current'>Current password</label><input class='wl-input' "
               "id='current' name='current_password' type='password' "
               "autocomplete='current-password' required>") if user.has_password else ""
    return _page("Account", (
        "<h1>Your account</h1>"
        f"<dl><dt>Name</dt><dd>{escape(user.name)}</dd><dt>Email</dt>"
        f"<dd>{escape(user.email)}</dd><dt>Role</dt><dd>{escape(user.role.value)}</dd></dl>"
        f"{intro}{done}{_problem(problem)}"
        "<form method='post' action='/account'>"
        f"{current}<label for='password'>New password (at least 10 characters)</label>"
        "<input class='wl-input' id='password' name='password' type='password' "
        "autocomplete='new-password' minlength='10' required>"
        "<button class='wl-button primary' type='submit'>Save password</button></form>"
        "<div class='wl-auth-foot'><a href='/'>Back to journeys</a>"
        "<form method='post' action='/signout'><button class='wl-button' type='submit'>"
        "Sign out</button></form></div>"))
