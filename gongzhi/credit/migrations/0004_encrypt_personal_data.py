"""Phone and ID numbers encrypted at rest, with blind indexes for exact lookup (core.fieldcrypt; issue K
item 2). The rows already stored are sealed under the newest key of GONGZHI_FIELD_KEYS; undone, written back in
clear text."""

import gongzhi.core.fieldcrypt
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('credit', '0003_discretion_benchmarks'),
    ]

    operations = [
        migrations.AddField(
            model_name='enterprisecontact',
            name='phone_bidx',
            field=gongzhi.core.fieldcrypt.BlindIndexField(db_index=True, source='phone'),
        ),
        migrations.AlterField(
            model_name='enterprisecontact',
            name='phone',
            field=gongzhi.core.fieldcrypt.EncryptedCharField(blank=True, blind_index='phone_bidx', max_length=11, verbose_name='手机号'),
        ),
        migrations.RunPython(*gongzhi.core.fieldcrypt.sealing("credit.EnterpriseContact", "phone")),
    ]
