"""``{% session_timeout_warning %}``: the idle-timeout warning dialog and its script.

Renders ``identity/_session_timeout.html`` for a signed-in user, at most once per request, so
that the site base template and a page that still includes it on its own never put two dialogs
(with the same element ids) on one page.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

register = template.Library()

_RENDERED = "_portico_session_timeout_rendered"


@register.simple_tag(takes_context=True)
def session_timeout_warning(context: template.Context) -> SafeString:
    request: Any = context.get("request")
    user = getattr(request, "user", None)
    if request is None or not getattr(user, "is_authenticated", False):
        return SafeString("")
    if getattr(request, _RENDERED, False):
        return SafeString("")
    setattr(request, _RENDERED, True)
    # A rendered template is already a SafeString (its variables were escaped).
    rendered: SafeString = render_to_string("identity/_session_timeout.html", request=request)
    return rendered
