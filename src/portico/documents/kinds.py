"""The document kinds Portico knows, with their readable names.

Apps may create documents of any short ``kind`` slug; the ones listed here get a proper label
in the inbox and the mail queue. Prior-authorization letter kinds follow the FAQ's letter
types; ``appeal_decision`` and ``member_letter`` are the types that keep being mailed.
"""

from __future__ import annotations

KINDS: dict[str, str] = {
    "pa_approval": "Approval",
    "pa_expedited": "Expedited/Urgent",
    "pa_adverse_full": "Initial Adverse Determination (full)",
    "pa_adverse_partial": "Initial Adverse Determination (partial)",
    "pa_withdrawal": "Administrative Withdrawal",
    "pa_pend": "Pend",
    "pa_lack_of_info": "Lack of Information",
    "pa_member": "Member letter",
    "appeal_decision": "Appeal decision",
    "member_letter": "Member letter",
}

# Retention of posted documents when the caller gives none: the FAQ's "up to two years
# after the date of creation".
DEFAULT_RETENTION_YEARS = 2


def register_kinds(kinds: dict[str, str]) -> None:
    KINDS.update(kinds)


def kind_label(kind: str) -> str:
    return KINDS.get(kind, kind.replace("_", " ").capitalize())
