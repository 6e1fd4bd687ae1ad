"""Every write of the support portal, each in one transaction with its audit event.

Split by subject: ``customers`` (customer users and the customer log-in), ``cases`` (cases,
comments, attachments, status, assignment, merge) and ``maintenance`` (scheduled work such as
closing resolved cases). Import from here.
"""

from __future__ import annotations

from portico.support.services._common import (
    CustomerLoginFailed,
    CustomerLoginThrottled,
    SupportError,
)
from portico.support.services.cases import (
    ClaimDetails,
    attachment_download_record,
    case_assign,
    case_attachment_add,
    case_attachments_add,
    case_comment_add,
    case_create,
    case_merge,
    case_reopen,
    case_status_change,
    case_view_record,
)
from portico.support.services.customers import (
    LOGIN_FAILED_MESSAGE,
    customer_login,
    customer_login_throttled,
    customer_user_create,
)
from portico.support.services.maintenance import cases_auto_close

__all__ = [
    "LOGIN_FAILED_MESSAGE",
    "ClaimDetails",
    "CustomerLoginFailed",
    "CustomerLoginThrottled",
    "SupportError",
    "attachment_download_record",
    "case_assign",
    "case_attachment_add",
    "case_attachments_add",
    "case_comment_add",
    "case_create",
    "case_merge",
    "case_reopen",
    "case_status_change",
    "case_view_record",
    "cases_auto_close",
    "customer_login",
    "customer_login_throttled",
    "customer_user_create",
]
