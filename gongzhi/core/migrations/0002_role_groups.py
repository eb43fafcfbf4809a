from django.db import migrations

ROLES = ["resident", "operator", "dispatcher", "handler", "supervisor", "grid_worker", "party_member",
         "community_staff", "credit_officer", "leader", "admin"]


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
