"""The Help Center's default questions and answers (loaded by a data migration).

Neutral wording; contact details are placeholders filled from settings.PORTICO_BRAND (see
``portico.connect.models.PLACEHOLDER_HELP``), and the health plans' own numbers are listed
on the Contact us page.
"""

from __future__ import annotations

TOPICS: list[tuple[str, str, list[tuple[str, str]]]] = [
    (
        "signing-in",
        "Signing in and your {idp_name}",
        [
            (
                "What if I do not receive my {idp_name} access code by text or call?",
                "Make sure your phone carrier is not blocking automated text messages or calls "
                "from short codes and toll-free numbers, then ask for a new code.\n\n"
                "If the code still does not arrive, contact {idp_name} support at "
                "{idp_support_phone} ({support_hours}).",
            ),
            (
                "What email address should I use?",
                "If you used the previous portal, create your {idp_name} with the same email "
                "address you used there. {site_name} then offers to link your old username, "
                "with your details filled in.\n\n"
                "Every account needs its own email address.",
            ),
            (
                "Why do I need a phone, an authenticator app or a passkey?",
                "To protect patient information, signing in takes a second step. Email is not "
                "accepted as that step: set up a text/voice phone number, an authenticator app "
                "or a passkey on your {idp_name} profile.",
            ),
            (
                "How often do I need to update my password?",
                "Under the default password policy your password must be changed every 180 "
                "days; you will be asked when it is due.\n\n"
                "A password has 8 to 24 characters and at least three of these four kinds: "
                "uppercase letters, lowercase letters, numbers and special characters.",
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
                "one), choose the portal and complete its access form. Then sign the form: "
                "upload the signed PDF, sign it in your browser, or fax it to the Service Desk "
                "at {service_desk_fax}. You are emailed at each step, and the home page shows "
                "your request's status.",
            ),
            (
                "What if I have a shared account?",
                "Every person must have their own login. Shared accounts are not allowed: the "
                "second sign-in step is tied to one person's phone or device. Your practice "
                "administrator can invite each colleague to the practice.",
            ),
            (
                "Is there a limit to the number of accounts our office can have?",
                "No. A practice or group can have as many accounts as it needs, but each "
                "account needs a different email address.",
            ),
            (
                "Can I still return the signed access form by fax?",
                "Yes. Fax the signed form to the Service Desk at {service_desk_fax}. Uploading "
                "the signed form or signing in your browser is faster.",
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
            ),
            (
                "The portal asks for a Provider ID and password. Where do I find them?",
                "The health plan issues the Provider ID and password. If you do not have them, "
                "contact the plan's provider services (numbers on the Contact us page) or "
                "email {support_email}. You can also connect without the password: an access "
                "administrator then reviews the request.",
            ),
            (
                "What if my provider is not listed?",
                "Providers come from the provider file each health plan sends. Contact the "
                "help desk; you may also need to ask the health plan to update its records so "
                "that the provider is on the next file it sends.",
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
                "to someone, call {support_phone}.",
            ),
            (
                "How do I receive determination letters?",
                "Determination and non-determination letters are posted to the portal as soon "
                "as a decision is made; you can view and download them for two years. "
                "Appeal letters and member letters are still mailed.",
            ),
            (
                "Can I choose paper letters instead?",
                "No. Determination and non-determination letters are posted to the portal "
                "only; there is no opt-out.",
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
            ),
        ],
    ),
    (
        "getting-help",
        "Getting help",
        [
            (
                "Where can I get more help?",
                "For sign-in or {idp_name} questions call {idp_support_phone}. For the portal, "
                "call {support_phone} ({support_hours}) or email {support_email}.\n\n"
                "For other questions contact your network account manager or the health "
                "plan's provider services; their numbers are on the Contact us page.",
            ),
        ],
    ),
]
