"""Grant ``core.view_auditevent`` to the compliance staff group.

The group is ``StaffRole.COMPLIANCE`` ("compliance") of portico.identity.roles; core sits
below identity in the layers, so the name is written here as a string.
"""

from django.db import migrations

COMPLIANCE_GROUP = "compliance"


def grant(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    content_type, _ = ContentType.objects.get_or_create(app_label="core", model="auditevent")
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type,
        codename="view_auditevent",
        defaults={"name": "Can view audit event"},
    )
    group, _ = Group.objects.get_or_create(name=COMPLIANCE_GROUP)
    group.permissions.add(permission)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=COMPLIANCE_GROUP).first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="core", codename="view_auditevent"
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_trust_checkpoints_idempotency_outbox"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
