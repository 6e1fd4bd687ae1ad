from django.db import migrations

from portico.priorauth.categories import STANDARD_CATEGORIES


def load(apps, schema_editor):
    ServiceCategory = apps.get_model("priorauth", "ServiceCategory")
    for item in STANDARD_CATEGORIES:
        ServiceCategory.objects.update_or_create(
            code=item["code"],
            defaults={"name": item["name"], "order": item["order"], "questions": item["questions"]},
        )


class Migration(migrations.Migration):
    dependencies = [("priorauth", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
