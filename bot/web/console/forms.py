"""Reading a console form: URL-encoded, small, UTF-8, or a clear refusal (never a 500).

The console's forms are a CSRF token and at most a note, so a body is capped at 64 KiB (a
1,500-character note of four-byte characters, percent-encoded, is about 18 KiB) and a few
fields; anything else is refused before it is parsed.
"""

from __future__ import annotations

import urllib.parse

from starlette.requests import Request
from starlette.responses import Response

from bot.web.body import BodyTooLarge, read_body
from bot.web.console.rendering import Pages
from bot.web.console.sessions import CSRF_FIELD, csrf_ok

MAX_FORM_BYTES = 64 * 1024
MAX_FIELDS = 10
FORM_TYPE = "application/x-www-form-urlencoded"


class FormRefused(Exception):
    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message
        super().__init__(message)


async def read_form(request: Request) -> dict[str, str]:
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media != FORM_TYPE:
        raise FormRefused(415, f"a console form is sent as {FORM_TYPE}")
    try:
        body = await read_body(request, MAX_FORM_BYTES)
    except BodyTooLarge as exc:
        raise FormRefused(413, f"the form is larger than {MAX_FORM_BYTES // 1024} KiB") from exc
    try:
        pairs = urllib.parse.parse_qsl(
            body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FIELDS
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise FormRefused(
            400, "the form could not be read (bad encoding or too many fields)"
        ) from exc
    return dict(pairs)


async def posted_form(
    pages: Pages, request: Request, *, nothing: str = "nothing was changed"
) -> dict[str, str] | Response:
    """Every console POST's gate: the form read, and its CSRF token this session's; else the
    page that says why (`nothing`: what the refusal promises did not happen)."""
    try:
        form = await read_form(request)
    except FormRefused as exc:
        return pages.message(
            request, "Form refused", f"{exc.message}; {nothing}.", status_code=exc.status
        )
    if not csrf_ok(request, form.get(CSRF_FIELD)):
        return pages.message(
            request,
            "Form expired",
            f"That form was not sent by this console session; {nothing}. "
            "Reload the page and try again.",
            status_code=403,
        )
    return form
