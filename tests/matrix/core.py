from tests.matrix import Route

ROUTES = {
    "core:healthz": Route(),
    "core:readyz": Route(),
    "core:outbox": Route(),
    # POST-only endpoints answer GET with 405 for everyone.
    "core:outbox-answer": Route(default=405, kwargs=lambda w: {"pk": 1}),
    "core:outbox-clear": Route(default=405),
}
# The compliance view: superusers and the compliance group (core.view_auditevent); other
# staff and every portal user are refused (403), anonymous users sent to sign in.
ROUTES["core:audit"] = Route(expect={"anonymous": 302, "superuser": 200}, default=403)
ROUTES["core:audit-export"] = Route(expect={"anonymous": 302, "superuser": 200}, default=403)
