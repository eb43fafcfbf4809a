"""Phone and ID numbers encrypted at rest, with blind indexes for exact lookup (core.fieldcrypt; issue K
item 2). The rows already stored are sealed under the newest key of GONGZHI_FIELD_KEYS; undone, written back in
clear text."""

import gongzhi.core.fieldcrypt
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0008_consents'),
    ]

    operations = [
        migrations.AddField(
            model_name='notification',
            name='phone_bidx',
            field=gongzhi.core.fieldcrypt.BlindIndexField(db_index=True, source='phone'),
        ),
        migrations.AddField(
            model_name='phonecode',
            name='phone_bidx',
            field=gongzhi.core.fieldcrypt.BlindIndexField(db_index=True, source='phone'),
        ),
        migrations.AddField(
            model_name='user',
            name='id_number_bidx',
            field=gongzhi.core.fieldcrypt.BlindIndexField(db_index=True, source='id_number'),
        ),
        migrations.AddField(
            model_name='user',
            name='phone_bidx',
            field=gongzhi.core.fieldcrypt.BlindIndexField(null=True, source='phone', unique=True),
        ),
        migrations.AlterField(
            model_name='notification',
            name='phone',
            field=gongzhi.core.fieldcrypt.EncryptedCharField(blank=True, blind_index='phone_bidx', max_length=11, verbose_name='手机号'),
        ),
        migrations.AlterField(
            model_name='phonecode',
            name='phone',
            field=gongzhi.core.fieldcrypt.EncryptedCharField(blind_index='phone_bidx', max_length=11),
        ),
        migrations.AlterField(
            model_name='user',
            name='id_number',
            field=gongzhi.core.fieldcrypt.EncryptedCharField(blank=True, blind_index='id_number_bidx', max_length=18, verbose_name='身份证号'),
        ),
        migrations.AlterField(
            model_name='user',
            name='phone',
            field=gongzhi.core.fieldcrypt.EncryptedCharField(blank=True, blind_index='phone_bidx', max_length=11, null=True, verbose_name='手机号'),
        ),
        migrations.RunPython(*gongzhi.core.fieldcrypt.sealing("core.User", "phone", "id_number")),
        migrations.RunPython(*gongzhi.core.fieldcrypt.sealing("core.Notification", "phone")),
        migrations.RunPython(*gongzhi.core.fieldcrypt.sealing("core.PhoneCode", "phone")),
    ]
