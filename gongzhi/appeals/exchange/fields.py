"""The fields an import can fill and an export writes, with their Chinese column titles.

The export writes exactly these titles, so a file exported by gongzhi imports again with no mapping at all.
Other systems' exports are read through an `ImportProfile` (column → field), or by the aliases below when
their headers use one of the usual names.
"""

from django.utils.translation import gettext_lazy as _

from ..choices import AppealState

# key → (column title, other usual header names). Order = the export's column order.
FIELDS: dict[str, tuple] = {
    "number": (_("编号"), ["工单编号", "诉求编号", "工单号", "受理编号"]),
    "source_id": (_("源编号"), ["源系统编号", "原系统编号", "工单ID", "留言编号", "ID", "id"]),
    "title": (_("标题"), ["诉求标题", "留言主题", "主题", "工单标题"]),
    "content": (_("诉求内容"), ["内容", "留言详情", "诉求描述", "问题描述", "详情"]),
    "kind": (_("诉求类型"), ["类型", "工单类型", "诉求性质"]),
    "channel": (_("渠道"), ["受理渠道", "来源渠道", "来源"]),
    "urgency": (_("紧急程度"), ["紧急度", "缓急程度"]),
    "state": (_("状态"), ["工单状态", "办理状态", "处理状态"]),
    "category_code": (_("分类编码"), ["诉求分类编码"]),
    "category": (_("诉求分类"), ["分类", "问题分类", "一级分类", "一级标签"]),
    "region_code": (_("区域编码"), ["行政区划代码"]),
    "region": (_("区域"), ["所属区域", "所属街道", "所属社区", "街道", "社区"]),
    "address": (_("详细地址"), ["地址", "事发地址", "事发地点"]),
    "longitude": (_("经度"), ["经度(WGS-84)"]),
    "latitude": (_("纬度"), ["纬度(WGS-84)"]),
    "appellant_name": (_("诉求人姓名"), ["诉求人", "来电人", "姓名", "留言用户"]),
    "appellant_phone": (_("联系电话"), ["电话", "来电号码", "手机号"]),
    "appellant_id_number": (_("身份证号"), ["证件号码", "身份证号码"]),
    "anonymous": (_("匿名"), ["是否匿名"]),
    "confidential": (_("保密"), ["是否保密"]),
    "received_at": (_("受理时间"), ["来电时间", "留言时间", "登记时间", "创建时间"]),
    "dispatched_at": (_("派单时间"), ["派发时间"]),
    "signed_at": (_("签收时间"), []),
    "contacted_at": (_("首次联系时间"), ["联系时间"]),
    "replied_at": (_("答复时间"), ["回复时间", "答复日期"]),
    "closed_at": (_("办结时间"), ["归档时间", "结案时间"]),
    "lead_unit_code": (_("主办单位编码"), ["承办单位编码"]),
    "lead_unit": (_("主办单位"), ["承办单位", "办理单位", "责任单位"]),
    "reply_text": (_("答复内容"), ["答复意见", "回复内容", "处理结果"]),
    "close_reason": (_("办结原因"), []),
    "master_number": (_("主诉求编号"), ["并入编号"]),
    "keywords": (_("关键词"), []),
}

DATETIME_FIELDS = ("received_at", "dispatched_at", "signed_at", "contacted_at", "replied_at", "closed_at")


def header_index() -> dict[str, str]:
    """Every known header (title or alias, case-folded, no spaces) → field key."""
    index: dict[str, str] = {}
    for key, (title, aliases) in FIELDS.items():
        for name in (key, str(title), *aliases):
            index.setdefault(normalize_header(name), key)
    return index


def normalize_header(value) -> str:
    return "".join(str(value or "").split()).casefold()


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """Header → field for the headers that carry a known name; each field is taken once, first come."""
    index, mapping, taken = header_index(), {}, set()
    for header in headers:
        key = index.get(normalize_header(header))
        if key and key not in taken:
            mapping[header] = key
            taken.add(key)
    return mapping


# The states of other hotline systems (12345 platforms, 信访 and 网格化 systems) as they usually read,
# mapped to ours; a profile's own state_map comes first. See docs/decisions.md (导入状态映射).
STATE_ALIASES: dict[str, str] = {
    **{
        s: AppealState.RECEIVED
        for s in ("待受理", "已登记", "已受理", "待派单", "待分派", "新建", "待处理", "未处理")
    },
    **{s: AppealState.DISPATCHED for s in ("已派单", "已派发", "已转派", "待签收", "已分派", "已交办")},
    **{s: AppealState.RETURN_REQUESTED for s in ("退单审核中", "申请退回", "退回待审", "退单中")},
    **{s: AppealState.ACCEPTED for s in ("已签收", "待联系")},
    **{
        s: AppealState.IN_PROGRESS
        for s in ("办理中", "处理中", "正在办理", "延期办理", "重办", "已延期", "退回重办")
    },
    **{s: AppealState.REPLIED for s in ("已答复", "已回复", "待回访", "已处理", "待评价", "已反馈")},
    **{
        s: AppealState.CLOSED
        for s in ("已办结", "已办结归档", "已归档", "办结", "已结案", "已完成", "已关闭", "已回访")
    },
    **{s: AppealState.MERGED for s in ("已并单", "已合并", "并单")},
}
