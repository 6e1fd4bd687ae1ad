from django.urls import path

from portico.connect.views import legacy, portal, practice, public, signing, staff

app_name = "connect"
urlpatterns = [
    # Public
    path("", public.landing, name="landing"),
    path("help/", public.help_center, name="help"),
    path("contact/", public.contact, name="contact"),
    path("connect/signup/", public.signup, name="signup"),
    path("connect/signup/choose/", public.signup_choose, name="signup-choose"),
    # Access forms and requests
    path("connect/signup/claims/", portal.access_claims, name="access-claims"),
    path("connect/signup/physician-info/", portal.access_patientinfo, name="access-patientinfo"),
    path("connect/signup/support/", portal.access_support, name="access-support"),
    path("connect/requests/", portal.request_list, name="request-list"),
    path("connect/requests/<int:pk>/", portal.request_detail, name="request-detail"),
    path("connect/requests/<int:pk>/access-form.pdf", portal.request_pdf, name="request-pdf"),
    path(
        "connect/requests/<int:pk>/signed-form/",
        portal.request_signed_form,
        name="request-signed-form",
    ),
    path("connect/requests/<int:pk>/upload/", portal.request_upload, name="request-upload"),
    path("connect/requests/<int:pk>/sign/", portal.request_sign, name="request-sign"),
    path("connect/requests/<int:pk>/e-sign/", portal.request_esign, name="request-esign"),
    path(
        "connect/requests/<int:pk>/e-sign/<int:signature>/resend/",
        portal.request_esign_resend,
        name="request-esign-resend",
    ),
    path("connect/requests/<int:pk>/reply/", portal.request_reply, name="request-reply"),
    # A signer's emailed link (no sign-in: the token is the credential)
    path("connect/sign/<str:token>/", signing.sign, name="sign"),
    # After sign-in
    path("connect/home/", portal.home, name="home"),
    path("connect/apps/<slug:application>/", portal.application, name="application"),
    path("connect/open/<slug:application>/", portal.open_application, name="open-application"),
    # Existing users
    path("connect/link/", legacy.link, name="legacy-link"),
    path("connect/link/code/", legacy.code, name="legacy-code"),
    # Practice administrators
    path("connect/practice/", practice.practice_index, name="practice"),
    path("connect/practice/<int:org>/users/", practice.users, name="practice-users"),
    path(
        "connect/practice/<int:org>/users/<int:pk>/deactivate/",
        practice.user_deactivate,
        name="practice-user-deactivate",
    ),
    path(
        "connect/practice/<int:org>/invitations/<int:pk>/withdraw/",
        practice.invitation_withdraw,
        name="practice-invitation-withdraw",
    ),
    path("connect/practice/<int:org>/providers/", practice.providers, name="practice-providers"),
    path(
        "connect/practice/<int:org>/providers/<int:pk>/remove/",
        practice.provider_remove,
        name="practice-provider-remove",
    ),
    path("connect/invitations/<str:token>/", practice.invitation, name="invitation"),
    # Access administrators
    path("connect/staff/requests/", staff.queue, name="staff-queue"),
    path("connect/staff/requests/<int:pk>/", staff.request_detail, name="staff-request"),
    path("connect/staff/requests/<int:pk>/review/", staff.request_review, name="staff-review"),
    path("connect/staff/requests/<int:pk>/approve/", staff.request_approve, name="staff-approve"),
    path("connect/staff/requests/<int:pk>/deny/", staff.request_deny, name="staff-deny"),
    path(
        "connect/staff/requests/<int:pk>/more-info/",
        staff.request_more_info,
        name="staff-more-info",
    ),
    path("connect/staff/requests/<int:pk>/fax/", staff.request_attach_fax, name="staff-attach-fax"),
    path(
        "connect/staff/requests/<int:pk>/referrals/",
        staff.request_referrals,
        name="staff-referrals",
    ),
    path("connect/staff/providers/", staff.provider_requests, name="staff-providers"),
    path("connect/staff/access/", staff.access_users, name="staff-access"),
    path("connect/staff/access/<int:user_pk>/", staff.access_user, name="staff-access-user"),
    path(
        "connect/staff/access/grants/<int:pk>/remove/",
        staff.access_grant_remove,
        name="staff-access-remove",
    ),
    path(
        "connect/staff/providers/<int:pk>/decide/",
        staff.provider_request_decide,
        name="staff-provider-decide",
    ),
]
