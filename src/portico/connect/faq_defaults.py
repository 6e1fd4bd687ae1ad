"""The Help Center's default questions and answers (loaded by data migrations).

Neutral wording; contact details are placeholders filled from settings.PORTICO_BRAND (see
``portico.connect.models.PLACEHOLDER_HELP``), and the health plans' own numbers are listed
on the Contact us page. Each entry is (question, answer, slug); pages link to an answer by
its slug (``/help/?entry=<slug>``).

``PREVIOUS`` keeps the earlier wording of every default that changed, so that migration 0003
updates an answer only where nobody has edited it since (``connect/migrations``).
"""

from __future__ import annotations

TOPICS: list[tuple[str, str, list[tuple[str, str, str]]]] = [
    (
        "signing-in",
        "Signing in and your {idp_name}",
        [
            (
                "What if I do not receive my {idp_name} access code by text or call?",
                "Make sure your phone carrier is not blocking automated text messages or calls "
                "from {code_sender_numbers}, then ask for a new code.\n\n"
                "If the code still does not arrive, contact {idp_name} support at "
                "{idp_support_phone} ({idp_support_hours}).",
                "access-code",
            ),
            (
                "What email address should I use?",
                "If you used the previous portal, create your {idp_name} with the same email "
                "address you used there. {site_name} then offers to link your old username, "
                "with your details filled in.\n\n"
                "Every account needs its own email address.",
                "which-email",
            ),
            (
                "Why do I need a phone, an authenticator app or a passkey?",
                "To protect patient information, signing in takes a second step. Email is not "
                "accepted as that step: set up a text/voice phone number, an authenticator app "
                "or a passkey on your {idp_name} profile.",
                "second-step",
            ),
            (
                "How do I set up a passkey?",
                "A passkey signs you in with your device's screen lock (fingerprint, face or "
                "PIN): no password and no code to type. It stays on your computer, phone or "
                "security key and only works on {site_name}.\n\n"
                "1. Sign in and open My Profile, then Sign-in methods (right after creating "
                "your {idp_name} you are on the “Switch to faster and more secure sign-in "
                "methods” step already).\n\n"
                "2. Under Passkey select Setup, then Create passkey.\n\n"
                "3. Your browser asks where to save the passkey and for your screen lock. "
                "Confirm.\n\n"
                "4. Save the recovery codes shown (print them or keep them in a safe place): "
                "they let you in if you lose the device.\n\n"
                "Next time, select “Sign in with a passkey” on the sign-in page.",
                "passkey-guide",
            ),
            (
                "How do I set up an authenticator app?",
                "An authenticator app (for example Microsoft Authenticator or Google "
                "Authenticator) on your phone shows a new 6-digit code every 30 seconds.\n\n"
                "1. Install the app on your phone from its app store.\n\n"
                "2. Sign in and open My Profile, then Sign-in methods (or stay on the “Switch "
                "to faster and more secure sign-in methods” step after creating your "
                "{idp_name}). Under Authenticator select Setup.\n\n"
                "3. In the app, add an account and scan the QR code shown (or type the secret "
                "printed under it).\n\n"
                "4. Type the code the app shows into Authenticator code and select Activate. "
                "Save the recovery codes offered.\n\n"
                "Next time, after your password, type the code the app shows.",
                "authenticator-guide",
            ),
            (
                "How often do I need to update my password?",
                "Under the default password policy your password must be changed every 180 "
                "days; you will be asked when it is due.\n\n"
                "A password has 8 to 24 characters and at least three of these four kinds: "
                "uppercase letters, lowercase letters, numbers and special characters.",
                "password-renewal",
            ),
        ],
    ),
    (
        "accounts",
        "Accounts and access",
        [
            (
                "How do I get access to the portals?",
                "On the home page select Sign Me Up, sign in with your {idp_name} (or create "
                "one), choose the portal and complete its access form. Then everyone the form "
                "names signs it: in the browser (you sign your line and the others get an email "
                "link to sign theirs), or on the printed form, which you upload or fax to the "
                "Service Desk at {service_desk_fax}. You are emailed at each step, and the home "
                "page shows your request's status.",
                "get-access",
            ),
            (
                "How do I complete the Claims Online Portal access form?",
                "Request type: New Request for a first account; Update Existing Account, Add "
                "Tax ID, Deactivate Account or Reactivate Account for an existing one.\n\n"
                "Organization: the practice or group's name, address, phone and front office "
                "email, and every Billing Provider TIN the user works for, each with its dashes "
                "(12-3456789), separated by commas.\n\n"
                "Authorizing Officer: someone in a management position at the practice (an "
                "administrator, supervisor, manager, director, owner or the doctor) who "
                "approves this access and signs the form.\n\n"
                "User: the person who needs access, with their own email address, their title, "
                "and whether they may submit claims online. The Login user ID is filled in "
                "with your {idp_name} username.\n\n"
                "Select Submit, then Print Portal Access Form: both the Authorizing Officer and "
                "the User sign the printed form. Return it by uploading the signed PDF, or by "
                "fax to the Service Desk at {service_desk_fax}.",
                "claims-access-form",
            ),
            (
                "What if I have a shared account?",
                "Every person must have their own login. Shared accounts are not allowed: the "
                "second sign-in step is tied to one person's phone or device. Your practice "
                "administrator can invite each colleague to the practice.",
                "shared-accounts",
            ),
            (
                "Is there a limit to the number of accounts our office can have?",
                "No. A practice or group can have as many accounts as it needs, but each "
                "account needs a different email address.",
                "account-limit",
            ),
            (
                "Can I still return the signed access form by fax?",
                "Yes. Fax the signed form to the Service Desk at {service_desk_fax}. Uploading "
                "the signed form or signing in your browser is faster.",
                "fax-access-form",
            ),
        ],
    ),
    (
        "providers",
        "Providers",
        [
            (
                "How do I connect a provider to my account?",
                "Practice administrators open Manage Providers and add the provider by NPI or "
                "by the health plan's Provider ID. If you have trouble, use the Contact us "
                "link at the bottom of every page.",
                "connect-provider",
            ),
            (
                "The portal asks for a Provider ID and password. Where do I find them?",
                "The health plan issues the Provider ID and password. If you do not have them, "
                "contact the plan's provider services (numbers on the Contact us page) or "
                "email {support_email}. You can also connect without the password: an access "
                "administrator then reviews the request.",
                "provider-id",
            ),
            (
                "What if my provider is not listed?",
                "Providers come from the provider file each health plan sends. Contact the "
                "help desk; you may also need to ask the health plan to update its records so "
                "that the provider is on the next file it sends.",
                "provider-not-listed",
            ),
        ],
    ),
    (
        "authorizations-and-letters",
        "Prior authorizations and letters",
        [
            (
                "My prior authorization request still says “Received”. Who should I call?",
                "“Received” means the request is being reviewed; allow time for processing. "
                "The status updates as soon as it changes: Received, In Review, Approved, "
                "Partially Approved, Denied, Submission not required or Send back. To speak "
                "to someone, call the health plan's provider services: the number is on the "
                "request's page, on the prior authorization home page and on the Contact us "
                "page.",
                "status-received",
            ),
            (
                "How do I receive determination letters?",
                "Determination and non-determination letters are posted to the portal as soon "
                "as a decision is made, instead of being mailed; you can view and download "
                "them for two years.\n\n"
                "Letters posted to the portal: approvals, expedited/urgent, initial adverse "
                "determinations (full and partial), administrative withdrawals, pends and lack "
                "of information.\n\n"
                "Appeal letters and member letters are still mailed.",
                "letters",
            ),
            (
                "Can I choose paper letters instead?",
                "No. Determination and non-determination letters are posted to the portal "
                "only; there is no opt-out.",
                "paper-letters",
            ),
            (
                "Are there address or fax number changes?",
                "Each health plan's address for letters and its fax number for prior "
                "authorization requests are listed on the prior authorization home page; the "
                "plans' numbers are also on the Contact us page.",
                "address-and-fax",
            ),
        ],
    ),
    (
        "what-is-changing",
        "What is changing",
        [
            (
                "What changes when a health plan moves to {site_name}?",
                "From the plan's cut-over date, its providers submit prior authorization "
                "requests in {site_name} instead of the previous portal. The prior "
                "authorization home page gives each plan's date.\n\n"
                "The previous portal stays available to check the status of cases submitted "
                "there before that date; {site_name} shows them too, marked as legacy.\n\n"
                "You sign in with your {idp_name}. Email is no longer accepted as the second "
                "sign-in step: set up a phone, an authenticator app or a passkey before the "
                "date.\n\n"
                "Determination and non-determination letters are posted in {site_name} "
                "instead of being mailed.",
                "what-is-changing",
            ),
        ],
    ),
    (
        "what-is-not-changing",
        "What is not changing",
        [
            (
                "What stays the same when a health plan moves to {site_name}?",
                "Prior authorization requirements, clinical criteria and the services that "
                "need authorization; how to check whether authorization is needed (the "
                "member's benefits); covered services and benefits; network participation and "
                "contracting; and your existing provider contacts and escalation paths.",
                "what-is-not-changing",
            ),
        ],
    ),
    (
        "getting-help",
        "Getting help",
        [
            (
                "Where can I get more help?",
                "For sign-in or {idp_name} questions call {idp_support_phone} "
                "({idp_support_hours}). For the portal, call {support_phone} ({support_hours}) "
                "or email {support_email}.\n\n"
                "For other questions contact your network account manager or the health "
                "plan's provider services; their numbers are on the Contact us page.",
                "more-help",
            ),
        ],
    ),
]

# Defaults added after the first release: migration 0003 adds them to a Help Center loaded
# before (it never re-adds a first-release answer that administrators deleted).
ADDED = {
    "passkey-guide",
    "authenticator-guide",
    "claims-access-form",
    "address-and-fax",
    "what-is-changing",
}

# Question (as now) → (question, answer) as migration 0002 loaded them, for every default
# whose wording has changed since.
PREVIOUS: dict[str, tuple[str, str]] = {
    "How do I get access to the portals?": (
        "How do I get access to the portals?",
        "On the home page select Sign Me Up, sign in with your {idp_name} (or create "
        "one), choose the portal and complete its access form. Then sign the form: "
        "upload the signed PDF, sign it in your browser, or fax it to the Service Desk "
        "at {service_desk_fax}. You are emailed at each step, and the home page shows "
        "your request's status.",
    ),
    "What if I do not receive my {idp_name} access code by text or call?": (
        "What if I do not receive my {idp_name} access code by text or call?",
        "Make sure your phone carrier is not blocking automated text messages or calls "
        "from short codes and toll-free numbers, then ask for a new code.\n\n"
        "If the code still does not arrive, contact {idp_name} support at "
        "{idp_support_phone} ({support_hours}).",
    ),
    "My prior authorization request still says “Received”. Who should I call?": (
        "My prior authorization request still says “Received”. Who should I call?",
        "“Received” means the request is being reviewed; allow time for processing. "
        "The status updates as soon as it changes: Received, In Review, Approved, "
        "Partially Approved, Denied, Submission not required or Send back. To speak "
        "to someone, call {support_phone}.",
    ),
    "How do I receive determination letters?": (
        "How do I receive determination letters?",
        "Determination and non-determination letters are posted to the portal as soon "
        "as a decision is made; you can view and download them for two years. "
        "Appeal letters and member letters are still mailed.",
    ),
    "Where can I get more help?": (
        "Where can I get more help?",
        "For sign-in or {idp_name} questions call {idp_support_phone}. For the portal, "
        "call {support_phone} ({support_hours}) or email {support_email}.\n\n"
        "For other questions contact your network account manager or the health "
        "plan's provider services; their numbers are on the Contact us page.",
    ),
}
