# Merges the three 0004 migrations that were written in parallel (enterprise channel, data exchange, Open311 keys).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("appeals", "0004_channel_enterprise"),
        ("appeals", "0004_import_profiles_and_links"),
        ("appeals", "0004_open311_key"),
    ]

    operations = []
