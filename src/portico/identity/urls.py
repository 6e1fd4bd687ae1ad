"""Portico ID's own pages (mounted at /id/ next to allauth's, namespace ``identity``)."""

from django.urls import path

from portico.identity.views import mfa, profile, staff, verification, webhooks

app_name = "identity"
urlpatterns = [
    # Legal documents and account recovery
    path("legal/terms/", verification.terms, name="terms"),
    path("legal/privacy/", verification.privacy, name="privacy"),
    path("forgot-username/", verification.forgot_username, name="forgot_username"),
    # Verification of email (code: allauth's path, Portico's view; link) and phone
    path("confirm-email/", verification.email_verification_sent, name="email_code"),
    path("email/activate/<str:token>/", verification.verify_email_link, name="verify_email_link"),
    path("phone/verify/", verification.verify_phone, name="verify_phone"),
    path("phone/verify/status/", verification.verify_phone_status, name="verify_phone_status"),
    path("phone/update/", verification.update_phone, name="update_phone"),
    path("phone/voice/<str:call_ref>/", webhooks.voice_webhook, name="voice_webhook"),
    # Second factors
    path("mfa/setup/", mfa.mfa_setup, name="mfa_setup"),
    path("mfa/setup/done/", mfa.mfa_done, name="mfa_done"),
    path("mfa/verify/", mfa.mfa_verify, name="mfa_verify"),
    path("mfa/phone/", mfa.mfa_phone, name="mfa_phone"),
    path("mfa/phone/status/", mfa.mfa_phone_status, name="mfa_phone_status"),
    path("mfa/phone/enable/", mfa.mfa_phone_enable, name="mfa_phone_enable"),
    path("mfa/phone/disable/", mfa.mfa_phone_disable, name="mfa_phone_disable"),
    # allauth's path: the last passkey stays while MFA is required (views.mfa)
    path("2fa/webauthn/keys/<int:pk>/remove/", mfa.remove_passkey, name="remove_passkey"),
    # My Profile and the session
    path("profile/", profile.profile, name="profile"),
    # allauth's paths, Portico's views: too many attempts are answered on the page
    path("password/change/", profile.password_change, name="password_change"),
    path("password/set/", profile.password_set, name="password_set"),
    path("profile/username/", profile.profile_username, name="profile_username"),
    path("profile/preferences/", profile.profile_preferences, name="profile_preferences"),
    path("session/status/", profile.session_status, name="session_status"),
    path("session/extend/", profile.session_extend, name="session_extend"),
    # Staff back office
    path("staff/users/", staff.user_list, name="staff_users"),
    path("staff/users/<int:pk>/", staff.user_detail, name="staff_user"),
    path("staff/users/<int:pk>/unlock/", staff.user_unlock, name="staff_user_unlock"),
    path("staff/users/<int:pk>/lock/", staff.user_lock, name="staff_user_lock"),
    path("staff/users/<int:pk>/mfa-reset/", staff.user_mfa_reset, name="staff_user_mfa_reset"),
    path("staff/users/<int:pk>/deactivate/", staff.user_deactivate, name="staff_user_deactivate"),
    path("staff/users/<int:pk>/reactivate/", staff.user_reactivate, name="staff_user_reactivate"),
]
