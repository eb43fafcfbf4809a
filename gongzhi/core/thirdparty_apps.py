"""Chinese names for the admin sections of third-party apps (their own configs name them in English:
"Tasks Database Backend", "Axes"). Listed in INSTALLED_APPS in place of the packages' default configs."""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.apps import DefaultConfig as StaticDefaultConfig
from django_otp.plugins.otp_totp.apps import DefaultConfig as TOTPDefaultConfig
from django_tasks_db.apps import TasksAppConfig


class TasksConfig(TasksAppConfig):
    verbose_name = _("后台任务")


class AxesConfig(AxesAppConfig):
    verbose_name = _("登录失败与锁定")


class TOTPConfig(TOTPDefaultConfig):
    verbose_name = _("身份验证器（二次验证）")


class StaticTokensConfig(StaticDefaultConfig):
    verbose_name = _("备用验证码（二次验证）")
