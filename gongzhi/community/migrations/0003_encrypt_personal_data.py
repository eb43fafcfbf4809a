"""Phone and ID numbers encrypted at rest, with blind indexes for exact lookup (core.fieldcrypt; issue K
item 2). The rows already stored are sealed under the newest key of GONGZHI_FIELD_KEYS; undone, written back in
clear text."""

import gongzhi.core.fieldcrypt
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('community', '0002_ledger_append_only'),
    ]

    operations = [
        migrations.AddField(
            model_name='linkedhousehold',
            name='phone_bidx',
            field=gongzhi.core.fieldcrypt.BlindIndexField(db_index=True, source='phone'),
        ),
        migrations.AlterField(
            model_name='linkedhousehold',
            name='phone',
            field=gongzhi.core.fieldcrypt.EncryptedCharField(blank=True, blind_index='phone_bidx', max_length=11, verbose_name='联系电话'),
        ),
        migrations.RunPython(*gongzhi.core.fieldcrypt.sealing("community.LinkedHousehold", "phone")),
    ]
