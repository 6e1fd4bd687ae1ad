"""Help Center content: questions and answers grouped by topic, maintained by staff."""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

from django.db import models

from portico.core.models import TimeStampedModel

PLACEHOLDER_HELP = (
    "Write contact details as placeholders so they follow the configuration: {site_name}, "
    "{idp_name}, {support_phone}, {support_hours}, {support_email}, {service_desk_fax}, "
    "{idp_support_phone}, {idp_support_hours}, {code_sender_numbers}, {organization_name}."
)


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class FaqTopic(TimeStampedModel):
    title = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "title"]
        verbose_name = "help topic"

    def __str__(self) -> str:
        return self.title


class FaqEntry(TimeStampedModel):
    topic = models.ForeignKey(FaqTopic, on_delete=models.CASCADE, related_name="entries")
    slug = models.SlugField(
        max_length=60,
        blank=True,
        help_text="Optional. Pages link to this answer by it (for example the passkey guide "
        "on the sign-in methods step): keep it when rewording the answer.",
    )
    question = models.CharField(max_length=250)
    answer = models.TextField(
        help_text="Plain text; blank lines start new paragraphs. " + PLACEHOLDER_HELP
    )
    position = models.PositiveSmallIntegerField(default=0)
    is_published = models.BooleanField(default=True)

    class Meta:
        ordering = ["topic__position", "position", "id"]
        verbose_name = "question and answer"
        verbose_name_plural = "questions and answers"
        constraints = [
            models.UniqueConstraint(
                fields=["slug"], condition=~models.Q(slug=""), name="connect_faqentry_slug_unique"
            )
        ]

    def __str__(self) -> str:
        return self.question

    def render(self, text: str, values: Mapping[str, Any]) -> str:
        """``text`` with its {placeholders} filled; unknown ones are left as written."""
        try:
            return string.Formatter().vformat(text, (), _Blank(values))
        except (ValueError, IndexError):
            return text

    def paragraphs(self, values: Mapping[str, Any]) -> list[str]:
        answer = self.render(self.answer, values)
        return [p.strip() for p in answer.split("\n\n") if p.strip()]
