"""Landing-page texts: configuration, in one place, so a plan can re-word them."""

from __future__ import annotations

from django.conf import settings

PORTAL_CARDS = [
    {"key": "claims", "title": "Claims Online Portal", "tagline": "File appeals • View EOBs"},
    {"key": "patientinfo", "title": "Physician Info Portal", "tagline": "Find patient data"},
    {"key": "referrals", "title": "Referrals Portal", "tagline": "Search • View • Submit"},
]
# The signed-in home lists every application the user can open, each with a line under its
# name: the landing page's taglines, and these for the applications it has no card for.
APPLICATION_TAGLINES = {
    **{card["key"]: card["tagline"] for card in PORTAL_CARDS},
    "priorauth": "Spine • Pain • Joint requests",
    "support": "Open and track support cases",
}

APPLICATION_LINES = [
    {
        "title": "Claims submissions",
        "text": "Claims and attachment submissions, status, and 835 retrieval.",
    },
    {
        "title": "Claims Online Portal",
        "text": "Search, view and submit claims and appeals, and view EOBs.",
    },
    {
        "title": "Physician Info Portal",
        "text": "Patient referral history, diagnoses and filled prescriptions.",
    },
    {"title": "Referrals Portal", "text": "Search, view and submit referrals."},
    {
        "title": "Prior Authorization Portal",
        "text": "Spine, pain and joint prior-authorization requests, status and letters.",
    },
]

# ---------------------------------------------------------------------------
# Access forms. A deployment can replace the region list with settings.PORTICO_PIP_REGIONS
# (a list of (code, label) pairs); the codes are the ones members' regions use.
# ---------------------------------------------------------------------------
DEFAULT_PIP_REGIONS: list[tuple[str, str]] = [
    ("R1", "R1: Pasadena SGV/PA"),
    ("R2", "R2: Los Angeles"),
    ("R3", "R3: South Bay"),
    ("R4", "R4: Long Beach"),
    ("R5", "R5: SFV/Santa Clarita"),
    ("R6", "R6: Talbert ARTA"),
    ("R7", "R7: Riverside"),
    ("SJ", "San Jose"),
    ("MG", "Magan"),
    ("CN", "Portico Care Network"),
]


def pip_regions() -> list[tuple[str, str]]:
    return list(getattr(settings, "PORTICO_PIP_REGIONS", DEFAULT_PIP_REGIONS))


# Words any of which make a title a management position (the form says so, and enforces it):
# the document's examples, the usual owner and executive titles, and the doctor's degrees as
# written after a name ("Jane Roe, DO").
MANAGEMENT_TITLE_WORDS = (
    "administrator",
    "admin",
    "supervisor",
    "manager",
    "mgr",
    "director",
    "doctor",
    "dr",
    "physician",
    "owner",
    "partner",
    "principal",
    "president",
    "executive",
    "chief",
    "officer",
    "ceo",
    "coo",
    "cfo",
    "cmo",
    "md",
    "do",
    "dds",
    "dmd",
    "dpm",
    "od",
    "dc",
)
MANAGEMENT_TITLE_RULE = (
    "The Authorizing Officer must be someone in a management position, such as an "
    "Administrator, Supervisor, Manager, Director or the Doctor."
)
COP_INTRO = (
    "Complete the form and select Submit. Then the Authorizing Officer and the User sign it: "
    "in the browser (you sign your line and we email the other a link to sign theirs), or on "
    "the printed form, which you return to the Service Desk by fax or upload."
)
COP_USER_NOTE = "The “User” is the person who needs access to the Claims Online Portal."
PIP_REFERRALS_NOTE = (
    "This form does not give access to submitting electronic referrals (the Referrals Portal "
    "is granted separately)."
)
PRINT_NOTE = (
    "Please do not print from the browser: after you submit, select “Print Portal Access "
    "Form” and print the PDF."
)
# The request's page, after submission: the same advice, in the present.
PRINT_NOTE_SUBMITTED = (
    "Please do not print from the browser: select “Print Portal Access Form” and print the PDF."
)
HIPAA_TEXT = (
    "Clinicians or designees understand that the use of Health Insurance Portability and "
    "Accountability Act (HIPAA) standards is intended to provide enhanced protections for "
    "individually identifiable health information. Clinicians or designees also understand "
    "they will be expected to comply with these standards and to use, protect, and disclose "
    "information (PHI) only in accordance with the scope of their duties. Unauthorized release "
    "or use of PHI will result in performance improvement action, up to and including "
    "termination of contract."
)
BROWSER_SIGNATURE_ATTESTATION = (
    "I am the person named above. I have reviewed this access form, its information is "
    "correct, and I agree that typing my name here is my electronic signature on it."
)

SUPPORT_ACCESS_NOTE = (
    "Support access lets a direct customer's user open and follow support cases for the "
    "customer whose PFI is named here. Access administrators check the PFI, the User ID and "
    "your name against the customer file before approving; you still enter them at every "
    "customer log in."
)

# The portals a new user can register for from "Sign Me Up" (the document's two, and
# Support for direct customers, whose access is asked for the same way).
REGISTRABLE_PORTALS = [
    {
        "key": "claims",
        "title": "Claims Online Portal",
        "url_name": "connect:access-claims",
        "text": "Submit and track claims and appeals, and view EOBs.",
    },
    {
        "key": "patientinfo",
        "title": "Physician Info Portal",
        "url_name": "connect:access-patientinfo",
        "text": "Find patient referral history, diagnoses and filled prescriptions.",
    },
    {
        "key": "support",
        "title": "Support (direct customers)",
        "url_name": "connect:access-support",
        "text": "Open and follow support cases for your company (PFI and ZCS User ID).",
    },
]
