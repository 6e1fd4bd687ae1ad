"""Load the Help Center's default questions and answers (only into an empty Help Center).

The slugs arrive in 0003, with the field."""

from django.db import migrations

from portico.connect.faq_defaults import TOPICS


def load(apps, schema_editor):
    FaqTopic = apps.get_model("connect", "FaqTopic")
    FaqEntry = apps.get_model("connect", "FaqEntry")
    if FaqTopic.objects.exists():
        return
    for t_pos, (slug, title, entries) in enumerate(TOPICS, start=1):
        topic = FaqTopic.objects.create(slug=slug, title=title, position=t_pos * 10)
        for e_pos, (question, answer, _slug) in enumerate(entries, start=1):
            FaqEntry.objects.create(
                topic=topic, question=question, answer=answer, position=e_pos * 10
            )


def unload(apps, schema_editor):
    FaqTopic = apps.get_model("connect", "FaqTopic")
    FaqTopic.objects.filter(slug__in=[slug for slug, _, _ in TOPICS]).delete()


class Migration(migrations.Migration):
    dependencies = [("connect", "0001_help_center")]
    operations = [migrations.RunPython(load, unload)]
