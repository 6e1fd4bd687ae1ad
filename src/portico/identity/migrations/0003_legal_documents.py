"""Publish version 1.0 of the Terms of Use and the Website Privacy Policy (demo text)."""

from django.db import migrations
from django.utils import timezone

from portico.identity.legal_texts import PRIVACY, TERMS

def publish(apps, schema_editor):
    LegalDocument = apps.get_model("identity", "LegalDocument")
    now = timezone.now()
    LegalDocument.objects.get_or_create(
        kind="terms", version="1.0",
        defaults={"title": "Terms of Use", "body": TERMS, "published_at": now},
    )
    LegalDocument.objects.get_or_create(
        kind="privacy", version="1.0",
        defaults={"title": "Website Privacy Policy", "body": PRIVACY, "published_at": now},
    )


class Migration(migrations.Migration):
    dependencies = [("identity", "0002_portico_id")]
    operations = [migrations.RunPython(publish, migrations.RunPython.noop)]
