from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("claims", "0005_277ca_in_storage")]

    operations = [migrations.RemoveField(model_name="claimsubmissionfile", name="ack_277ca")]
