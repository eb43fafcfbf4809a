from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_catalogue(sender, **kwargs):
    # The shipped category catalogue is reference data: restore it after a flush (which emits post_migrate).
    from .catalogue import load_catalogue
    from .models import Category

    if not Category.objects.exists():
        load_catalogue(Category)


class AppealsConfig(AppConfig):
    name = "gongzhi.appeals"
    label = "appeals"
    verbose_name = _("诉求")

    def ready(self):
        from gongzhi.core import personal_data

        from . import personal_data as mine

        personal_data.register("appeals", _("我的诉求"), export=mine.export, erase=mine.erase)
        post_migrate.connect(_ensure_catalogue, sender=self)
