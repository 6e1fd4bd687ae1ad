"""Every write of the prior-authorization portal (see the modules for the details)."""

from portico.priorauth.services.common import (
    PriorAuthError,
    StaleRequest,
    plan_settings,
    priorauth_record_file_download,
    priorauth_record_list,
    priorauth_record_view,
)
from portico.priorauth.services.legacy import (
    LegacyImportError,
    legacy_case_record_view,
    legacy_cases_import,
    legacy_cases_record_list,
)
from portico.priorauth.services.requests import (
    LineInput,
    PossibleDuplicate,
    RequestInput,
    RequestInvalid,
    priorauth_attach,
    priorauth_draft_delete,
    priorauth_draft_save,
    priorauth_organization_ids,
    priorauth_required_check,
    priorauth_respond,
    priorauth_submit,
)
from portico.priorauth.services.review import (
    LineDecisionInput,
    priorauth_assign,
    priorauth_decide,
    priorauth_pend,
    priorauth_send_back,
    priorauth_start_review,
    priorauth_withdraw,
)

__all__ = [
    "LegacyImportError",
    "LineDecisionInput",
    "LineInput",
    "PossibleDuplicate",
    "PriorAuthError",
    "RequestInput",
    "RequestInvalid",
    "StaleRequest",
    "legacy_case_record_view",
    "legacy_cases_import",
    "legacy_cases_record_list",
    "plan_settings",
    "priorauth_assign",
    "priorauth_attach",
    "priorauth_decide",
    "priorauth_draft_delete",
    "priorauth_draft_save",
    "priorauth_organization_ids",
    "priorauth_pend",
    "priorauth_record_file_download",
    "priorauth_record_list",
    "priorauth_record_view",
    "priorauth_required_check",
    "priorauth_respond",
    "priorauth_send_back",
    "priorauth_start_review",
    "priorauth_submit",
    "priorauth_withdraw",
]
