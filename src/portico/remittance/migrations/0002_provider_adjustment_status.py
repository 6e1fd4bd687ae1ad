# Provider-level adjustments get a lifecycle (queued → applied | cancelled): the status, and
# who cancelled a queued one, when and why. Existing rows in a payment are applied.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def applied_when_in_a_payment(apps, schema_editor):
    ProviderAdjustment = apps.get_model("remittance", "ProviderAdjustment")
    ProviderAdjustment.objects.filter(payment__isnull=False).update(status="applied")


class Migration(migrations.Migration):
    dependencies = [
        ("remittance", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="provideradjustment",
            name="cancel_reason",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name="provideradjustment",
            name="cancelled_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="provideradjustment",
            name="cancelled_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="provideradjustment",
            name="status",
            field=models.CharField(
                choices=[
                    ("queued", "Waiting for the next run"),
                    ("applied", "Applied in a payment"),
                    ("cancelled", "Cancelled"),
                ],
                default="queued",
                max_length=10,
            ),
        ),
        migrations.RunPython(applied_when_in_a_payment, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="provideradjustment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "applied"), ("payment__isnull", False)),
                    models.Q(
                        models.Q(("status", "applied"), _negated=True), ("payment__isnull", True)
                    ),
                    _connector="OR",
                ),
                name="plb_applied_iff_payment",
            ),
        ),
    ]
