# Channel.WECHAT (issue I item 3).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('appeals', '0015_encrypt_personal_data'),
    ]

    operations = [
        migrations.AlterField(
            model_name='appeal',
            name='channel',
            field=models.CharField(choices=[('hotline', '热线电话'), ('web', '网站'), ('mobile', '手机'), ('walk_in', '来访'), ('letter', '来信'), ('grid_patrol', '网格巡查'), ('household_visit', '入户走访'), ('proxy', '代办'), ('api', '接口'), ('enterprise', '企业诉求'), ('wechat', '微信公众号')], max_length=16, verbose_name='渠道'),
        ),
    ]
