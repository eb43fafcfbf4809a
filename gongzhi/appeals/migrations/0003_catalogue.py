from django.db import migrations


def load(apps, schema_editor):
    from gongzhi.appeals.catalogue import load_catalogue

    load_catalogue(apps.get_model("appeals", "Category"))


class Migration(migrations.Migration):
    dependencies = [("appeals", "0002_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
