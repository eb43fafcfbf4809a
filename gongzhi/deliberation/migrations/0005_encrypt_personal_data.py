"""Phone and ID numbers encrypted at rest, with blind indexes for exact lookup (core.fieldcrypt; issue K
item 2). The rows already stored are sealed under the newest key of GONGZHI_FIELD_KEYS; undone, written back in
clear text."""

import gongzhi.core.fieldcrypt
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('deliberation', '0004_owners_identity_proxies_notices'),
    ]

    operations = [
        migrations.AddField(
            model_name='elector',
            name='phone_bidx',
            field=gongzhi.core.fieldcrypt.BlindIndexField(db_index=True, source='phone'),
        ),
        migrations.AddField(
            model_name='owner',
            name='id_number_bidx',
            field=gongzhi.core.fieldcrypt.BlindIndexField(db_index=True, source='id_number'),
        ),
        migrations.AddField(
            model_name='owner',
            name='phone_bidx',
            field=gongzhi.core.fieldcrypt.BlindIndexField(db_index=True, source='phone'),
        ),
        migrations.AlterField(
            model_name='elector',
            name='phone',
            field=gongzhi.core.fieldcrypt.EncryptedCharField(blank=True, blind_index='phone_bidx', max_length=11, verbose_name='手机号'),
        ),
        migrations.AlterField(
            model_name='owner',
            name='id_number',
            field=gongzhi.core.fieldcrypt.EncryptedCharField(blank=True, blind_index='id_number_bidx', max_length=18, verbose_name='身份证号'),
        ),
        migrations.AlterField(
            model_name='owner',
            name='phone',
            field=gongzhi.core.fieldcrypt.EncryptedCharField(blank=True, blind_index='phone_bidx', max_length=11, verbose_name='手机号'),
        ),
        migrations.RunPython(*gongzhi.core.fieldcrypt.sealing("deliberation.Owner", "id_number", "phone")),
        migrations.RunPython(*gongzhi.core.fieldcrypt.sealing("deliberation.Elector", "phone")),
    ]
