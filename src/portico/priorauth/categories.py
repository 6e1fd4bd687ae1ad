"""The standard service categories and their clinical questions (loaded by migration 0002;
plans may edit them in the admin)."""

from __future__ import annotations

from typing import Any

CONSERVATIVE = [
    {
        "key": "conservative_therapy",
        "text": "Has conservative therapy (physical therapy, "
        "medication, activity modification) been tried?",
        "kind": "yesno",
        "required": True,
    },
    {
        "key": "conservative_weeks",
        "text": "For how many weeks?",
        "kind": "number",
        "required": False,
    },
    {
        "key": "imaging",
        "text": "Imaging done (type and date) and findings",
        "kind": "text",
        "required": True,
    },
]

STANDARD_CATEGORIES: list[dict[str, Any]] = [
    {
        "code": "spine-surgery",
        "name": "Spine surgery",
        "order": 1,
        "questions": [
            *CONSERVATIVE,
            {
                "key": "neuro_deficit",
                "text": "Is there a progressive neurological deficit?",
                "kind": "yesno",
                "required": True,
            },
        ],
    },
    {
        "code": "pain-management",
        "name": "Interventional pain management",
        "order": 2,
        "questions": [
            *CONSERVATIVE,
            {
                "key": "prior_injections",
                "text": "Prior injections at this level (dates and % relief)",
                "kind": "text",
                "required": False,
            },
        ],
    },
    {
        "code": "joint-surgery",
        "name": "Joint surgery",
        "order": 3,
        "questions": [
            *CONSERVATIVE,
            {
                "key": "function_limits",
                "text": "Functional limitations (activities of daily living)",
                "kind": "text",
                "required": True,
            },
        ],
    },
]
