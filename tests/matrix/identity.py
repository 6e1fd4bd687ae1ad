"""Portico ID: allauth's account/MFA/session URLs and Portico's own ``identity:*`` pages.

What a browser GET gets, for each persona signed in with an MFA-verified session.
"""

from tests.matrix import ANON, SIGNED_IN, Route

STAFF_ADMINS = {"access_admin": 200, "support_agent": 200, "superuser": 200}
OTHER_STAFF = {"claims_examiner": 403, "um_reviewer": 403}
SIGNED_IN_ONLY = Route(expect={ANON: 302})
ANON_ONLY = Route(expect=dict.fromkeys(SIGNED_IN, 302))


def _staff_page(**kwargs: object) -> Route:
    """Staff pages: sign-in first; 404 for non-staff; 403 for staff without the role."""
    return Route(expect={ANON: 302, **STAFF_ADMINS, **OTHER_STAFF}, default=404, **kwargs)  # type: ignore[arg-type]


def _staff_post(**kwargs: object) -> Route:
    """POST-only staff actions: the permission check comes first, then the method."""
    return Route(
        expect={
            ANON: 302,
            "access_admin": 405,
            "support_agent": 405,
            "superuser": 405,
            **OTHER_STAFF,
        },
        default=404,
        **kwargs,  # type: ignore[arg-type]
    )


def _pk(world: object) -> dict[str, int]:
    return {"pk": world.users["billing_clerk"].pk}  # type: ignore[attr-defined]


ROUTES = {
    # --- allauth: entrance ----------------------------------------------------------
    "account_login": ANON_ONLY,
    "account_signup": ANON_ONLY,
    # The sign-out confirmation page; anonymous visitors are sent home.
    "account_logout": Route(expect={ANON: 302}),
    "account_inactive": Route(),
    # No verification in progress: anonymous → sign-in, signed in → email page.
    "account_email_verification_sent": Route(default=302),
    # Login by code is off: with no code pending the page sends everyone to sign-in.
    "account_confirm_login_code": Route(default=302),
    "account_reset_password": Route(),
    "account_reset_password_done": Route(),
    "account_reset_password_from_key_done": Route(),
    # A made-up key: the page explains the link does not work.
    "account_reset_password_from_key": Route(kwargs=lambda w: {"uidb36": "zz", "key": "bad-key"}),
    # --- allauth: signed-in account pages ---------------------------------------------
    "account_email": SIGNED_IN_ONLY,
    "account_change_password": SIGNED_IN_ONLY,
    # Every persona has a password, so "set password" sends them to "change password".
    "account_set_password": Route(default=302),
    "account_reauthenticate": SIGNED_IN_ONLY,
    "usersessions_list": SIGNED_IN_ONLY,
    # --- allauth MFA ------------------------------------------------------------------
    "mfa_index": SIGNED_IN_ONLY,
    # Only during a sign-in that awaits its second step.
    "mfa_authenticate": Route(default=302),
    # Personas have no passkey or authenticator app to re-authenticate with: sent back.
    "mfa_reauthenticate": Route(default=302),
    # Personas have no recovery codes / TOTP yet: nothing to show (404).
    "mfa_view_recovery_codes": Route(expect={ANON: 302}, default=404),
    "mfa_download_recovery_codes": Route(expect={ANON: 302}, default=404),
    # The "generate new codes" form (its POST refuses while there is no first factor).
    "mfa_generate_recovery_codes": SIGNED_IN_ONLY,
    # A fresh sign-in counts as re-authentication (AccountAdapter), so set-up opens.
    "mfa_activate_totp": Route(expect={ANON: 302}),
    "mfa_deactivate_totp": Route(expect={ANON: 302}, default=404),
    "mfa_list_webauthn": SIGNED_IN_ONLY,
    "mfa_add_webauthn": SIGNED_IN_ONLY,
    "mfa_edit_webauthn": Route(expect={ANON: 302}, default=404, kwargs=lambda w: {"pk": 999999}),
    "mfa_remove_webauthn": Route(expect={ANON: 302}, default=404, kwargs=lambda w: {"pk": 999999}),
    # Passkey sign-in: its JSON options are fetched by script (Accept: application/json);
    # a plain browser GET is sent to the sign-in page.
    "mfa_login_webauthn": Route(default=302),
    "mfa_reauthenticate_webauthn": Route(default=302),
    # --- Portico ID: public pages -------------------------------------------------------
    "identity:terms": Route(),
    "identity:privacy": Route(),
    "identity:forgot_username": Route(),
    # A made-up token: "this link does not work".
    # allauth's activation-code path, Portico's view: no verification in progress → away.
    "identity:email_code": Route(default=302),
    "identity:verify_email_link": Route(default=400, kwargs=lambda w: {"token": "not-a-token"}),
    # The provider's webhook is POST-only (and signed).
    "identity:voice_webhook": Route(default=405, kwargs=lambda w: {"call_ref": "none"}),
    # --- Portico ID: phone verification and factor ----------------------------------------
    "identity:verify_phone": SIGNED_IN_ONLY,
    # No call in progress: nothing to report (204).
    "identity:verify_phone_status": Route(default=204),
    "identity:update_phone": SIGNED_IN_ONLY,
    # Personas have no phone factor: nothing to do here, back to sign-in.
    "identity:mfa_phone": Route(default=302),
    "identity:mfa_phone_status": Route(default=204),
    # allauth's "remove passkey" path, Portico's view (the last method stays): no such passkey.
    "identity:remove_passkey": Route(
        expect={ANON: 302}, default=404, kwargs=lambda w: {"pk": 999999}
    ),
    "identity:mfa_phone_enable": Route(expect={ANON: 302}, default=405),
    "identity:mfa_phone_disable": Route(expect={ANON: 302}, default=405),
    # --- Portico ID: MFA set-up and verification --------------------------------------------
    "identity:mfa_setup": SIGNED_IN_ONLY,
    # Personas have no factor: "Continue" returns them to set-up (MFA is required).
    "identity:mfa_done": Route(default=302),
    # Their sessions are MFA-verified already: straight on.
    "identity:mfa_verify": Route(default=302),
    # --- Portico ID: My Profile and the session -------------------------------------------
    "identity:profile": SIGNED_IN_ONLY,
    # allauth's "change password" path, Portico's view (too many attempts answered on the page).
    "identity:password_change": SIGNED_IN_ONLY,
    # allauth's "set password" path, Portico's view: personas have a password, so it sends
    # them on to "change password", as allauth's does.
    "identity:password_set": Route(default=302),
    "identity:profile_username": Route(expect={ANON: 302}, default=405),
    "identity:profile_preferences": Route(expect={ANON: 302}, default=405),
    "identity:session_status": Route(expect={ANON: 401}),
    "identity:session_extend": Route(default=405),
    # --- Portico ID: staff back office -----------------------------------------------------
    "identity:staff_users": _staff_page(),
    "identity:staff_user": _staff_page(kwargs=_pk),
    "identity:staff_user_unlock": _staff_post(kwargs=_pk),
    "identity:staff_user_lock": _staff_post(kwargs=_pk),
    "identity:staff_user_mfa_reset": _staff_post(kwargs=_pk),
    "identity:staff_user_deactivate": _staff_post(kwargs=_pk),
    "identity:staff_user_reactivate": _staff_post(kwargs=_pk),
}
