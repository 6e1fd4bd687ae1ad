"""Email backend of the embedded profile: every message lands in the development outbox."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend

from portico.core.models import OutboxMessage


class OutboxEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        rows = []
        for message in email_messages:
            html = ""
            if isinstance(message, EmailMultiAlternatives):
                for content, mimetype in message.alternatives:
                    if mimetype == "text/html":
                        html = str(content)
            for recipient in message.recipients():
                rows.append(
                    OutboxMessage(
                        channel=OutboxMessage.Channel.EMAIL,
                        to=recipient,
                        subject=str(message.subject),
                        body=str(message.body),
                        html_body=html,
                        metadata={"from": message.from_email},
                    )
                )
        OutboxMessage.objects.bulk_create(rows)
        return len(email_messages)
