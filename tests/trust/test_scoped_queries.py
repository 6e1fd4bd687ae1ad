"""Lint: views and APIs never query tenant data directly (issue #9, DESIGN.md §3, §6).

Every ``views.py``, ``views*.py``, ``views/*.py`` and ``api.py`` under ``src/portico`` is
parsed; a ``<Model>.objects`` (or ``_default_manager``/``_base_manager``) expression or a
``get_object_or_404``/``get_list_or_404`` call on a model is a finding. Views must call the
app's selectors (reads scoped to the user's organisations and grants; 404 outside) and
services (writes). Allowed without a selector: models that hold no tenant data
(``NON_TENANT_MODELS``). Existing findings the owning apps still have to move into selectors
are listed in ``KNOWN_FINDINGS`` (file → model names); a finding not listed fails the test,
and ``test_known_findings_are_still_present`` warns about listed ones that were fixed, as a
reminder to shrink the list.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "portico"
MANAGERS = {"objects", "_default_manager", "_base_manager"}
SHORTCUTS = {"get_object_or_404", "get_list_or_404"}

# Models with no organisation- or member-scoped data: reference tables and the dev outbox.
NON_TENANT_MODELS = {
    "OutboxMessage",  # development outbox (dev/test profiles only)
    "Group",  # staff role groups
    "Permission",
    "ContentType",
    "Site",
    "FaqEntry",  # public help-centre content
    "FaqTopic",
    "HealthPlan",  # the payer's plan catalogue
    "ServiceCategory",  # prior-auth service categories
    "IcdCode",
    "CarcCode",
    "RarcCode",
    "PlaceOfService",
    "TaxonomyCode",
}

# Findings present when the check was introduced: the owning apps move these queries into
# selectors (reported to the lead). The user-owned identity records (authenticators, emails,
# sessions, phone checks) are filtered by request.user in the views today.
KNOWN_FINDINGS: dict[str, set[str]] = {
    "claims/views/staff.py": {"Appeal", "Claim", "ClaimAttachment", "ClaimLine"},
    "identity/views/profile.py": {"EmailAddress", "UserSession"},
    "identity/views/staff.py": {"AuditEvent"},
    "identity/views/verification.py": {"PhoneVerification"},
    "referrals/views/portal.py": {"Referral"},
    "support/api.py": {"CustomerUser"},
    "support/views/portal.py": {"Case"},
    "support/views/staff.py": {"Case"},
}


def view_files() -> list[Path]:
    files = set()
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC)
        if "migrations" in rel.parts:
            continue
        if path.name == "api.py" or path.name.startswith("views") or "views" in rel.parts[:-1]:
            files.add(path)
    return sorted(files)


def findings(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in MANAGERS
            and isinstance(node.value, ast.Name)
        ):
            found.add(node.value.id)
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in SHORTCUTS and node.args and isinstance(node.args[0], ast.Name):
                found.add(node.args[0].id)
    return found - NON_TENANT_MODELS


def test_the_check_sees_the_view_modules():
    names = {str(p.relative_to(SRC)) for p in view_files()}
    assert "core/views.py" in names and "support/views/portal.py" in names


def test_the_check_finds_a_direct_query(tmp_path):
    sample = tmp_path / "views.py"
    sample.write_text(
        "def v(request, pk):\n"
        "    a = Claim.objects.filter(pk=pk)\n"
        "    b = get_object_or_404(Member, pk=pk)\n"
        "    c = OutboxMessage.objects.all()\n"
    )
    assert findings(sample) == {"Claim", "Member"}


def test_views_and_apis_do_not_query_tenant_models_directly():
    actual = {
        str(path.relative_to(SRC)): found for path in view_files() if (found := findings(path))
    }
    new = {
        f: sorted(models - KNOWN_FINDINGS.get(f, set()))
        for f, models in actual.items()
        if models - KNOWN_FINDINGS.get(f, set())
    }
    assert not new, (
        "Views/APIs query models directly; call the app's selectors/services instead "
        f"(or, for a model without tenant data, add it to NON_TENANT_MODELS): {new}"
    )


def test_known_findings_are_still_present():
    """Fixed findings are only reported (a warning), so fixing one never breaks the suite."""
    import warnings

    actual = {str(p.relative_to(SRC)): findings(p) for p in view_files()}
    fixed = {
        f: sorted(models - actual.get(f, set()))
        for f, models in KNOWN_FINDINGS.items()
        if models - actual.get(f, set())
    }
    if fixed:
        warnings.warn(f"Fixed: remove from KNOWN_FINDINGS: {fixed}", stacklevel=1)
