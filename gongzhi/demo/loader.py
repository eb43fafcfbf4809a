"""The demo (`gongzhi load_demo`): a county with its units and users, and about 3,000 real appeals whose
histories are replayed at past times through the real services of `gongzhi.appeals.services`.

The appeals come from `gongzhi/appeals/data/demo_appeals.csv`, copied once from the 2020 Teddy Cup
problem C data (see docs/data-sources.md); nothing outside the package is read at run time.

How the history is made: every appeal gets a *story*, a generator that performs one service call and
yields the (past) time of its next step. A scheduler runs all stories in global time order with the
clock moved by time-machine, so every event, notification and callback carries the time it would have
had, the per-appeal hash chains are in time order, and a daily sweep (催办/督办) sees what was late
on that day. Steps that would fall after "now" are not taken: recent appeals stay open, some overdue.
Everything is seeded, so two loads on two machines tell the same story (up to today's date).

Idempotent: regions, units, users, rules and articles are created by their natural keys; the replay
runs once, in one transaction, and is skipped when demo appeals (client_key "demo-…") already exist.
"""

import csv
import dataclasses
import functools
import heapq
import itertools
import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import F, Max
from django.tasks.backends.dummy import DummyBackend
from django.test.utils import override_settings
from django.utils import timezone

from gongzhi.core import refcache
from gongzhi.core.choices import NotificationStatus, RegionLevel, Role, UnitKind
from gongzhi.core.errors import ServiceError
from gongzhi.core.models import Notification, Region, Unit, User
from gongzhi.core.services import ensure_role_groups

DEMO_CSV = Path(__file__).resolve().parent.parent / "appeals" / "data" / "demo_appeals.csv"
SEED = 20200101
COUNTY_CODE = "439001"
COUNTY_NAME = "A市示范区"
CLIENT_KEY_PREFIX = "demo-"
# How many of the copied appeals the demo replays, over how many past days: 24 a day, as the whole file over 120
# days would be, and small enough that `make run` has every page's data in place within three minutes on two cores
# (the replay runs every step through the services: ≈ 0.1 s per appeal). `--limit 0` replays them all.
DEMO_APPEALS = 1200
DEMO_DAYS = 50
# The surge of the demo (Replay.surge): this many appeals of this category from one street on one day.
SURGE_CATEGORY = "环境保护"
SURGE_COUNT = 9
SURGE_DAYS_AGO = 2

# ---------------------------------------------------------------- the place

STREETS = [
    ("东风街道", ["幸福社区", "和平社区", "友谊社区"]),
    ("西湖街道", ["丽景社区", "翠园社区", "滨江社区", "桃源社区"]),
    ("南湖街道", ["金盆社区", "星城社区"]),
    ("北山街道", ["朝阳社区", "映月社区", "杜鹃社区"]),
]
GRIDS_PER_COMMUNITY = 2

# ---------------------------------------------------------------- the units (一核多元)

# code, name, the categories (level-1 names, or "level1/level2[/level3]" paths) it answers for
DEPARTMENTS = [
    ("D01", "示范区住房和城乡建设局", ["城乡建设"]),
    ("D02", "示范区人力资源和社会保障局", ["劳动和社会保障"]),
    ("D03", "示范区教育局", ["教育文体"]),
    ("D04", "示范区城市管理和综合执法局", ["城乡建设/城市建设和市政管理", "城乡建设/城乡规划/违章建筑"]),
    ("D05", "示范区卫生健康委员会", ["卫生计生"]),
    ("D06", "示范区生态环境局", ["环境保护"]),
    ("D07", "示范区交通运输局", ["交通运输"]),
    ("D08", "示范区商务局", ["商贸旅游"]),
    ("D09", "示范区市场监督管理局", ["商贸旅游/市场监管", "商贸旅游/质监检验检疫", "卫生计生/食品药品监管"]),
    ("D10", "示范区公安分局", ["政法"]),
    ("D11", "示范区民政局", ["民政"]),
    ("D12", "示范区自然资源局", ["国土资源", "城乡建设/城乡规划"]),
    ("D13", "示范区农业农村局", ["农村农业"]),
    (
        "D14",
        "示范区文化旅游体育局",
        ["教育文体/文化", "教育文体/体育", "教育文体/文物管理", "商贸旅游/旅游管理"],
    ),
    (
        "D15",
        "示范区住房公积金管理中心",
        ["城乡建设/住房保障与房地产/住房公积金", "劳动和社会保障/工资福利/住房公积金"],
    ),
    ("D16", "示范区发展和改革局", ["经济管理"]),
    ("D17", "示范区工业和信息化局", ["科技与信息产业"]),
    ("D18", "示范区纪委监委", ["纪检监察"]),
    ("D19", "示范区委办公室", ["党务政务"]),
]
HOTLINE = ("H01", "示范区12345政务服务便民热线中心")
ENTERPRISES = [
    ("E01", "示范区自来水有限公司", ["城乡建设/城市建设和市政管理/自来水供应"]),
    ("E02", "示范区燃气有限公司", ["城乡建设/城市建设和市政管理/燃气供应"]),
    ("E03", "国网示范区供电公司", ["城乡建设/城市建设和市政管理/电力供应"]),
]
SOCIAL_ORGS = [("S01", "示范区阳光社会工作服务中心"), ("S02", "示范区志愿者协会")]
PROPERTY_COMPANIES = ["安居物业", "绿城物业", "万家物业", "恒信物业", "锦华物业", "金色家园物业"]
# Matters of the catalogue that are handled where they happen: (category path, unit kind of the place)
LOCAL_RULES = [
    ("城乡建设/住房保障与房地产/物业服务", UnitKind.PROPERTY_COMPANY),
    ("民政/基层选举和社区建设", UnitKind.STREET_OFFICE),
]

# ---------------------------------------------------------------- the knowledge base (知识库)

ARTICLES = [
    (
        "社会保险缴费记录查询",
        "社保 缴费 查询 社保卡",
        "劳动和社会保障",
        "可通过本市人社局网站、“掌上12333”App或社保经办大厅自助终端，凭身份证号和社保卡密码查询个人参保缴费记录；"
        "打印带公章的缴费证明请携带身份证到区社保经办窗口办理，当场出具。",
    ),
    (
        "住房公积金提取条件和材料",
        "公积金 提取 租房 购房",
        "城乡建设",
        "购买、建造、翻建、大修自住住房，偿还购房贷款本息，租房自住，离休退休等情形可申请提取住房公积金。"
        "租房提取每年一次，携带身份证、租房合同（或无房证明）到公积金中心窗口或线上办理，一般3个工作日到账。",
    ),
    (
        "义务教育阶段入学政策",
        "入学 学位 招生 划片 小升初 一年级",
        "教育文体",
        "公办小学、初中实行免试就近入学，按学区（划片）招生。适龄儿童凭户口簿、房产证明（或居住证及租赁备案）"
        "在规定时间内网上报名；随迁子女按“两为主”原则安排入学，具体以区教育局当年公布的招生方案为准。",
    ),
    (
        "异地就医备案办理",
        "医保 异地 就医 备案 报销",
        "劳动和社会保障",
        "参保人员跨省异地就医前可通过国家医保服务平台App或医保经办窗口办理备案，备案后在联网定点医院直接结算；"
        "临时外出就医未备案的，回参保地按规定手工报销，报销比例按政策适当下调。",
    ),
    (
        "居住证申领",
        "居住证 暂住证 办理",
        "政法",
        "在本区居住半年以上，有合法稳定就业、住所或连续就读条件之一的，可携带身份证、居住证明材料到居住地"
        "派出所或社区警务室申领居住证，一般15个工作日内发证。",
    ),
    (
        "失业保险金申领",
        "失业 失业金 失业保险",
        "劳动和社会保障",
        "非因本人意愿中断就业、失业前缴纳失业保险满一年并已办理失业登记的，可在失业后60日内通过线上平台或"
        "社保窗口申领失业保险金，领取期限按累计缴费年限确定。",
    ),
    (
        "灵活就业人员参加养老保险",
        "灵活就业 个体 养老保险 参保",
        "劳动和社会保障",
        "灵活就业人员可携带身份证到户籍所在地或居住地社保经办机构办理参保登记，也可通过网上服务大厅办理，"
        "缴费基数可在全省上年度在岗职工平均工资的60%至300%之间自主选择。",
    ),
    (
        "公共租赁住房申请",
        "公租房 廉租房 保障房 住房困难",
        "城乡建设",
        "本区城镇中低收入住房困难家庭、新就业无房职工和外来务工人员可向户籍或工作所在地街道提出公租房申请，"
        "经街道初审、区住建局审核并公示后轮候配租，租金按市场租金的一定比例确定。",
    ),
    (
        "新生儿落户办理",
        "落户 户口 新生儿 出生",
        "政法",
        "新生儿出生后一个月内，由父母一方携带出生医学证明、父母身份证、户口簿和结婚证到户籍所在地派出所"
        "申报出生登记，材料齐全的当场办结，也可通过“出生一件事”线上联办。",
    ),
    (
        "养老金领取资格认证",
        "养老金 资格认证 退休 认证",
        "劳动和社会保障",
        "领取养老金的退休人员每年需进行一次资格认证，可通过“掌上12333”App人脸识别自助认证，行动不便的老人"
        "可由社区工作人员上门协助认证，逾期未认证的将暂停发放，认证后补发。",
    ),
    (
        "不动产登记办理",
        "房产证 不动产 登记 过户",
        "城乡建设",
        "不动产登记实行“一窗受理、集成服务”，买卖转移登记携带双方身份证、不动产权证书、合同和完税凭证到区"
        "不动产登记中心办理，一般5个工作日内办结；开发商逾期未办证的，可向住建部门投诉。",
    ),
    (
        "噪声扰民投诉处理渠道",
        "噪音 噪声 扰民 施工 广场舞",
        "环境保护",
        "建筑施工夜间（22时至次日6时）作业须取得夜间施工许可；工业和建筑施工噪声由生态环境部门和城管部门"
        "查处，社会生活噪声（娱乐场所、广场舞等）由公安机关处理，可拨打110或12345反映，请提供具体地址和时段。",
    ),
]

# ---------------------------------------------------------------- choosing a level-3 category

# (keywords, "level1/level2/level3"); the first rule whose keyword occurs in the text wins.
KEYWORD_CATEGORIES = [
    ("物业", "城乡建设/住房保障与房地产/物业服务"),
    ("公积金", "城乡建设/住房保障与房地产/住房公积金"),
    ("违建|违章建筑|私搭乱建|加建|违法建筑", "城乡建设/城乡规划/违章建筑"),
    ("棚改|棚户区|城中村", "城乡建设/国有土地上房屋征收与补偿/棚户区和城中村改造"),
    ("回迁|安置房|安置补偿", "城乡建设/国有土地上房屋征收与补偿/安置补偿"),
    ("拆迁|征收", "城乡建设/国有土地上房屋征收与补偿/房屋拆迁"),
    ("房产证|不动产证|产权证|办证", "城乡建设/住房保障与房地产/房产证登记、办理"),
    ("公租房|廉租房|保障房|保障性住房", "城乡建设/住房保障与房地产/保障性住房"),
    ("开发商|楼盘|交房|烂尾", "城乡建设/住房保障与房地产/房地产开发管理"),
    ("工程款", "城乡建设/建筑市场/拖欠工程款"),
    ("自来水|停水|水压|水管", "城乡建设/城市建设和市政管理/自来水供应"),
    ("燃气|天然气|煤气", "城乡建设/城市建设和市政管理/燃气供应"),
    ("停电|供电|电压|电网", "城乡建设/城市建设和市政管理/电力供应"),
    ("路灯|井盖|下水道|排水|积水", "城乡建设/城市建设和市政管理/城市公共设施"),
    ("垃圾|环卫", "城乡建设/城市建设和市政管理/环境卫生"),
    ("绿化|树木|草坪", "城乡建设/城市建设和市政管理/园林绿化"),
    ("占道|摆摊|城管", "城乡建设/城市建设和市政管理/城管执法"),
    ("公交", "城乡建设/城市建设和市政管理/公共汽车"),
    ("地铁", "城乡建设/城市建设和市政管理/地铁城铁"),
    ("施工|工地", "城乡建设/工程质量/施工安全"),
    ("安全隐患|隐患", "城乡建设/安全生产/安全隐患"),
    ("规划", "城乡建设/城乡规划/规划方案"),
    ("道路|修路|马路", "城乡建设/城市建设和市政管理/基础设施"),
    ("小区", "城乡建设/城市建设和市政管理/小区管理"),
    ("工伤", "劳动和社会保障/城镇职工社会保险/职工工伤保险"),
    ("生育保险|生育津贴", "劳动和社会保障/城镇职工社会保险/职工生育保险"),
    ("失业", "劳动和社会保障/城镇职工社会保险/职工失业保险"),
    ("新农合", "劳动和社会保障/城镇居民社会保险/新农村合作医疗"),
    ("医保|医疗保险", "劳动和社会保障/城镇居民社会保险/城镇居民医疗保险"),
    ("退休|养老金", "劳动和社会保障/退休政策及待遇/退休人员待遇"),
    ("养老保险|社保", "劳动和社会保障/城镇职工社会保险/职工养老保险"),
    ("欠薪|拖欠工资|工资", "劳动和社会保障/工资福利/工资发放"),
    ("劳动合同|劳动仲裁", "劳动和社会保障/劳动关系/劳动合同纠纷"),
    ("辞退|开除|解除劳动", "劳动和社会保障/劳动关系/辞职辞退"),
    ("农民工", "劳动和社会保障/劳动关系/农民工权益"),
    ("派遣", "劳动和社会保障/劳动关系/劳务派遣纠纷"),
    ("加班|休假", "劳动和社会保障/劳动保护/工作时间和休息休假"),
    ("就业|招聘", "劳动和社会保障/就业培训/就业和再就业"),
    ("职业培训|技能", "劳动和社会保障/就业培训/职业培训"),
    ("入学|学位|招生|小升初|划片", "教育文体/考试招生/招生录取"),
    ("补课|补习|培训机构", "教育文体/教育行政管理/校外机构管理"),
    ("乱收费|收费", "教育文体/教育收费/乱收费"),
    ("学籍", "教育文体/教育行政管理/学历学位学籍管理"),
    ("幼儿园|民办", "教育文体/教育行政管理/民办学校"),
    ("教师|老师", "教育文体/教师队伍和待遇/师资力量"),
    ("作业|负担", "教育文体/教育行政管理/学生负担"),
    ("校园", "教育文体/教育行政管理/校园安全"),
    ("体育|健身", "教育文体/体育/体育事业"),
    ("文物", "教育文体/文物管理/文物保护"),
    ("文化|图书馆", "教育文体/文化/公共文化"),
    ("传销", "商贸旅游/市场监管/传销"),
    ("价格|物价|涨价", "商贸旅游/市场监管/物价监督"),
    ("广告", "商贸旅游/市场监管/广告监管"),
    ("电梯|特种设备", "商贸旅游/质监检验检疫/特种设备管理"),
    ("假冒|质量", "商贸旅游/市场监管/商品质量"),
    ("中介", "商贸旅游/市场监管/中介机构管理"),
    ("景区|旅游", "商贸旅游/旅游管理/景区管理"),
    ("食品|餐馆|饭店|外卖", "卫生计生/食品药品监管/食品安全"),
    ("药店|药品", "卫生计生/食品药品监管/药品和医疗器械管理"),
    ("独生子女", "卫生计生/人口计生/独生子女父母奖励政策"),
    ("计生|二胎|生育", "卫生计生/人口计生/计划生育服务管理"),
    ("非法行医|黑诊所", "卫生计生/医政监管/非法行医"),
    ("医疗事故", "卫生计生/医患纠纷/医疗事故争议"),
    ("疫苗|传染|疾控", "卫生计生/公共卫生/疾病预防控制"),
    ("医院|医生|看病|卫生院", "卫生计生/医政监管/医疗技术和服务"),
    ("噪音|噪声|扰民", "环境保护/环境污染/噪音污染"),
    ("油烟|烟尘|废气|臭|气味|粉尘|空气", "环境保护/环境污染/大气污染"),
    ("污水|排污|水质|河道", "环境保护/环境污染/水污染"),
    ("辐射|基站", "环境保护/环境污染/电磁污染"),
    ("化工|化学", "环境保护/环境污染/危险化学品污染"),
    ("环评", "环境保护/建设项目审批/环评报告不实"),
    ("网约车|滴滴", "交通运输/出租车管理/网约车问题"),
    ("出租车|的士", "交通运输/出租车管理/行业监管"),
    ("快递", "交通运输/邮政管理/快递市场管理"),
    ("客运|班车|线路", "交通运输/客货运输/旅客运输"),
    ("货车|物流|货运", "交通运输/客货运输/货物运输"),
    ("收费站|高速", "交通运输/建设管理/公路收费"),
    ("公路", "交通运输/建设管理/设施维护"),
    ("户口|户籍|落户", "政法/户籍证件/户籍管理"),
    ("诈骗|盗窃|治安", "政法/社会治安/治安案件"),
    ("违停|交警|车辆乱停", "政法/交通管理/交通安全管理"),
    ("低保", "民政/社会救助/城镇低保"),
    ("社区建设|居委会", "民政/基层选举和社区建设/社区建设"),
    ("村委|村干部|村务", "农村农业/村务管理/村务公开"),
    ("扶贫|贫困户", "农村农业/扶贫开发/扶贫开发政策"),
    ("宅基地", "农村农业/土地承包经营/宅基地纠纷"),
]
_KEYWORD_RES = [(re.compile(k), path) for k, path in KEYWORD_CATEGORIES]

# ---------------------------------------------------------------- people

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文辉鹏飞玲丹婷宇浩凯晨阳欣怡子涵思雨佳琪"
N_RESIDENTS = 300
N_OPERATORS = 3

# ---------------------------------------------------------------- texts of the handling

REPLY_ACTIONS = [
    "已安排工作人员到现场查看，督促责任方限期整改，目前问题已处理到位",
    "已依据相关政策规定向您作了详细解释，并告知了后续办理的渠道和所需材料",
    "已协调相关单位共同研究解决方案，并将持续跟踪落实情况",
    "已约谈相关责任单位，责令其立即整改，我单位将加强日常监管",
    "已将您的诉求纳入近期工作计划，相关工程将按计划实施，请您理解",
    "经调查核实，相关情况属实，已依法依规作出处理",
]
REPLY_AGAIN = [
    "针对您再次反映的问题，我单位再次组织人员上门核实，已督促责任方重新整改并现场复查",
    "收到重办意见后，我单位负责同志带队与您当面沟通，已明确整改时限并落实专人跟进",
]
RETURN_REASONS = [
    "该事项属于属地管理范围，不属于我单位职责，建议改派所在街道办理",
    "经核实，诉求涉及事项不在我单位职能范围内，申请退回改派",
]
EXTENSION_REASONS = [
    "需协调多个部门现场会商，无法在时限内办结，申请延期",
    "涉及工程维修，需等待材料采购和施工排期，申请延期办理",
]
UNRESOLVABLE_NOTE = "经两次重办，诉求人的要求超出现行政策规定，已做好解释说明工作，按规定办结"


# ---------------------------------------------------------------- reading the copied data


@dataclass
class DemoRow:
    source_file: str
    source_id: str
    title: str
    detail: str
    label: str
    group: str = ""  # one problem in one place (hotspot_messages.csv): replayed in one grid, always loaded

    @property
    def client_key(self) -> str:
        return f"{CLIENT_KEY_PREFIX}{self.source_file.removesuffix('.csv')}-{self.source_id}"[:64]


def read_demo_rows(limit: int | None = None) -> list[DemoRow]:
    """The copied appeals in a fixed, seeded order (so `--limit N` takes a mix of sources and labels); the rows
    of a hot-spot group are always among them, so the demo's hot spots are real problems in real places."""
    with DEMO_CSV.open(encoding="utf-8", newline="") as fh:
        rows = [
            DemoRow(
                r["source_file"], r["source_id"], r["title"], r["detail"], r["label"], r.get("group") or ""
            )
            for r in csv.DictReader(fh)
        ]
    random.Random(SEED).shuffle(rows)
    if not limit:
        return rows
    # whole groups first, at most a third of a small `--limit` (so a short demo still has other appeals)
    grouped = sorted((r for r in rows if r.group), key=lambda r: r.group)[: limit // 3]
    rows = grouped + [r for r in rows if not r.group][: limit - len(grouped)]
    random.Random(SEED).shuffle(rows)
    return rows


def build_demo_csv(
    source_dir: Path,
    out: Path = DEMO_CSV,
    unlabeled: int = 1000,
    max_detail: int = 600,
    hotspot_reference: Path | None = None,
    per_hotspot: int = 9,
    hotspots: int = 12,
) -> int:
    """Maintainers only: (re)build demo_appeals.csv from the shared data folder (labeled.csv rows with a
    title, plus a seeded sample of unlabeled.csv, plus — with `hotspot_reference`, the labelled hot spots of
    insight/tests/data/hotspot_reference.csv — up to `per_hotspot` messages of each of the `hotspots` largest
    reference hot spots of hotspot_messages.csv, each row carrying its hot spot as `group`), deduplicated by
    normalised text. Never run at run time."""

    def clean(s: str) -> str:
        return re.sub(r"\s+", " ", (s or "").replace("\u3000", " ")).strip()

    seen: set = set()
    rows: list[dict] = []

    def add(source_file: str, r: dict, label: str, group: str = "") -> bool:
        title, detail, rid = clean(r["title"]), clean(r["detail"]), r["id"].strip()
        key = re.sub(r"[\W_]+", "", detail).lower()[:200]
        if not title or not rid or len(detail) < 10 or key in seen or (source_file, rid) in seen:
            return False
        seen.update([key, (source_file, rid)])
        if len(detail) > max_detail:
            detail = detail[:max_detail].rstrip() + "…"
        rows.append(
            {
                "source_file": source_file,
                "source_id": rid,
                "title": title[:200],
                "detail": detail,
                "label": label,
                "time": r["time"].strip(),
                "group": group,
            }
        )
        return True

    if hotspot_reference is not None:
        with hotspot_reference.open(encoding="utf-8") as fh:
            members: dict[str, list[str]] = {}
            for r in csv.DictReader(fh):
                members.setdefault(r["spot"], []).append(r["id"])
        with (source_dir / "hotspot_messages.csv").open(encoding="utf-8") as fh:
            messages = {r["id"]: r for r in csv.DictReader(fh)}
        largest = sorted(members.items(), key=lambda kv: (-len(kv[1]), int(kv[0])))[:hotspots]
        for spot, ids in largest:
            taken = 0
            for rid in sorted(ids, key=lambda i: (messages[i]["time"] or "9", i)):
                if taken < per_hotspot and add(
                    "hotspot_messages.csv", messages[rid], "", group=f"spot{spot}"
                ):
                    taken += 1

    with (source_dir / "labeled.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            add("labeled.csv", r, r["label"].strip())
    with (source_dir / "unlabeled.csv").open(encoding="utf-8") as fh:
        pool = list(csv.DictReader(fh))
    random.Random(SEED).shuffle(pool)
    taken = 0
    for r in pool:
        if taken >= unlabeled:
            break
        taken += add("unlabeled.csv", r, "")
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(
            fh, fieldnames=["source_file", "source_id", "title", "detail", "label", "time", "group"]
        )
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


# ---------------------------------------------------------------- the structure


def _catalogue():
    from gongzhi.appeals.models import Category

    by_path = {}
    cats = {c.pk: c for c in Category.objects.all()}
    for c in cats.values():
        names, node = [], c
        while node is not None:
            names.append(node.name)
            node = cats.get(node.parent_id)
        by_path["/".join(reversed(names))] = c
    return by_path


def build_regions() -> dict:
    county, _ = Region.objects.get_or_create(
        code=COUNTY_CODE, defaults={"name": COUNTY_NAME, "level": RegionLevel.COUNTY}
    )
    streets, communities, grids = [], [], []
    for i, (street_name, community_names) in enumerate(STREETS, 1):
        street, _ = Region.objects.get_or_create(
            code=f"{COUNTY_CODE}{i:03d}",
            defaults={"name": street_name, "level": RegionLevel.STREET, "parent": county},
        )
        streets.append(street)
        for j, community_name in enumerate(community_names, 1):
            community, _ = Region.objects.get_or_create(
                code=f"{street.code}{j:03d}",
                defaults={"name": community_name, "level": RegionLevel.COMMUNITY, "parent": street},
            )
            communities.append(community)
            for k in range(1, GRIDS_PER_COMMUNITY + 1):
                grid, _ = Region.objects.get_or_create(
                    code=f"{community.code}{k:02d}",
                    defaults={
                        "name": f"{community_name}第{'一二三四'[k - 1]}网格",
                        "level": RegionLevel.GRID,
                        "parent": community,
                    },
                )
                grids.append(grid)
    regions = {"county": county, "streets": streets, "communities": communities, "grids": grids}
    build_boundaries(regions)
    return regions


# The county's place: an irregular outline around 112.98°E 28.19°N (a real-looking county seat; the demo's red
# resources stand inside it). Streets are its quarters, communities strips of a street, grids halves of a community:
# every boundary is cut from its parent's, so each region lies inside the one above it.
COUNTY_OUTLINE = [
    (112.942, 28.171),
    (112.958, 28.161),
    (112.981, 28.163),
    (113.004, 28.158),
    (113.019, 28.172),
    (113.016, 28.193),
    (113.021, 28.211),
    (113.003, 28.222),
    (112.979, 28.218),
    (112.957, 28.223),
    (112.944, 28.208),
    (112.947, 28.189),
    (112.942, 28.171),
]
COUNTY_SPLIT = (112.978, 28.19)  # where the four streets meet
# street index → (west?, south?): 东风 north-east, 西湖 north-west, 南湖 south-east, 北山 south-west
STREET_QUARTERS = [(False, False), (True, False), (False, True), (True, True)]


def demo_boundaries(regions: dict) -> dict:
    """{region code: shapely geometry} for the demo's regions (deterministic)."""
    from shapely.geometry import Polygon, box

    county = Polygon(COUNTY_OUTLINE)
    west, south, east, north = county.bounds
    mid_x, mid_y = COUNTY_SPLIT
    out = {regions["county"].code: county}
    communities_of: dict[int, list] = {}
    for community in regions["communities"]:
        communities_of.setdefault(community.parent_id, []).append(community)
    grids_of: dict[int, list] = {}
    for grid in regions["grids"]:
        grids_of.setdefault(grid.parent_id, []).append(grid)
    for street, (is_west, is_south) in zip(regions["streets"], STREET_QUARTERS, strict=False):
        x0, x1 = (west, mid_x) if is_west else (mid_x, east)
        y0, y1 = (south, mid_y) if is_south else (mid_y, north)
        street_shape = county.intersection(box(x0, y0, x1, y1))
        out[street.code] = street_shape
        members = communities_of.get(street.pk, [])
        for j, community in enumerate(members):
            cx0 = x0 + (x1 - x0) * j / len(members)
            cx1 = x0 + (x1 - x0) * (j + 1) / len(members)
            community_shape = street_shape.intersection(box(cx0, y0, cx1, y1))
            out[community.code] = community_shape
            cells = grids_of.get(community.pk, [])
            for k, grid in enumerate(cells):
                gy0 = y0 + (y1 - y0) * k / len(cells)
                gy1 = y0 + (y1 - y0) * (k + 1) / len(cells)
                out[grid.code] = community_shape.intersection(box(cx0, gy0, cx1, gy1))
    return out


def build_boundaries(regions: dict) -> int:
    """Give the demo's regions their boundaries once (core.geo.set_boundary, so the audit trail has them too)."""
    from shapely.geometry import mapping

    from gongzhi.core.geo import set_boundary

    codes = [r.code for key in ("streets", "communities", "grids") for r in regions[key]] + [
        regions["county"].code
    ]
    if not Region.objects.filter(code__in=codes, boundary__isnull=True).exists():
        return 0
    shapes = demo_boundaries(regions)
    by_code = {r.code: r for key in ("streets", "communities", "grids") for r in regions[key]}
    by_code[regions["county"].code] = regions["county"]
    changed = 0
    for code, geometry in shapes.items():
        changed += set_boundary(None, by_code[code], mapping(geometry))
    return changed


def point_in(shape, rng: random.Random) -> tuple[Decimal, Decimal]:
    """A point inside a region's shape, six decimals (≈ 0.1 m), drawn with `rng`."""
    from shapely.geometry import Point

    west, south, east, north = shape.bounds
    for _ in range(200):
        lon, lat = round(rng.uniform(west, east), 6), round(rng.uniform(south, north), 6)
        if shape.contains(Point(lon, lat)):
            return Decimal(f"{lon:.6f}"), Decimal(f"{lat:.6f}")
    point = shape.representative_point()
    return Decimal(f"{point.x:.6f}"), Decimal(f"{point.y:.6f}")


def _unit(code: str, name: str, kind: str, region: Region, phone: str = "") -> Unit:
    unit, _ = Unit.objects.get_or_create(
        code=code, defaults={"name": name, "kind": kind, "region": region, "phone": phone}
    )
    return unit


def build_units(regions: dict) -> dict:
    county = regions["county"]
    units: dict = {
        "departments": {},
        "streets": {},
        "communities": {},
        "property": {},
        "owners": {},
        "enterprises": {},
        "party": [],
        "social": [],
    }
    units["hotline"] = _unit(f"{COUNTY_CODE}-{HOTLINE[0]}", HOTLINE[1], UnitKind.DEPARTMENT, county, "12345")
    for code, name, _cats in DEPARTMENTS:
        units["departments"][code] = _unit(
            f"{COUNTY_CODE}-{code}", name, UnitKind.DEPARTMENT, county, f"0731-8{code[1:]}0{code[1:]}00"
        )
    for code, name, _cats in ENTERPRISES:
        units["enterprises"][code] = _unit(f"{COUNTY_CODE}-{code}", name, UnitKind.ENTERPRISE, county)
    for code, name in SOCIAL_ORGS:
        units["social"].append(_unit(f"{COUNTY_CODE}-{code}", name, UnitKind.SOCIAL_ORG, county))
    units["party"].append(_unit(f"{COUNTY_CODE}-P00", "中共示范区委员会", UnitKind.PARTY_ORG, county))
    for street in regions["streets"]:
        units["streets"][street.pk] = _unit(
            f"{street.code}-JD", f"{street.name}办事处", UnitKind.STREET_OFFICE, street
        )
        units["party"].append(
            _unit(f"{street.code}-DGW", f"中共{street.name}工作委员会", UnitKind.PARTY_ORG, street)
        )
    for n, community in enumerate(regions["communities"]):
        units["communities"][community.pk] = _unit(
            f"{community.code}-JWH", f"{community.name}居民委员会", UnitKind.COMMUNITY_COMMITTEE, community
        )
        units["party"].append(
            _unit(f"{community.code}-DW", f"中共{community.name}委员会", UnitKind.PARTY_ORG, community)
        )
        company = PROPERTY_COMPANIES[n % len(PROPERTY_COMPANIES)]
        units["property"][community.pk] = _unit(
            f"{community.code}-WY",
            f"{company}{community.name.removesuffix('社区')}项目部",
            UnitKind.PROPERTY_COMPANY,
            community,
        )
        if n % 2 == 0:
            units["owners"][community.pk] = _unit(
                f"{community.code}-YWH",
                f"{community.name.removesuffix('社区')}小区业主委员会",
                UnitKind.OWNERS_COMMITTEE,
                community,
            )
    return units


def build_rules(units: dict, regions: dict) -> int:
    from gongzhi.appeals.models import DispatchRule

    catalogue = _catalogue()
    created = 0

    def rule(path: str, unit: Unit, region: Region | None = None, co_units=()) -> None:
        nonlocal created
        obj, was_created = DispatchRule.objects.get_or_create(
            category=catalogue[path], region=region, defaults={"unit": unit}
        )
        if was_created and co_units:
            obj.co_units.set(co_units)
        created += was_created

    for code, _name, paths in DEPARTMENTS:
        for path in paths:
            co = [units["departments"]["D12"]] if path == "城乡建设/城乡规划/违章建筑" else []
            rule(path, units["departments"][code], co_units=co)
    for code, _name, paths in ENTERPRISES:
        for path in paths:
            rule(path, units["enterprises"][code])
    for path, kind in LOCAL_RULES:
        if kind == UnitKind.PROPERTY_COMPANY:
            for community in regions["communities"]:
                owners = units["owners"].get(community.pk)
                rule(path, units["property"][community.pk], community, [owners] if owners else [])
        else:
            for street in regions["streets"]:
                rule(path, units["streets"][street.pk], street)
    return created


def build_articles() -> int:
    from gongzhi.appeals.models import KnowledgeArticle

    catalogue = _catalogue()
    created = 0
    for title, keywords, top, body in ARTICLES:
        _obj, was_created = KnowledgeArticle.objects.get_or_create(
            title=title, defaults={"body": body, "keywords": keywords, "category": catalogue.get(top)}
        )
        created += was_created
    return created


@dataclass
class DemoPeople:
    admin: User
    residents: list[User]
    operators: list[User]
    dispatcher: User
    supervisor: User
    grid_workers: dict  # community pk -> User
    staff: User
    party_member: User
    leader: User
    handlers: dict  # unit pk -> User


@functools.cache
def _password_hash(password: str) -> str:
    return make_password(password)


def demo_password_hash() -> str:
    """The one hash of GONGZHI["DEMO_PASSWORD"] that every demo account of every app shares (hashing costs ≈ 1 s)."""
    return _password_hash(settings.GONGZHI["DEMO_PASSWORD"])


# The demo accounts, one list: `make run` prints it, `gongzhi load_demo` prints it, README.md lists it (a test checks).
# (what to type to log in, the role, what they do in the demo)
DEMO_ACCOUNTS = [
    ("admin", "管理员", "超级用户，可进管理后台 /admin/"),
    ("resident1", "居民", "也可在「居民登录」用手机号 13800000001 收验证码登录"),
    ("operator1", "话务员", "12345热线中心：登记来电、直接答复、回访"),
    ("dispatcher1", "派单员", "12345热线中心：派单、并单、审核退单"),
    ("handler1", "承办人", "区住建局（handler2 人社局，handler3 教育局，handler4 城管局）"),
    ("supervisor1", "督办员", "催办、督办、审批延期"),
    ("gridworker1", "网格员", "幸福社区：巡查上报、入户走访"),
    ("staff1", "社区工作者", "幸福社区：议事协商、自组织、活动、党员中心户"),
    ("partymember1", "党员", "幸福社区党员中心户（手机号 13600000001）"),
    ("leader1", "领导", "数据看板、三率排名、诉求热点"),
    ("credit1", "信用专员", "企业信用：预惩戒、失信名单、信用修复"),
    ("13600000011", "企业联系人", "宏达建材：在「居民登录」用此手机号收验证码登录，看「本企业信用」"),
]


def demo_accounts_text() -> list[str]:
    """The lines that list DEMO_ACCOUNTS for people (the console of `make run` and of `gongzhi load_demo`)."""
    width = max(len(login) for login, _role, _what in DEMO_ACCOUNTS)
    return [f"  {login:<{width}}  {role}：{what}" for login, role, what in DEMO_ACCOUNTS]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def build_users(units: dict, regions: dict) -> DemoPeople:
    """Every role; passwords share one hash of GONGZHI["DEMO_PASSWORD"] (hashing hundreds is slow)."""
    rng = random.Random(SEED + 1)
    groups = {g.name: g for g in Group.objects.all()}
    password = demo_password_hash()
    existing = {u.username: u for u in User.objects.all()}

    def user(username: str, role: str | None, display_name: str, **fields) -> User:
        if username in existing:
            return existing[username]
        obj = User(username=username, display_name=display_name, password=password, **fields)
        obj.save()
        if role:
            obj.groups.add(groups[role])
        existing[username] = obj
        return obj

    admin = user("admin", Role.ADMIN, "系统管理员", is_staff=True, is_superuser=True)
    residents = [
        user(f"resident{i}", Role.RESIDENT, _name(rng), phone=f"138{i:08d}")
        for i in range(1, N_RESIDENTS + 1)
    ]
    hotline = units["hotline"]
    operators = [
        user(f"operator{i}", Role.OPERATOR, f"话务员{_name(rng)}", unit=hotline)
        for i in range(1, N_OPERATORS + 1)
    ]
    dispatcher = user("dispatcher1", Role.DISPATCHER, f"派单员{_name(rng)}", unit=hotline)
    supervisor = user("supervisor1", Role.SUPERVISOR, f"督办员{_name(rng)}", unit=hotline)
    leader = user("leader1", Role.LEADER, f"{_name(rng)}（区领导）", unit=units["departments"]["D19"])
    user("credit1", Role.CREDIT_OFFICER, f"信用专员{_name(rng)}", unit=units["departments"]["D16"])
    communities = regions["communities"]
    grid_workers = {}
    for i, community in enumerate(communities, 1):
        grid = next(g for g in regions["grids"] if g.parent_id == community.pk)
        grid_workers[community.pk] = user(
            f"gridworker{i}",
            Role.GRID_WORKER,
            f"网格员{_name(rng)}",
            phone=f"137{i:08d}",
            region=grid,
            unit=units["communities"][community.pk],
        )
    staff = user(
        "staff1",
        Role.COMMUNITY_STAFF,
        f"社区干事{_name(rng)}",
        region=communities[0],
        unit=units["communities"][communities[0].pk],
    )
    party_member = user(
        "partymember1",
        Role.PARTY_MEMBER,
        f"党员{_name(rng)}",
        phone="13600000001",
        region=communities[0],
        unit=units["party"][-len(communities)],
    )
    handlers = {}
    numbered = [units["departments"][code] for code, _n, _c in DEPARTMENTS]
    for i, unit in enumerate(numbered, 1):
        handlers[unit.pk] = user(f"handler{i}", Role.HANDLER, f"{_name(rng)}", unit=unit)
    others = [*units["enterprises"].values(), *units["streets"].values(), *units["property"].values()]
    for unit in others:
        handlers[unit.pk] = user(f"handler-{unit.code.lower()}", Role.HANDLER, _name(rng), unit=unit)
    return DemoPeople(
        admin,
        residents,
        operators,
        dispatcher,
        supervisor,
        grid_workers,
        staff,
        party_member,
        leader,
        handlers,
    )


# ---------------------------------------------------------------- replaying the histories


class HistoryTaskBackend(DummyBackend):
    """During the replay: queue nothing (the notifications of the past are recorded as delivered)."""

    def enqueue(self, task, args, kwargs):
        return None


@dataclass
class Plan:
    row: DemoRow
    t0: datetime
    category: object  # Category | None
    region: Region
    kind: str
    urgency: str
    channel: str
    intake: str  # resident | operator | staff | grid | party
    appellant: User | None
    caller_phone: str
    caller_name: str
    anonymous: bool
    confidential: bool
    fate: str  # normal | refer | answer | withdraw | merge | return_ok | return_no | extend | stuck | late
    rng: random.Random


class Replay:
    def __init__(
        self,
        rows: list[DemoRow],
        people: DemoPeople,
        units: dict,
        regions: dict,
        *,
        end: datetime,
        days: int,
        progress=None,
    ):
        from gongzhi.appeals.models import KnowledgeArticle

        self.rows, self.people, self.units, self.regions = rows, people, units, regions
        self.end, self.days = end, days
        self.start = end - timedelta(days=days)
        # progress(fraction of the replayed time, the time reached), after every chunk
        self.progress = progress or (lambda fraction, when: None)
        self.notification_floor = Notification.objects.aggregate(m=Max("pk"))["m"] or 0
        self.new_appeals: list[
            int
        ] = []  # submitted in the running chunk: they join hot spots after it commits
        self.rng = random.Random(SEED + 2)
        self.catalogue = _catalogue()
        self.articles = list(KnowledgeArticle.objects.order_by("pk"))
        self.failures: Counter = Counter()
        self.failure_examples: list[str] = []
        self.actions: Counter = Counter()
        self.grid_list = regions["grids"]
        from gongzhi.core.geo import to_shape

        self.grid_shapes = {
            pk: to_shape(b)
            for pk, b in Region.with_boundary.filter(
                pk__in=[g.pk for g in self.grid_list], boundary__isnull=False
            ).values_list("pk", "boundary")
        }
        # Some places ask more than others: a skewed weight per grid.
        self.grid_weights = [self.rng.uniform(0.4, 2.0) for _ in self.grid_list]
        self.quality: dict = {}
        self.suggestions: dict = {}

    # ---- helpers

    def now(self) -> datetime:
        return timezone.now()

    def unit_quality(self, unit: Unit) -> float:
        if unit.pk not in self.quality:
            self.quality[unit.pk] = random.Random(f"{SEED}-{unit.code}").uniform(0.72, 0.97)
        return self.quality[unit.pk]

    @staticmethod
    def office(t: datetime, rng: random.Random, urgent: bool = False) -> datetime:
        """Move a staff action that falls at night to the next morning (urgent work goes on at night)."""
        if urgent:
            return t
        local = timezone.localtime(t)
        if local.hour < 8:
            return t + timedelta(hours=8 - local.hour, minutes=rng.randint(0, 50))
        if local.hour >= 20:
            return t + timedelta(hours=24 - local.hour + 8, minutes=rng.randint(0, 50))
        return t

    @staticmethod
    def within(start: datetime, due: datetime, lo: float, hi: float, rng: random.Random) -> datetime:
        return start + (due - start) * rng.uniform(lo, hi)

    def act(self, fn, *args, **kwargs):
        """Call a service; a refusal is counted (and the story ends), never hidden."""
        try:
            result = fn(*args, **kwargs)
        except ServiceError as exc:
            self.failures[fn.__name__] += 1
            if len(self.failure_examples) < 10:
                self.failure_examples.append(f"{fn.__name__}: {exc}")
            return None
        self.actions[fn.__name__] += 1
        return result

    def category_for(self, row: DemoRow):
        text = f"{row.title} {row.detail}"
        for regex, path in _KEYWORD_RES:
            if (not row.label or path.startswith(row.label + "/")) and regex.search(text):
                return self.catalogue[path]
        if row.label:
            return self.catalogue[f"{row.label}/其他/其他"]
        return None

    @staticmethod
    def kind_for(row: DemoRow, rng: random.Random) -> str:
        title = row.title
        if re.search(r"咨询|请问|如何|怎么|能否|是否|何时|什么时候", title):
            return "consultation"
        if "举报" in title:
            return "report"
        if "投诉" in title:
            return "complaint"
        if re.search(r"感谢|表扬|点赞", title):
            return "praise"
        if re.search(r"建议|希望", title):
            return "suggestion"
        if re.search(r"求助|请求|恳请|帮助|救救", title):
            return "help"
        return "complaint" if rng.random() < 0.6 else "help"

    def times(self, n: int) -> list[datetime]:
        """n receipt times over the window, denser in the daytime, sorted."""
        out = []
        span = (self.end - self.start).total_seconds() - 3600
        for _ in range(n):
            t = self.start + timedelta(seconds=self.rng.uniform(0, span))
            local = timezone.localtime(t)
            if local.hour < 7 or (local.hour >= 22 and self.rng.random() < 0.8):
                t += timedelta(hours=(9 - local.hour) % 24, minutes=self.rng.randint(0, 59))
            out.append(min(t, self.end - timedelta(minutes=30)))
        return sorted(out)

    def plan(self, row: DemoRow, t0: datetime) -> Plan:
        rng = random.Random(f"{SEED}-{row.client_key}")
        category = self.category_for(row)
        grid = self.rng.choices(self.grid_list, weights=self.grid_weights)[0]
        home = random.Random(f"{SEED}-{row.group}").choices(self.grid_list, weights=self.grid_weights)[0]
        kind = self.kind_for(row, rng)
        urgency = "normal"
        if category is not None and category.name in ("自来水供应", "燃气供应", "电力供应", "冬季采暖"):
            urgency = "timely"
        elif re.search(r"紧急|危险|倒塌|坍塌", row.title) and rng.random() < 0.4:
            urgency = "emergency"
        roll = rng.random()
        people = self.people
        resident = people.residents[0] if rng.random() < 0.01 else rng.choice(people.residents)
        appellant, caller_phone, caller_name = resident, "", ""
        if roll < 0.30:
            channel, intake = "mobile", "resident"
        elif roll < 0.45:
            channel, intake = "web", "resident"
        elif roll < 0.72:
            channel, intake = "hotline", "operator"
        elif roll < 0.77:
            channel, intake = "walk_in", "operator"
        elif roll < 0.80:
            channel, intake = "letter", "operator"
        elif roll < 0.84:
            channel, intake = "proxy", "staff"
            grid = self.rng.choice([g for g in self.grid_list if g.parent_id == people.staff.region_id])
        elif roll < 0.92:
            channel, intake, appellant = "grid_patrol", "grid", None
        elif roll < 0.97:
            channel, intake = "household_visit", "grid"
        else:
            channel, intake = "household_visit", "party"
            grid = self.rng.choice(
                [g for g in self.grid_list if g.parent_id == people.party_member.region_id]
            )
        if row.group:  # one problem in one place: every appeal of the group from residents of one grid
            grid = home
            if intake not in ("resident", "operator"):
                channel, intake, appellant = "mobile", "resident", resident
        if intake in ("operator", "staff", "grid", "party") and appellant is not None:
            caller_phone, caller_name = appellant.phone, appellant.display_name
            if intake == "operator" and rng.random() < 0.01:  # a caller without an account
                caller_phone, caller_name, appellant = f"139{rng.randrange(10**8):08d}", _name(rng), None
        anonymous = intake == "resident" and rng.random() < 0.03
        fate_roll = rng.random()
        fate = "normal"
        for name, p in (
            ("refer", 0.015),
            ("answer", 0.04 if kind == "consultation" else 0.0),
            ("withdraw", 0.02 if appellant is not None else 0.0),
            ("merge", 0.03),
            ("return_ok", 0.03),
            ("return_no", 0.025),
            ("extend", 0.05),
            ("stuck", 0.03),
            ("late", 0.08),
        ):
            if fate_roll < p:
                fate = name
                break
            fate_roll -= p
        return Plan(
            row=row,
            t0=t0,
            category=category,
            region=grid,
            kind=kind,
            urgency=urgency,
            channel=channel,
            intake=intake,
            appellant=appellant,
            caller_phone=caller_phone,
            caller_name=caller_name,
            anonymous=anonymous,
            confidential=rng.random() < 0.03,
            fate=fate,
            rng=rng,
        )

    # ---- the stories

    def story(self, p: Plan):
        from gongzhi.appeals import services as s

        rng, people = p.rng, self.people
        urgent = p.urgency in ("emergency", "timely")
        content = p.row.detail if len(p.row.detail) >= 10 else f"{p.row.title}。{p.row.detail}"
        title = p.row.title if len(p.row.title) >= 4 else f"{p.row.title}：{content}"[:20]
        staff_intake = p.intake != "resident"
        fields = {
            "kind": p.kind,
            "channel": p.channel,
            "title": title[:200],
            "content": content,
            "region": p.region,
            "urgency": p.urgency,
            "client_key": p.row.client_key,
            "anonymous": p.anonymous,
            "confidential": p.confidential,
            # the operator classifies on the phone; a resident's own submission is classified at dispatch
            "category": p.category if staff_intake else None,
        }
        if p.intake == "resident":
            actor = p.appellant
        elif p.intake == "operator":
            actor = rng.choice(people.operators)
        elif p.intake == "staff":
            actor = people.staff
        elif p.intake == "party":
            actor = people.party_member
        else:
            actor = people.grid_workers[p.region.parent_id]
        if staff_intake and p.caller_phone:
            fields.update(appellant_phone=p.caller_phone, appellant_name=p.caller_name)
        # Where: a phone's position or a tap on the map for most; a letter has none, nor half the calls. Its own
        # random stream, so the stories of the appeals stay what they were before places came.
        place_rng = random.Random(f"{SEED}-place-{p.row.client_key}")
        shape = self.grid_shapes.get(p.region.pk)
        if (
            shape is not None
            and p.channel != "letter"
            and not (p.channel == "hotline" and place_rng.random() < 0.5)
        ):
            fields["longitude"], fields["latitude"] = point_in(shape, place_rng)
        result = self.act(s.submit_appeal, actor, **fields)
        if result is None:
            return
        appeal = result[0]
        pk = appeal.pk
        self.new_appeals.append(pk)

        # ---- at the hotline centre
        if p.fate == "refer":
            yield self.office(self.now() + timedelta(minutes=rng.randint(5, 90)), rng)
            target = (
                "arbitration"
                if "仲裁" in content
                else "litigation"
                if re.search("法院|起诉|诉讼", content)
                else "110"
                if re.search("诈骗|盗窃|打架", content)
                else "petition"
            )
            self.act(
                s.refer_out,
                rng.choice(people.operators),
                pk,
                target=target,
                reason="该诉求须通过法定途径解决，已告知诉求人相应的办理渠道",
            )
            return
        if p.fate == "answer":
            article = self.article_for(p.row)
            if article is not None:
                yield self.now() + timedelta(minutes=rng.randint(3, 40))
                self.act(
                    s.answer_directly,
                    rng.choice(people.operators),
                    pk,
                    text=f"您好！关于“{article.title}”：{article.body}",
                    article=article,
                )
                return
        yield self.office(self.now() + timedelta(minutes=rng.randint(10, 180)), rng, urgent)
        if p.fate == "withdraw" and rng.random() < 0.5:
            self.act(s.withdraw, p.appellant, pk, reason="问题已自行解决，撤回诉求")
            return
        if p.fate == "merge":
            master = self.find_master(p, pk)
            if master is not None:
                self.act(
                    s.merge_into,
                    people.dispatcher,
                    pk,
                    master=master,
                    note="与已受理诉求反映同一问题，并单办理",
                )
                return
        lead, co_units = self.suggested(p)
        appeal = self.act(
            s.dispatch, people.dispatcher, pk, lead_unit=lead, co_units=co_units, category=p.category
        )
        if appeal is None:
            return

        # ---- at the handling unit (with perhaps one return and a re-dispatch)
        returned = False
        while True:
            handler = people.handlers[appeal.lead_unit_id]
            sign_at = self.within(appeal.dispatched_at, appeal.sign_due, 0.05, 0.7, rng)
            if p.fate in ("late", "stuck") and rng.random() < 0.4:
                sign_at = appeal.sign_due + (appeal.sign_due - appeal.dispatched_at) * rng.uniform(0.1, 1.5)
            if p.fate == "withdraw":
                yield self.within(appeal.dispatched_at, appeal.sign_due, 0.05, 0.3, rng)
                self.act(s.withdraw, p.appellant, pk, reason="问题已自行解决，撤回诉求")
                return
            if p.fate in ("return_ok", "return_no") and not returned:
                returned = True
                yield self.office(
                    self.within(appeal.dispatched_at, appeal.sign_due, 0.1, 0.6, rng), rng, urgent
                )
                appeal = self.act(s.request_return, handler, pk, reason=rng.choice(RETURN_REASONS))
                if appeal is None:
                    return
                yield self.office(self.now() + timedelta(minutes=rng.randint(30, 240)), rng, urgent)
                if p.fate == "return_ok":
                    appeal = self.act(
                        s.approve_return, people.dispatcher, pk, note="经审核，同意退单，改派属地街道"
                    )
                    if appeal is None:
                        return
                    yield self.office(self.now() + timedelta(minutes=rng.randint(10, 120)), rng, urgent)
                    street = p.region.ancestor_at(RegionLevel.STREET)
                    appeal = self.act(
                        s.dispatch,
                        people.dispatcher,
                        pk,
                        lead_unit=self.units["streets"][street.pk],
                        note="改派属地街道办理",
                    )
                    if appeal is None:
                        return
                    continue
                appeal = self.act(
                    s.reject_return, people.dispatcher, pk, note="经审核，该事项属于贵单位职责，请按时办理"
                )
                if appeal is None:
                    return
                sign_at = max(self.now() + timedelta(minutes=10), sign_at)
            break
        yield self.office(max(sign_at, self.now() + timedelta(minutes=1)), rng, urgent)
        appeal = self.act(s.sign, handler, pk)
        if appeal is None:
            return
        if appeal.contact_due:
            contact_at = self.within(appeal.signed_at, appeal.contact_due, 0.05, 0.8, rng)
            if p.fate in ("late", "stuck") and rng.random() < 0.5:
                contact_at = appeal.contact_due + timedelta(hours=rng.uniform(1, 30))
        else:
            contact_at = appeal.signed_at + timedelta(minutes=rng.randint(10, 120))
        yield self.office(contact_at, rng, urgent)
        appeal = self.act(
            s.record_contact,
            handler,
            pk,
            note=f"已电话联系诉求人，了解具体情况（{p.caller_name or '诉求人'}）",
        )
        if appeal is None:
            return
        if p.fate == "extend" and appeal.reply_due and self.now() < appeal.reply_due:
            yield self.within(self.now(), appeal.reply_due, 0.2, 0.5, rng)
            appeal = self.act(
                s.request_extension,
                handler,
                pk,
                reason=rng.choice(EXTENSION_REASONS),
                working_days=rng.choice((3, 5, 5, 7, 10)),
            )
            if appeal is None:
                return
            yield self.office(self.now() + timedelta(minutes=rng.randint(30, 300)), rng)
            if rng.random() < 0.8:
                appeal = self.act(s.approve_extension, people.supervisor, pk, note="情况属实，同意延期")
            else:
                appeal = self.act(
                    s.deny_extension, people.supervisor, pk, note="事项不复杂，应在原时限内办结"
                )
            if appeal is None:
                return

        # ---- reply, callback, perhaps reopen (重办) up to the limit
        round_no = 0
        while True:
            start = max(self.now(), appeal.reopened_at or appeal.contacted_at)
            due = appeal.reply_due
            if due is None or due <= start:
                reply_at = start + timedelta(hours=rng.uniform(2, 30))
            else:
                reply_at = self.within(start, due, 0.15, 0.9, rng)
            if p.fate == "late" and round_no == 0 and due is not None:
                reply_at = max(due, start) + timedelta(hours=rng.uniform(2, 72))
            if p.fate == "stuck" and due is not None:
                reply_at = max(due, start) + timedelta(days=rng.uniform(4, 20))
            yield self.office(reply_at, rng, urgent)
            text = rng.choice(REPLY_AGAIN if round_no else REPLY_ACTIONS)
            appeal = self.act(
                s.reply,
                handler,
                pk,
                text=f"您好！您反映的“{p.row.title[:40]}”问题，{text}。"
                f"如有疑问请致电{appeal.lead_unit.phone or '12345'}。",
            )
            if appeal is None or appeal.state != "replied":
                return  # anonymous and consultation appeals close at the reply
            yield self.office(self.within(appeal.replied_at, appeal.callback_due, 0.05, 0.8, rng), rng)
            if rng.random() < 0.05:  # not reached the first time
                self.act(s.callback, rng.choice(people.operators), pk, reached=False)
                yield self.office(self.now() + timedelta(hours=rng.uniform(3, 20)), rng)
            verdict = self.verdict(appeal, rng, round_no)
            online = (
                appeal.appellant_id is not None
                and p.appellant is not None
                and p.appellant.has_role(Role.RESIDENT)
                and rng.random() < 0.35
            )
            caller = p.appellant if online else rng.choice(people.operators)
            appeal = self.act(s.callback, caller, pk, **verdict)
            if appeal is None:
                return
            if appeal.state == "closed":
                return
            if appeal.state == "replied":  # the reopen limit is reached: the supervisor closes it
                yield self.office(self.now() + timedelta(hours=rng.uniform(2, 48)), rng)
                self.act(s.close_unresolvable, people.supervisor, pk, note=UNRESOLVABLE_NOTE)
                return
            round_no += 1

    def verdict(self, appeal, rng: random.Random, round_no: int) -> dict:
        # A second reopen is often a hard case (a demand beyond policy): it rarely ends solved.
        q = self.unit_quality(appeal.lead_unit) + (0.08 if round_no == 1 else -0.4 if round_no >= 2 else 0)
        contacted = appeal.contacted_at is not None and rng.random() < 0.97
        solved = rng.random() < q
        if solved:
            r = rng.random()
            satisfaction = "satisfied" if r < q - 0.1 else "basically" if r < 0.985 else "unsatisfied"
        else:
            satisfaction = "unsatisfied" if rng.random() < 0.75 else "basically"
        return {
            "contacted": contacted,
            "solved": solved,
            "satisfaction": satisfaction,
            "comment": "" if solved else "问题没有得到实际解决",
        }

    def suggested(self, p: Plan) -> tuple[Unit, list[Unit]]:
        """The catalogue's suggestion (the dispatcher takes it); the rules do not change during the replay."""
        from gongzhi.appeals.services import suggest_dispatch

        key = (getattr(p.category, "pk", None), p.region.pk)
        if key not in self.suggestions:
            rule = suggest_dispatch(p.category, p.region)
            if rule is None:  # not in the catalogue: the street where it happens (属地)
                street = p.region.ancestor_at(RegionLevel.STREET)
                self.suggestions[key] = (self.units["streets"][street.pk], [])
            else:
                self.suggestions[key] = (rule.unit, list(rule.co_units.all()))
        return self.suggestions[key]

    def article_for(self, row: DemoRow):
        text = f"{row.title} {row.detail}"
        for article in self.articles:
            if any(k and k in text for k in article.keywords.split()):
                return article
        return None

    def find_master(self, p: Plan, pk: int):
        from gongzhi.appeals.choices import OPEN_STATES, AppealState
        from gongzhi.appeals.models import Appeal

        if p.category is None:
            return None
        community = p.region.parent
        return (
            Appeal.objects.filter(
                state__in=OPEN_STATES,
                received_at__gte=self.now() - timedelta(days=20),
                region__path__startswith=community.path,
                category=p.category,
            )
            .exclude(state=AppealState.RECEIVED)
            .exclude(pk=pk)
            .order_by("received_at")
            .first()
        )

    def ticks(self):
        """The deadline sweep at 09:00 of every other working day, and of every working day in the last two
        weeks (the worker runs it every minute; this keeps the replay fast and still issues every level of
        催办/督办 on what was late)."""
        from gongzhi.appeals.services import sweep_deadlines
        from gongzhi.core.calendar import is_working_day

        day = timezone.localtime(self.start).replace(hour=9, minute=0, second=0, microsecond=0)
        count = 0
        while True:
            day += timedelta(days=1)
            if not is_working_day(day.date()):
                continue
            count += 1
            if count % 2 and day < self.end - timedelta(days=14):
                continue  # every other working day, and every working day in the last two weeks
            yield day
            self.actions["sweep_deadlines"] += 1
            self.actions["supervisions"] += sweep_deadlines()

    def run(self, chunk_seconds: float = 0.5) -> None:
        """Runs every story in time order, committing every `chunk_seconds` of work: the web server of `make run` is
        already serving, and SQLite's one writer lock must not be held for minutes (a login would wait for it).
        After each chunk its notifications are marked delivered (they are history) and the progress is reported."""
        import time_machine

        from gongzhi.insight.gazetteer import learn_from_texts

        # The places the appeals to come will name, so that the live hot spots know them from the first appeal
        # (a running county learns them daily from its own appeals: insight.tasks.learn_places).
        learn_from_texts((row.title, row.detail) for row in self.rows)
        times = self.times(len(self.rows))
        surge = self.surge()
        heap: list = []
        seq = itertools.count()
        for i, (row, t0) in enumerate(zip(self.rows, times, strict=True)):
            plan = surge[i](row) if i in surge else self.plan(row, t0)
            heapq.heappush(heap, (plan.t0, next(seq), self.story(plan)))
        heapq.heappush(heap, (self.start + timedelta(hours=1), next(seq), self.ticks()))
        steps = 0
        span = (self.end - self.start).total_seconds()
        with time_machine.travel(self.start, tick=False) as traveller:
            while heap:
                chunk_began = time.perf_counter()
                with transaction.atomic(), refcache.one_read():
                    while heap and time.perf_counter() - chunk_began < chunk_seconds:
                        when, _n, story = heapq.heappop(heap)
                        if when >= self.end:
                            continue  # the future: recent appeals stay where they are
                        traveller.move_to(when)
                        try:
                            nxt = next(story)
                        except StopIteration:
                            continue
                        heapq.heappush(heap, (max(nxt, when + timedelta(seconds=1)), next(seq), story))
                        steps += 1
                    self.mark_history_delivered()
                self.join_hotspots()
                if heap:
                    self.progress(min(1.0, (when - self.start).total_seconds() / span), when)
        self.steps = steps

    def surge(self) -> dict:
        """A surge that the leaders' 异常预警 finds (insight.surges): SURGE_COUNT appeals of one category from the
        grids of one street on one day, SURGE_DAYS_AGO days before the end (other days see about one such appeal a
        day there). Returns {row index: make the row's plan}; empty when the rows hold too few of the category."""
        picked = [i for i, row in enumerate(self.rows) if row.label == SURGE_CATEGORY][:SURGE_COUNT]
        if len(picked) < SURGE_COUNT or self.days < SURGE_DAYS_AGO + 30:
            return {}
        street = self.regions["streets"][0]
        grids = [g for g in self.grid_list if g.path.startswith(street.path)]
        day = timezone.localtime(self.end - timedelta(days=SURGE_DAYS_AGO)).replace(
            hour=8, minute=0, second=0, microsecond=0
        )
        makers = {}
        for n, i in enumerate(picked):

            def make(row, n=n):
                plan = self.plan(row, day)
                return dataclasses.replace(
                    plan,
                    t0=day + timedelta(minutes=40 * n + plan.rng.randint(0, 30)),
                    region=grids[n % len(grids)],
                    channel="mobile",
                    intake="resident",
                    appellant=self.people.residents[100 + n],
                    caller_phone="",
                    caller_name="",
                    anonymous=False,
                    fate="normal",
                )

            makers[i] = make
        return makers

    def join_hotspots(self) -> None:
        join_hotspots(self.new_appeals)
        self.new_appeals.clear()

    def mark_history_delivered(self) -> None:
        """The replay's notifications are history: recorded as delivered when they were written, never sent now.
        Only those dated before the replay's end: a login code the web server wrote meanwhile stays pending for
        the worker."""
        Notification.objects.filter(
            pk__gt=self.notification_floor, status=NotificationStatus.PENDING, created_at__lt=self.end
        ).update(status=NotificationStatus.SENT, sent_at=F("created_at"), attempts=1)


# ---------------------------------------------------------------- the entry point


def join_hotspots(appeal_ids: list[int]) -> None:
    """The replay queues no analyse_appeal task (HistoryTaskBackend): after each chunk commits, its new appeals join
    the hot spots here, in the order they came in, as the worker does for each new appeal a moment after it is
    committed (insight.live.update_hotspots, each in its own transaction)."""
    from gongzhi.insight import live

    for pk in appeal_ids:
        live.update_hotspots(pk)


@dataclass
class DemoResult:
    created_appeals: int = 0
    skipped_replay: bool = False
    states: dict = field(default_factory=dict)
    actions: dict = field(default_factory=dict)
    failures: dict = field(default_factory=dict)
    failure_examples: list = field(default_factory=list)
    supervisions_now: int = 0
    hotspots: int = 0
    seconds: float = 0.0


def demo_loaded() -> bool:
    from gongzhi.appeals.models import Appeal

    return (
        Region.objects.filter(code=COUNTY_CODE).exists()
        and Appeal.objects.filter(client_key__startswith=CLIENT_KEY_PREFIX).exists()
    )


def assign_surge(people: DemoPeople, units: dict) -> int:
    """The leader turns the demo's surge (Replay.surge), as 异常预警 lists it, into a 主动治理任务 for the unit that
    answers for its category (the dispatch catalogue's rule), as a leader would on the dashboard. Returns how many."""
    from gongzhi.appeals.models import Category
    from gongzhi.appeals.selectors import visible_appeals
    from gongzhi.appeals.services import suggest_dispatch
    from gongzhi.insight import proactive, surges

    made = 0
    for alert in surges.appeal_alerts(visible_appeals(people.leader)):
        if alert["key"][0] != SURGE_CATEGORY or alert["category_id"] is None:
            continue
        category = Category.objects.get(pk=alert["category_id"])
        street = Region.objects.get(pk=alert["street_id"])
        rule = suggest_dispatch(category, street)
        try:
            proactive.create_proactive_task(
                people.leader,
                category=category,
                street=street,
                day=alert["day"],
                unit=rule.unit if rule else units["streets"][street.pk],
                instructions="近两天该街道环境类诉求明显增多，请排查噪声、油烟等污染源，集中整治并反馈。",
            )
        except ServiceError:
            continue  # already assigned (a second load)
        made += 1
    return made


def load_structure() -> tuple[dict, dict, DemoPeople]:
    """The county, its units, the people, the dispatch catalogue and the knowledge base: seconds, and enough for
    every account to log in (`make run` serves after this and loads the rest in the background)."""
    with transaction.atomic():
        ensure_role_groups()
        regions = build_regions()
        units = build_units(regions)
        people = build_users(units, regions)
        build_rules(units, regions)
        build_articles()
    return regions, units, people


def load_demo(
    *, limit: int | None = DEMO_APPEALS, days: int = DEMO_DAYS, log=None, structure_only: bool = False
) -> DemoResult:
    """Loads the demo; `log` gets a line for people now and then (in Chinese: it is what `make run` shows), and
    `core.demo_state` tells every page's banner how far it has come."""
    from gongzhi.appeals.models import Appeal
    from gongzhi.core import demo_state

    began = time.perf_counter()
    log = log or (lambda msg: None)
    result = DemoResult()
    regions, units, people = load_structure()
    if structure_only:
        result.skipped_replay = True
        return result
    try:
        if demo_loaded():
            result.skipped_replay = True
        else:
            _replay(result, people, units, regions, limit=limit, days=days, log=log)
        demo_state.report(phase="共建、议事和信用的演示数据", percent=95)
        from gongzhi.community.demo import load_community_demo
        from gongzhi.credit.demo import load_credit_demo
        from gongzhi.deliberation.demo import load_deliberation_demo

        load_community_demo(log=log)
        load_credit_demo(log=log)
        load_deliberation_demo(log=log)
    finally:
        demo_state.finished()
    result.states = dict(
        Counter(
            Appeal.objects.filter(client_key__startswith=CLIENT_KEY_PREFIX).values_list("state", flat=True)
        )
    )
    result.seconds = time.perf_counter() - began
    return result


def _replay(result: DemoResult, people, units, regions, *, limit, days, log) -> None:
    from gongzhi.appeals.models import Appeal
    from gongzhi.appeals.services import sweep_deadlines
    from gongzhi.core import demo_state
    from gongzhi.insight.models import HotSpot

    rows = read_demo_rows(limit)
    log(f"正在回放 {len(rows)} 件真实诉求近 {days} 天的办理过程（派单、签收、答复、回访、催办）…")
    before = Appeal.objects.count()
    shown = [-1]

    def progress(fraction: float, when: datetime) -> None:
        percent = int(fraction * 90)  # the replay is 90 % of the work; the other demos the rest
        demo_state.report(
            phase="诉求办理过程", percent=percent, detail=f"，已回放到 {timezone.localtime(when):%m月%d日}"
        )
        if percent // 10 > shown[0]:
            shown[0] = percent // 10
            log(
                f"  演示数据 {percent:>2}%：已回放到 {timezone.localtime(when):%Y年%m月%d日}（{time.perf_counter() - t0:.0f} 秒）"
            )

    t0 = time.perf_counter()
    # The replay's thousands of notifications are history: no delivery task is queued for them (the dummy task
    # backend), and they are recorded as delivered when they were written. DEBUG=False keeps Django from logging
    # the replay's half a million queries in memory.
    quiet_tasks = {"default": {"BACKEND": f"{__name__}.HistoryTaskBackend"}}
    with override_settings(TASKS=quiet_tasks, DEBUG=False):
        replay = Replay(rows, people, units, regions, end=timezone.now(), days=days, progress=progress)
        replay.run()
    # Today's sweep, at the real time: its notices stay pending for the worker to deliver.
    result.supervisions_now = sweep_deadlines()
    assign_surge(people, units)
    result.hotspots = HotSpot.objects.count()
    result.created_appeals = Appeal.objects.count() - before
    result.actions = dict(replay.actions)
    result.failures = dict(replay.failures)
    result.failure_examples = replay.failure_examples
