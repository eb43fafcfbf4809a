"""The SMS records' numbers encrypted at rest like every other (core.fieldcrypt; issue K item 2)."""

import gongzhi.core.fieldcrypt
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0012_sms_templates_messages_inbound'),
    ]

    operations = [
        migrations.AddField(
            model_name='inboundsms',
            name='phone_bidx',
            field=gongzhi.core.fieldcrypt.BlindIndexField(db_index=True, source='phone'),
        ),
        migrations.AddField(
            model_name='smsmessage',
            name='phone_bidx',
            field=gongzhi.core.fieldcrypt.BlindIndexField(db_index=True, source='phone'),
        ),
        migrations.AlterField(
            model_name='inboundsms',
            name='phone',
            field=gongzhi.core.fieldcrypt.EncryptedCharField(blind_index='phone_bidx', max_length=20, verbose_name='手机号'),
        ),
        migrations.AlterField(
            model_name='smsmessage',
            name='phone',
            field=gongzhi.core.fieldcrypt.EncryptedCharField(blind_index='phone_bidx', max_length=11, verbose_name='手机号'),
        ),
        migrations.RunPython(*gongzhi.core.fieldcrypt.sealing("core.SmsMessage", "phone")),
        migrations.RunPython(*gongzhi.core.fieldcrypt.sealing("core.InboundSms", "phone")),
    ]
