# Channel.WECHAT (issue I item 3); renumbered at merge.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('appeals', '0014_appeal_anonymised_at'),
    ]

    operations = [
        migrations.AlterField(
            model_name='appeal',
            name='channel',
            field=models.CharField(choices=[('hotline', '热线电话'), ('web', '网站'), ('mobile', '手机'), ('walk_in', '来访'), ('letter', '来信'), ('grid_patrol', '网格巡查'), ('household_visit', '入户走访'), ('proxy', '代办'), ('api', '接口'), ('enterprise', '企业诉求'), ('wechat', '微信公众号')], max_length=16, verbose_name='渠道'),
        ),
        migrations.AddIndex(
            model_name='appeal',
            index=models.Index(condition=models.Q(('appellant_phone', ''), _negated=True), fields=['appellant_phone'], name='appeal_phone_set'),
        ),
    ]
