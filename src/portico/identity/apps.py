from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "portico.identity"
    label = "identity"
    verbose_name = "Portico ID"

    def ready(self) -> None:
        from portico.core.audit import register_actions
        from portico.identity import oidc, signals

        register_actions(AUDIT_ACTIONS)
        register_actions(oidc.AUDIT_ACTIONS)
        signals.connect()


AUDIT_ACTIONS = {
    "portico.identity.account_created": "Created the account",
    "portico.identity.legal_accepted": "Accepted the Terms of Use and Privacy Policy",
    "portico.identity.email_verified": "Verified the email address",
    "portico.identity.email_changed": "Changed the email address",
    "portico.identity.phone_code_sent": "Sent a phone verification code",
    "portico.identity.phone_code_undelivered": "Phone verification code could not be sent",
    "portico.identity.phone_code_rejected": "Wrong phone code entered",
    "portico.identity.phone_verified": "Verified the phone number",
    "portico.identity.phone_changed": "Changed the phone number",
    "portico.identity.phone_verification_skipped": "Skipped phone verification",
    "portico.identity.signed_in": "Signed in",
    "portico.identity.signed_out": "Signed out",
    "portico.identity.sign_in_failed": "Failed sign-in (wrong password)",
    "portico.identity.sign_in_refused_locked": "Sign-in refused: account locked",
    "portico.identity.account_locked": "Account temporarily locked",
    "portico.identity.account_unlocked": "Account unlocked by staff",
    "portico.identity.session_timed_out": "Signed out after inactivity",
    "portico.identity.session_ended": "Ended a session",
    "portico.identity.mfa_added": "Added a sign-in method",
    "portico.identity.mfa_removed": "Removed a sign-in method",
    "portico.identity.mfa_reset_codes": "Generated new recovery codes",
    "portico.identity.mfa_failed": "Wrong second-factor code",
    "portico.identity.mfa_phone_used": "Signed in with a phone code",
    "portico.identity.mfa_reset": "Sign-in methods reset by staff",
    "portico.identity.password_changed": "Changed the password",
    "portico.identity.password_reset": "Reset the password by email",
    "portico.identity.password_expiry_reminded": "Sent a password expiry reminder",
    "portico.identity.username_changed": "Changed the username",
    "portico.identity.preferences_changed": "Changed preferences",
    "portico.identity.account_deactivated": "Account deactivated by staff",
    "portico.identity.account_reactivated": "Account reactivated by staff",
    "portico.identity.unverified_account_deleted": "Deleted an account never verified",
}
