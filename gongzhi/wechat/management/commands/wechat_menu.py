"""Create the 公众号's menu through WeChat's API (menu/create): 我要反映, 我的诉求, 更多 (查询进度, 绑定手机, 通知设置)."""

import json

from django.core.management.base import BaseCommand, CommandError
from wechatpy.exceptions import WeChatClientException

from gongzhi.wechat import services


class Command(BaseCommand):
    help = "创建公众号自定义菜单（各菜单项经网页授权打开手机页面）"

    def handle(self, *args, **options):
        if not services.configured():
            raise CommandError("请先设置 GONGZHI_WECHAT_APPID 和 GONGZHI_WECHAT_SECRET。")
        try:
            menu = services.create_menu()
        except WeChatClientException as exc:
            raise CommandError(f"微信返回错误 {exc.errcode}：{exc.errmsg}") from exc
        self.stdout.write(json.dumps(menu, ensure_ascii=False, indent=2))
        self.stdout.write(self.style.SUCCESS("菜单已创建。"))
