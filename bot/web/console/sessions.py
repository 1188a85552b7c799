"""Who is signed in to the console, and the CSRF token every form carries.

The session lives in a cookie signed by Starlette's SessionMiddleware (itsdangerous) with the
console key; it holds the person's id, how they signed in and a random CSRF token. Each form
posts that token back, compared in constant time: a page on another site can make a browser
post here, but it cannot read the token to put in the form.
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass

from starlette.requests import Request

SESSION_COOKIE = "marshal_console"
SESSION_SECONDS = 12 * 3600
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str
    via: str  # "login-link" | "oidc"


def signed_in(request: Request) -> Person | None:
    data = request.session.get("person")
    if not isinstance(data, dict):
        return None
    started = data.get("at")
    # The cookie's own max-age bounds it too; this also ends a copied cookie on time.
    if not isinstance(started, int | float) or time.time() - started > SESSION_SECONDS:
        request.session.clear()
        return None
    return Person(user_id=str(data["user_id"]), name=str(data["name"]), via=str(data["via"]))


def sign_in(request: Request, person: Person) -> None:
    # A fresh session on sign-in (and a fresh CSRF token): nothing from before carries over.
    request.session.clear()
    request.session["person"] = {
        "user_id": person.user_id,
        "name": person.name,
        "via": person.via,
        "at": int(time.time()),
    }
    csrf_token(request)


def sign_out(request: Request) -> None:
    request.session.clear()


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def csrf_ok(request: Request, submitted: object) -> bool:
    expected = request.session.get("csrf")
    return (
        isinstance(expected, str)
        and isinstance(submitted, str)
        and hmac.compare_digest(expected.encode(), submitted.encode())
    )
