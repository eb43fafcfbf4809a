from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Print the demo accounts (the one list that make run, load_demo and README.md show)."

    def handle(self, *args, **options):
        from gongzhi.demo.loader import demo_accounts_text

        self.stdout.write(f"演示账号（密码均为 {settings.GONGZHI['DEMO_PASSWORD']}）：")
        for line in demo_accounts_text():
            self.stdout.write(line)
