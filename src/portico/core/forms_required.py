"""Fields a submission needs, marked required on the page but not refused by the form.

A form that also saves drafts (a claim, a prior-authorization request) must accept a half-done
draft, and whether a submission is complete is checked by the app's service for every channel
(web, REST, X12), with one message per problem. So the fields a submission needs are
``required`` while the page is rendered — the "*" of ``includes/form_field.html``, the HTML
``required`` attribute (the forms are ``novalidate``) and the note of
``includes/form_errors.html`` — and optional while the form is cleaned::

    class ClaimForm(RequiredToSubmitMixin, forms.Form):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._mark_required()

        def required_to_submit(self) -> list[str]:
            return ["billing_npi", "member_id"]
"""

from __future__ import annotations

from django import forms


class RequiredToSubmitMixin(forms.Form):
    """Mark ``required_to_submit()`` fields required for display; clean them as optional."""

    def required_to_submit(self) -> list[str]:
        return []

    def _mark_required(self) -> None:
        for name in self.required_to_submit():
            self.fields[name].required = True

    def full_clean(self) -> None:
        marked = [self.fields[name] for name in self.required_to_submit() if name in self.fields]
        for field in marked:
            field.required = False
        try:
            super().full_clean()
        finally:
            for field in marked:
                field.required = True
