"""Personal data removed from free text before the public reads it (appeals spec §7; 个人信息保护法).

One service for Open311 reads without a private-scope key, the public pages, alerts and any public export:
`redact(text, names=(...))` replaces each span of personal data with a token:

| token | what | rule |
|---|---|---|
| 〔电话〕 | mobile numbers (``13812345678``, ``138 1234 5678``, ``138-1234-5678``, ``+86 138…``, ``86-138…``) and landlines (``0731-84512345``, ``(0731)84512345``) | digit patterns, not inside a longer number |
| 〔证件号〕 | resident ID numbers (18 digits, the last may be X; the old 15 digits) | digit pattern |
| 〔车牌〕 | plate numbers (``湘A12345``, ``京A·D12345``, new-energy ``粤BD12345``) | a province abbreviation, a letter, 5–6 letters/digits without I/O |
| 〔门牌〕 | house and room numbers: ``3栋201室``, ``2单元``, ``12号楼``, ``5楼505``, ``201室``, ``门牌12号`` | a number (Arabic or Chinese) with 栋/幢/座/号楼/单元/室/户/号房 and the room number after it |
| 〔姓名〕 | a name right after 我是/我叫/本人/联系人/姓名/举报人/投诉人 (or ``的``/``户主``) that starts with a common surname; a surname + 先生/女士/小姐/阿姨 …; and the appellant's own name (``names=``) wherever it appears | surname list + given name of 1–2 characters |

Measured: recall on 200 annotated real appeal texts (`gongzhi/core/tests/data/redaction_set.json`, built by
`scripts/build_redaction_set.py`; see docs/privacy.md). Precision is not the aim: a street name that happens to start with a
surname may be hidden too; the public reads the community, the category and the problem, not the house.
"""

import re
from collections.abc import Iterable
from typing import Any, Protocol

NAME, PHONE, ID, PLATE, HOUSE = "〔姓名〕", "〔电话〕", "〔证件号〕", "〔车牌〕", "〔门牌〕"
TOKENS = (NAME, PHONE, ID, PLATE, HOUSE)

# The ~200 most common single surnames (百家姓 by population) and the compound ones still in use.
SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖萧田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔"
    "钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊"
    "葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝"
    "路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全"
    "佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌"
    "奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦"
    "戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信"
    "展阴昝智幸奉植衡富尧闭由"
) - set(
    "敬都车权严原时党房沙安强国平全和成向应"
)  # rare surnames that mostly start common words (都是, 时间, 原定)
COMPOUND_SURNAMES = (
    "欧阳",
    "司马",
    "上官",
    "诸葛",
    "东方",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "长孙",
    "宇文",
    "司徒",
    "夏侯",
    "令狐",
    "澹台",
    "西门",
    "南宫",
    "端木",
    "独孤",
    "万俟",
    "呼延",
    "申屠",
)

_CN_NUM = "零〇一二三四五六七八九十百两"
_NUM = rf"(?:\d{{1,5}}|[{_CN_NUM}]{{1,4}})"
_ALNUM_NUM = rf"(?:[A-Za-z]?\d{{1,5}}[A-Za-z]?|[{_CN_NUM}]{{1,4}})"

_PHONE_RE = re.compile(
    r"(?<![\dA-Za-z])(?:(?:\+|00)?86[ \-]?)?1[3-9]\d[ \-]?\d{4}[ \-]?\d{4}(?!\d)"  # mobile
    r"|(?<![\dA-Za-z])(?:\(?0\d{2,3}\)?[ \-]?)\d{7,8}(?:-\d{1,4})?(?!\d)"  # landline with area code
)
_ID_RE = re.compile(
    r"(?<![\dA-Za-z])(?:[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
    r"|[1-9]\d{14})(?![\dA-Za-z])"
)
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼楚"
_PLATE_RE = re.compile(
    rf"[{_PROVINCES}][A-HJ-NP-Z][·•\-\s]?(?:[DF][A-HJ-NP-Z0-9]\d{{4}}|\d{{5}}[DF]"
    rf"|(?=[A-HJ-NP-Z0-9]*\d)[A-HJ-NP-Z0-9]{{4}}[A-HJ-NP-Z0-9挂学警港澳])(?![A-Za-z0-9])"
)
# house and room numbers
# a building: "3栋", "T9-1栋", "A栋", a list "14、15栋" / "41、42、44栋", "25#楼", "25-26#楼"
_BUILDING = (
    rf"(?:(?:{_ALNUM_NUM}[、，,和及])*(?:[A-Za-z]?\d{{1,3}}[\-—－])?{_ALNUM_NUM}(?:栋|幢|座|号楼|号栋|栋楼)"
    rf"|(?<![A-Za-z])[A-Z]{{1,2}}(?:栋|幢|座)"
    rf"|\d{{1,3}}(?:[\-—－]\d{{1,3}})?[#＃](?:楼|栋)?)"
)
_UNIT = rf"{_NUM}(?:单元|门洞)"
_FLOOR = rf"{_NUM}(?:楼|层)"
_ROOM = (
    rf"(?:{_ALNUM_NUM}(?:室|号房|户|号)|[（(][A-Za-z]?\d{{3,4}}[)）]"
    rf"|[A-Za-z]?\d{{3,4}}(?![\d年月日元米平个号万多层级岁次天]))"
)
_SEP = r"[\-—－_#＃ ]?"
_HOUSE_RE = re.compile(
    rf"(?:门牌(?:号码?)?[:：为是]?\s*{_ALNUM_NUM}(?:[\-—－]\d{{1,4}})?号?)"
    rf"|(?:{_BUILDING}{_SEP}(?:{_UNIT}{_SEP})?(?:{_FLOOR}{_SEP})?(?:{_ROOM})?)"
    rf"|(?:{_UNIT}{_SEP}(?:{_FLOOR}{_SEP})?(?:{_ROOM})?)"
    rf"|(?<![\d号])\d{{1,4}}[\-—－]\d{{1,2}}[\-—－]\d{{2,4}}(?:室|号)?"
    rf"|(?:{_ALNUM_NUM}(?:室|号房))"
    rf"|(?<![\d\-—－])\d{{1,3}}[\-—－]\d{{3,4}}(?![\d\-年月])(?=[的室号房户]|业主|住户)"  # 2-204的业主
    rf"|(?<=楼上|楼下|隔壁|对门|对面)[A-Za-z]?\d{{3,4}}(?!\d)"  # 楼上304
    rf"|(?<![\d\-.第])\d{{3,4}}(?:号房|房|号)(?=[^\d东价产租屋型源贷证间子款]|$)(?<!\d{{4}}号)"  # 411房, 405号 (a room)
)
_SURNAME_ALT = "|".join([*COMPOUND_SURNAMES, f"[{''.join(sorted(SURNAMES))}]"])
_NAME = rf"(?:{_SURNAME_ALT})[\u4e00-\u9fa5]{{1,2}}"
_STOP_AFTER = (
    r"(?=$|[\s，,。.、；;:：！!？?（()）\d]|今年|家住|住在|是|系|女|男|电话|手机|联系|身份证|现|在|于|从|因|为|和|"
    r"与|的|等|说|称|带|以|将|把|对|向|也|却|还|就|已|又|都|不|要|指|拒|私|违|擅|承|经|及|夫|妻|一家|可|能|会|应|被|让|给|家|合|等人)"
)
# Words after which a name follows: introductions, and the role a named person has in the story.
_INTRO = (
    r"(?:我是|我叫|本人(?:叫|名叫|姓名)?[:：]?|联系人[:：]?\s*|姓名[:：]?\s*|举报人[:：]?\s*|投诉人[:：]?\s*|"
    r"反映人[:：]?\s*|报告人[:：]?\s*|户主[:：]?\s*|法人(?:代表)?[:：]?\s*|房主|村民|患者|病人|"
    r"老板|经理|教授|书记|主任|支书|村长|组长|队长|住户|租户|工作人员|负责人[:：]?\s*|代表[:：]?\s*)"
)
_NAME_AFTER_INTRO_RE = re.compile(rf"{_INTRO}({_NAME}){_STOP_AFTER}")
# A name before the role it holds (蒋情主任, 何强毅身为村支书) or before a date that signs the letter (高红晓2019年5月24日).
_ROLE_AFTER = r"(?:主任|书记|支书|经理|村长|组长|队长|所长|站长|校长|院长|会计|身为|作为|同志)"
_NAME_BEFORE_ROLE_RE = re.compile(rf"({_NAME}){_ROLE_AFTER}")
_SIGNATURE_RE = re.compile(rf"(?:^|(?<=[\s，,。.！!？?、；;]))({_NAME})(?=\s*\d{{4}}\s*[年.\-/])")
# A letter that starts with the writer's name and a colon (刘瑶琼：…); a salutation (胡书记：) is no name.
_NAME_FIRST_RE = re.compile(rf"^\s*({_NAME})(?=[:：])")
# "我是幸福小区3栋201室的王建国", and a name just before its contact numbers ("王建国，电话…").
_NAME_OF_PLACE_RE = re.compile(rf"(?:我是|我叫|本人是)[^，,。；;！!？?]{{0,24}}?的({_NAME}){_STOP_AFTER}")
_NAME_BEFORE_CONTACT_RE = re.compile(rf"({_NAME})(?=[，,：:\s]*(?:电话|手机|联系方式|身份证|微信))")
_NAME_HONORIFIC_RE = re.compile(rf"(?:{_SURNAME_ALT})(?:先生|女士|小姐|阿姨|大爷|大妈)")
_TITLES = (
    "书记",
    "局长",
    "市长",
    "县长",
    "厅长",
    "主任",
    "主席",
    "部长",
    "省长",
    "区长",
    "镇长",
    "乡长",
    "村长",
    "领导",
    "先生",
    "女士",
    "老师",
    "同志",
    "总",
    "处长",
    "科长",
    "所长",
    "院长",
    "校长",
    "经理",
    "老板",
    "师傅",
    "支书",
)
_WORD_NOT_NAME = re.compile(
    r"^.?.?(?:小区|社区|大厦|公司|区|县|市|镇|乡|村|路|街|省|业主|居民|老人|学生|家长|职工|员工|一名|"
    r"一位|一个|个人|群众|党员|教师|退休|租户|大学|中学|小学|医院|银行|花园|新城|国际|家园)"
)


def _is_name(word: str) -> bool:
    return not (_WORD_NOT_NAME.match(word) or word.endswith(_TITLES) or word[1:] in _TITLES)


def _spans(text: str, names: Iterable[str]) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    for regex, token in ((_ID_RE, ID), (_PHONE_RE, PHONE), (_PLATE_RE, PLATE), (_HOUSE_RE, HOUSE)):
        found += [(m.start(), m.end(), token) for m in regex.finditer(text) if m.end() > m.start()]
    for regex in (
        _NAME_AFTER_INTRO_RE,
        _NAME_BEFORE_ROLE_RE,
        _SIGNATURE_RE,
        _NAME_FIRST_RE,
        _NAME_OF_PLACE_RE,
        _NAME_BEFORE_CONTACT_RE,
    ):
        found += [(m.start(1), m.end(1), NAME) for m in regex.finditer(text) if _is_name(m.group(1))]
    found += [(m.start(), m.end(), NAME) for m in _NAME_HONORIFIC_RE.finditer(text)]
    # A name once found (or the appellant's own) is hidden wherever else it appears in the text.
    known = {
        text[a:b] for a, b, token in found if token == NAME and b - a >= 2 and not text[a:b].endswith(_TITLES)
    }
    for name in known | {(n or "").strip() for n in names}:
        if len(name) >= 2:
            found += [(m.start(), m.end(), NAME) for m in re.finditer(re.escape(name), text)]
    return found


def personal_spans(text: str, names: Iterable[str] = ()) -> list[tuple[int, int, str]]:
    """The personal-data spans of `text` as (start, end, token), merged where they overlap, in order."""
    merged: list[list[Any]] = []  # [start, end, token], the end widened in place
    for start, end, token in sorted(_spans(text or "", names), key=lambda s: (s[0], -s[1])):
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end, token])
    return [tuple(s) for s in merged]


def redact(text: str | None, names: Iterable[str] = ()) -> str:
    """`text` with every personal-data span replaced by its token (〔姓名〕〔电话〕〔证件号〕〔车牌〕〔门牌〕)."""
    text = text or ""
    out, pos = [], 0
    for start, end, token in personal_spans(text, names):
        out += [text[pos:start], token]
        pos = end
    out.append(text[pos:])
    return "".join(out)


def appellant_names(appeal: object) -> list[str]:
    """The names of an appeal's appellant that redaction removes wherever they appear."""
    names = [getattr(appeal, "appellant_name", "") or ""]
    user = getattr(appeal, "appellant", None) if getattr(appeal, "appellant_id", None) else None
    if user is not None:
        names.append(getattr(user, "display_name", "") or "")
    return [n for n in names if n.strip()]


def redact_appeal_text(appeal: object, text: str | None) -> str:
    return redact(text, appellant_names(appeal))


def names_in(text: str | None) -> set[str]:
    """The names the rules find in a text (to hide them in its other texts, e.g. a title)."""
    text = text or ""
    return {text[a:b] for a, b, token in personal_spans(text) if token == NAME and b - a >= 2}


class AppealText(Protocol):
    """What redact_appeal reads of an appeal (core does not import the appeals app)."""

    title: str
    content: str


def redact_appeal(appeal: AppealText) -> tuple[str, str]:
    """An appeal's title and content for the public: a name found in either is hidden in both."""
    names = set(appellant_names(appeal)) | names_in(appeal.content) | names_in(appeal.title)
    return redact(appeal.title, names), redact(appeal.content, names)
