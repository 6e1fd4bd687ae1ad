"""A GiST index on the service period, on PostgreSQL only.

The claim search orders newest-submitted first; with a narrow date-of-service window the
B-tree plans walk every claim submitted after the window (the planner treats the two date
bounds as independent). A range index answers "service period overlaps the window" directly
and ANALYZE keeps statistics on the expression, so the planner picks it for narrow windows
and the newest-first index for wide ones. SQLite has no range type and keeps ``claim_dos``.
See docs/decisions/0011-claim-service-period-index.md.
"""

from django.db import migrations

INDEX = "claim_dos_period"
CREATE = (
    f"CREATE INDEX IF NOT EXISTS {INDEX} ON claims_claim USING gist "
    "(daterange(service_date_from, service_date_to, '[]')) "
    "WHERE service_date_from IS NOT NULL AND service_date_to IS NOT NULL"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("claims", "0003_patient_name_ci_index")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
