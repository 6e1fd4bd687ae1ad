"""The 277CA moves from a text column to a file in storage (it grows with the file's claims).

Existing acknowledgments are written to storage here; 0006 drops the column (a separate
migration: PostgreSQL cannot alter a table with the rows' pending trigger events of the same
transaction). Going back reads them into the column again.
"""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import migrations, models


def to_storage(apps, schema_editor):
    files = apps.get_model("claims", "ClaimSubmissionFile")
    for item in files.objects.exclude(ack_277ca="").only("pk", "ack_277ca").iterator():
        key = default_storage.save(
            f"claims/acks/migrated/file-{item.pk}.277ca.x12",
            ContentFile(item.ack_277ca.encode("utf-8")),
        )
        files.objects.filter(pk=item.pk).update(ack_277ca_key=key)


def to_column(apps, schema_editor):
    files = apps.get_model("claims", "ClaimSubmissionFile")
    for item in files.objects.exclude(ack_277ca_key="").only("pk", "ack_277ca_key").iterator():
        with default_storage.open(item.ack_277ca_key, "rb") as stream:
            text = stream.read().decode("utf-8")
        files.objects.filter(pk=item.pk).update(ack_277ca=text)


class Migration(migrations.Migration):
    dependencies = [("claims", "0004_search_indexes_by_tin")]

    operations = [
        migrations.AddField(
            model_name="claimsubmissionfile",
            name="ack_277ca_key",
            field=models.CharField(blank=True, max_length=255, verbose_name="277CA file"),
        ),
        migrations.RunPython(to_storage, to_column),
    ]
