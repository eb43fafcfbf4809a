"""A resident who signed up by phone code had the account name "m" + their mobile number: a phone number in clear
text in every place an account name goes (issue K item 2). They log in by phone code, never by name, so their
account names become "u-" + random hex."""

import re
import secrets

from django.db import migrations

PHONE_NAME = re.compile(r"^m1\d{10}$")


def rename(apps, schema_editor):
    User = apps.get_model("core", "User")
    for user in User.objects.filter(username__startswith="m1").only("pk", "username"):
        if PHONE_NAME.match(user.username):
            User.objects.filter(pk=user.pk).update(username=f"u-{secrets.token_hex(6)}")


class Migration(migrations.Migration):
    dependencies = [("core", "0009_encrypt_personal_data")]

    operations = [migrations.RunPython(rename, migrations.RunPython.noop)]
