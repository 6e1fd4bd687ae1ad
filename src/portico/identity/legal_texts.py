"""Version 1.0 of the Terms of Use and the Website Privacy Policy: neutral demo text.

Published by migration 0003; a deployment publishes its own versions (LegalDocument).
"""

VERSION = "1.0"

TERMS = "\n\n".join(
    [
        "This is demonstration text for a provider portal built with Portico. It is not a "
        "legal agreement, and the operator of a real deployment replaces it with its own "
        "Terms of Use.",
        "Your Portico ID is for you alone. Do not share your username, password, passkey or "
        "sign-in codes with anyone, including other people in your practice. Each person who "
        "works in the portal needs their own account.",
        "Use the portal only for the business of your practice: submitting and following "
        "claims, prior authorizations, referrals and support cases, and looking up "
        "information about patients you treat.",
        "Information about patients is protected health information. Use and disclose it only "
        "as your duties require and as the law allows. Activity in the portal is recorded.",
        "The operator may suspend an account that is misused, and may change these terms; "
        "when they change, you will be asked to accept the new version.",
    ]
)

PRIVACY = "\n\n".join(
    [
        "This is demonstration text for a provider portal built with Portico. It is not a "
        "privacy notice, and the operator of a real deployment replaces it with its own "
        "Website Privacy Policy.",
        "When you create a Portico ID we collect your name, year of birth, email address, "
        "phone number and username. We use them to identify you, to verify your email and "
        "phone, to send you sign-in codes and security notices, and to let support staff help "
        "you.",
        "We record sign-ins, changes to your account and the pages of the portal that show "
        "patient information, with the time and the network address they came from. These "
        "records protect patients and you, and are kept as the law requires.",
        "We do not sell your information and do not use it for advertising. Cookies are used "
        "only to keep you signed in and to remember your preferences.",
        "You can see your recent account activity and change your details in My Profile.",
    ]
)
