"""Drop indexes that a wider index already serves, or no query uses (each cost every claim
insert): the claim's ``created_at`` is never searched or sorted on (``submitted_at`` is).

The foreign keys' own indexes go by plain DROP INDEX: altering the fields would make SQLite
copy the whole claim, line and diagnosis tables. The state still records ``db_index=False``.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

# (table, column, the index Django named for the foreign key)
_FK_INDEXES = [
    ("claims_claim", "member_id", "claims_claim_member_id_506dd843"),
    ("claims_claim", "organization_id", "claims_claim_organization_id_a2b4003c"),
    ("claims_claim", "created_at", "claims_claim_created_at_fc5da0c9"),
    ("claims_claimdiagnosis", "claim_id", "claims_claimdiagnosis_claim_id_fe958df7"),
    ("claims_claimline", "claim_id", "claims_claimline_claim_id_bc37483f"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0006_remove_ack_277ca_column"),
        ("members", "0002_member_name_dob_index"),
        ("organizations", "0004_access_request_support"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="claim", name="claim_member_id"),
        migrations.RemoveIndex(model_name="claim", name="claim_pan"),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "{table}" ("{column}")',
                )
                for table, column, name in _FK_INDEXES
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="claim",
                    name="created_at",
                    field=models.DateTimeField(
                        default=django.utils.timezone.now, editable=False
                    ),
                ),
                migrations.AlterField(
                    model_name="claim",
                    name="member",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="claims",
                        to="members.member",
                    ),
                ),
                migrations.AlterField(
                    model_name="claim",
                    name="organization",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="claims",
                        to="organizations.organization",
                    ),
                ),
                migrations.AlterField(
                    model_name="claimdiagnosis",
                    name="claim",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="diagnoses",
                        to="claims.claim",
                    ),
                ),
                migrations.AlterField(
                    model_name="claimline",
                    name="claim",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="lines",
                        to="claims.claim",
                    ),
                ),
            ],
        ),
    ]
