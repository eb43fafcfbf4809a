"""gongzhi import_appeals FILE [--profile NAME] [--dry-run]: another hotline system's .xlsx/.csv export."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from gongzhi.appeals.exchange.importing import ImportFileError, import_appeals
from gongzhi.appeals.exchange.models import ImportProfile
from gongzhi.core.models import User


class Command(BaseCommand):
    help = _("从其他热线系统导出的 .xlsx 或 .csv 文件导入历史诉求（按来源系统的源编号幂等）。")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--profile", help=_("导入方案名称（管理后台「导入方案」）；不填则按本系统导出的列名读取")
        )
        parser.add_argument("--dry-run", action="store_true", help=_("只检查，列出每行的问题，不写入"))
        parser.add_argument("--user", help=_("记为操作人的用户名（审计记录）"))
        parser.add_argument("--no-progress", action="store_true", help=_("不显示进度条"))

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("文件不存在：%(path)s") % {"path": path})
        profile = None
        if options["profile"]:
            profile = ImportProfile.objects.filter(name=options["profile"]).first()
            if profile is None:
                raise CommandError(_("导入方案「%(name)s」不存在。") % {"name": options["profile"]})
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(_("用户「%(name)s」不存在。") % {"name": options["user"]})
        # tqdm draws on stderr and only when it is a terminal (disable=None), so logs and pipes stay clean.
        bar = tqdm(
            unit=_("行"),
            desc=_("检查") if options["dry_run"] else _("导入"),
            file=sys.stderr,
            disable=True if options["no_progress"] else None,
            dynamic_ncols=True,
        )
        try:
            report = import_appeals(
                path.read_bytes(),
                path.name,
                profile=profile,
                dry_run=options["dry_run"],
                actor=actor,
                progress=bar.update,
                total=lambda n: setattr(bar, "total", n),
            )
        except ImportFileError as exc:
            raise CommandError(exc.message) from None
        finally:
            bar.close()
        for problem in report.problems:
            self.stdout.write(str(problem))
        self.stdout.write(report.summary())
        if report.problems:
            raise CommandError(
                _("%(n)s行有问题未导入，请修改后重新导入（已导入的行不会重复）。")
                % {"n": report.rejected_rows}
            )
