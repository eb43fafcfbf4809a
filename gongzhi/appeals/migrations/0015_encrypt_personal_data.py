"""Phone and ID numbers encrypted at rest, with blind indexes for exact lookup (core.fieldcrypt; issue K
item 2). The rows already stored are sealed under the newest key of GONGZHI_FIELD_KEYS; undone, written back in
clear text."""

import gongzhi.core.fieldcrypt
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('appeals', '0014_appeal_anonymised_at'),
    ]

    operations = [
        migrations.AddField(
            model_name='appeal',
            name='appellant_phone_bidx',
            field=gongzhi.core.fieldcrypt.BlindIndexField(db_index=True, source='appellant_phone'),
        ),
        migrations.AlterField(
            model_name='appeal',
            name='appellant_id_number',
            field=gongzhi.core.fieldcrypt.EncryptedCharField(blank=True, max_length=18, verbose_name='身份证号'),
        ),
        migrations.AlterField(
            model_name='appeal',
            name='appellant_phone',
            field=gongzhi.core.fieldcrypt.EncryptedCharField(blank=True, blind_index='appellant_phone_bidx', max_length=20, verbose_name='联系电话'),
        ),
        migrations.AlterField(
            model_name='appeal',
            name='contact_phone',
            field=gongzhi.core.fieldcrypt.EncryptedCharField(blank=True, max_length=20, verbose_name='另留联系电话（未核实）'),
        ),
        migrations.RunPython(*gongzhi.core.fieldcrypt.sealing("appeals.Appeal", "appellant_phone", "contact_phone", "appellant_id_number")),
    ]
