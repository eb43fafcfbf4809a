# NotificationChannel.WECHAT and the row's channel data (issue I item 5). After the encryption of personal data (0009, 0010).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0010_resident_usernames'),
    ]

    operations = [
        migrations.AddField(
            model_name='notification',
            name='channel_data',
            field=models.JSONField(blank=True, default=dict, verbose_name='渠道数据'),
        ),
        migrations.AlterField(
            model_name='notification',
            name='channel',
            field=models.CharField(choices=[('site', '站内'), ('sms', '短信'), ('email', '邮件'), ('wechat', '微信')], default='site', max_length=8, verbose_name='渠道'),
        ),
    ]
