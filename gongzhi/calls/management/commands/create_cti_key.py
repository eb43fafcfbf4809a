from django.core.management.base import BaseCommand

from gongzhi.calls.models import CtiKey


class Command(BaseCommand):
    help = "为热线话务系统（CTI）创建接口密钥；密钥只显示这一次"

    def add_arguments(self, parser):
        parser.add_argument("name", help="名称，如：县12345话务平台")

    def handle(self, *args, name, **options):
        key, raw = CtiKey.issue(name)
        self.stdout.write(f"密钥（只显示这一次，请配置到话务系统）：{raw}")
        self.stdout.write(f"前缀 {key.prefix}；在管理后台「话务系统接口密钥」中可吊销。")
