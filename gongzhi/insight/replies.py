"""Reply quality: relevance, completeness, explainability and timeliness of a reply, each in [0, 1], and an
overall score. Rules, not a trained model, so that they can be read and argued with:

* The template is removed first: greetings ("网友“…”您好"), receipts ("来信收悉", "现回复如下"), thanks,
  signatures and dates. What is left is the *substance*.
* relevance: share of the appeal's content words (jieba, place names included) that the substance
  mentions, blended with character-bigram overlap.
* completeness: length of the substance (saturating at ~300 characters), number of substantive sentences,
  and whether it says what was done or will be done (处理/整改/已/将/安排…) and how to follow up
  (电话/咨询/联系…).
* explainability: whether the substance gives grounds: rules and documents (根据/依据/按照/规定/《…》/条…),
  findings (经调查/经核实/经查…), causes (因为/由于/原因…), plus substance length.
* timeliness: 1 within 5 days of the appeal, falling linearly to 0 at 60 days; 0.5 when a time is missing.
* overall = 0.3·relevance + 0.25·completeness + 0.25·explainability + 0.2·timeliness.
"""

import math
import re
from datetime import datetime
from functools import lru_cache

from .text import words

_TEMPLATE = [
    r"(?:尊敬的)?(?:网友|市民|来信人)?[“\"]?[A-Za-z0-9_]*[”\"]?[:：,，]?\s*(?:你|您)好[!！,，。]?",
    r"(?:尊敬的)?网友[:：,，]?",
    r"(?:您|你)(?:的)?(?:在.{0,20}?)?(?:留言|来信|反映的问题|所反映的问题|反映的情况)(?:已)?(?:收悉|悉知|获悉)[。，,！!]?",
    r"来信(?:已)?收悉[。，,！!]?",
    r"现(?:将|就)?(?:有关|具体|调查处理|调查核实)?(?:情况|内容|问题)?(?:答复|回复)如下[:：]?",
    r"(?:我局|我们|我办|我委|我单位|我厅)?(?:领导)?(?:高度重视|非常重视)[，,。]?",
    r"(?:非常|十分)?感谢(?:您|你)(?:对|的).{0,30}?(?:关心|支持|关注|监督|信任)(?:与|和|、)?(?:支持|关心|监督)?[。!！]?",
    r"(?:谢谢|感谢)(?:您的)?(?:关注|支持|理解|来信)?[。!！]?",
    r"给您带来的不便[，,]?敬请谅解[。!！]?",
    r"(?:此复|特此回复|以上)[。!！]?",
    r"\d{4}年\d{1,2}月\d{1,2}日",
]
_TEMPLATE_RE = re.compile("|".join(f"(?:{p})" for p in _TEMPLATE))
_SENT = re.compile(r"[。！？!?；;\n]")
_GROUNDS = re.compile(
    r"根据|依据|按照|依照|规定|规范|政策|法律|法规|条例|办法|细则|标准|《[^》]{2,40}》|第[一二三四五六七八九十百\d]+条"
    r"|文件|通知|经调查|经核实|经查|经了解|经现场|核查|调查|核实|因为|由于|原因|所以|因此|鉴于|目前"
)
_ACTIONS = re.compile(
    r"已经|已|将|正在|安排|处理|整改|落实|督促|责令|要求|拆除|修复|完成|解决|协调|查处|罚款|答复|启动|计划"
)
_FOLLOW_UP = re.compile(r"电话|咨询|联系|窗口|地址|\d{3,4}-\d{7,8}|0{4,}")
_PUNCT = re.compile(r"[\s\W_]+")
_CODE = re.compile(r"[A-Za-z0-9.]+")  # "A5", "2019": codes and numbers, not terms a reply should repeat


def substance(reply: str) -> str:
    """The reply without its template parts (greetings, receipts, thanks, dates)."""
    return _TEMPLATE_RE.sub("", reply or "").strip(" ，,。:：!！")


def _bigrams(text: str) -> set[str]:
    s = _PUNCT.sub("", text or "")
    return {s[i : i + 2] for i in range(len(s) - 1)}


def relevance(detail: str, title: str, body: str) -> float:
    if not body:
        return 0.0
    appeal_words = {w for w in words(f"{title} {detail[:400]}") if len(w) >= 2}
    reply_text = body
    word_hit = (sum(1 for w in appeal_words if w in reply_text) / len(appeal_words)) if appeal_words else 0.0
    a, b = _bigrams(f"{title} {detail}"), _bigrams(body)
    char_hit = len(a & b) / len(a) if a else 0.0
    return min(1.0, 1.6 * (0.6 * word_hit + 0.4 * char_hit))


def completeness(body: str) -> float:
    if not body:
        return 0.0
    length = min(1.0, math.log1p(len(body)) / math.log1p(300))
    sentences = [s for s in _SENT.split(body) if len(s.strip()) >= 8]
    sent = min(1.0, len(sentences) / 4)
    action = min(1.0, len(_ACTIONS.findall(body)) / 3)
    follow = 1.0 if _FOLLOW_UP.search(body) else 0.0
    return round(0.45 * length + 0.2 * sent + 0.25 * action + 0.1 * follow, 4)


def explainability(body: str) -> float:
    if not body:
        return 0.0
    grounds = len({m.group(0) for m in _GROUNDS.finditer(body)})
    length = min(1.0, math.log1p(len(body)) / math.log1p(400))
    return round(0.55 * min(1.0, grounds / 4) + 0.45 * length, 4)


def _parse(value) -> datetime | None:
    from .hotspots import _time

    return _time(value)


def timeliness(time, reply_time) -> float:
    start, end = _parse(time), _parse(reply_time)
    if start is None or end is None:
        return 0.5
    days = (end - start).total_seconds() / 86400
    if days <= 5:
        return 1.0
    return round(max(0.0, 1 - (days - 5) / 55), 4)


def score(detail: str, reply: str, time=None, reply_time=None, title: str = "") -> dict:
    body = substance(reply)
    r = round(relevance(detail or "", title or "", body), 4)
    c, e, t = completeness(body), explainability(body), timeliness(time, reply_time)
    overall = round(0.3 * r + 0.25 * c + 0.25 * e + 0.2 * t, 4)
    return {"relevance": r, "completeness": c, "explainability": e, "timeliness": t, "overall": overall}


def auc(labels: list[int], scores: list[float]) -> float:
    """Area under the ROC curve (ties count one half)."""
    pairs = sorted(zip(scores, labels, strict=True))
    ranks, i = [0.0] * len(pairs), 0
    while i < len(pairs):
        j = i
        while j + 1 < len(pairs) and pairs[j + 1][0] == pairs[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[k] = (i + j) / 2 + 1
        i = j + 1
    pos = sum(1 for _, y in pairs if y)
    neg = len(pairs) - pos
    if not pos or not neg:
        return math.nan
    rank_sum = sum(r for r, (_, y) in zip(ranks, pairs, strict=True) if y)
    return (rank_sum - pos * (pos + 1) / 2) / (pos * neg)


# ---------------------------------------------------------------- in the product: the score with its reasons

# Overall score → the word a handler reads. The bounds are the 1st and 3rd quartiles of the overall score on the first
# 800 rows of the shared reply set (0.51, 0.69; median 0.61): "较差" is the weakest quarter, "好" the best.
LEVELS = ((0.69, "好"), (0.51, "一般"), (0.0, "较差"))
SHORT_SUBSTANCE = 15  # characters of substance below which a reply is (nearly) all template
TEMPLATE_ONLY = "只有模板语"
# Relevance below the 1st quartile on the shared reply set (median 0.24): the reply names the appeal's terms too little.
LOW_RELEVANCE = 0.15
# Completeness below its 1st quartile (0.65; median 0.82): only then is a missing way to follow up worth saying.
LOW_COMPLETENESS = 0.65
MISSED_TERMS = 3  # at most this many unanswered terms of the appeal are named


def level(overall: float) -> str:
    return next(word for bound, word in LEVELS if overall >= bound)


@lru_cache(maxsize=1)
def _keywords():
    """jieba's TF-IDF keyword extractor: its IDF table keeps words frequent everywhere out. On jieba's own dictionary
    (with HMM), not insight.text's learnt one, whose appeal-specific entries ("小区路") make poor terms to name."""
    import logging

    import jieba
    import jieba.analyse

    jieba.setLogLevel(logging.WARNING)
    return jieba.analyse.TFIDF()


def _key_terms(title: str, detail: str, k: int = 8) -> list[str]:
    """The appeal's key terms, codes and numbers left out."""
    text = f"{title or ''}。{(detail or '')[:400]}"
    return [w for w in _keywords().extract_tags(text, topK=k) if len(w) >= 2 and not _CODE.fullmatch(w)]


def _days(time, reply_time) -> float | None:
    start, end = _parse(time), _parse(reply_time)
    if start is None or end is None:
        return None
    return (end - start).total_seconds() / 86400


def reasons(
    detail: str, reply: str, time=None, reply_time=None, title: str = "", parts: dict | None = None
) -> list[str]:
    """Why a reply scores as it does, in the words a handler reads, from the same rules as `score`:
    "只有模板语" (substance under SHORT_SUBSTANCE characters), "未说明依据" (no grounds), "未回应诉求中的「…」" (the
    appeal's key terms the reply does not mention, when relevance is below LOW_RELEVANCE), "未说明办理结果或措施"
    (no action), "未告知咨询或联系方式" (no follow-up, in a reply below LOW_COMPLETENESS) and "答复超过 N 天" (after
    the five days timeliness allows)."""
    parts = parts or score(detail, reply, time, reply_time, title)
    body = substance(reply)
    out = []
    if len(body) < SHORT_SUBSTANCE:
        out.append(TEMPLATE_ONLY if (reply or "").strip() else "答复内容为空")
    if not _GROUNDS.search(body):
        out.append("未说明依据")
    if parts["relevance"] < LOW_RELEVANCE:
        missed = [w for w in _key_terms(title, detail) if w not in body][:MISSED_TERMS]
        if missed:
            out.append("未回应诉求中的" + "、".join(f"「{w}」" for w in missed))
    if not _ACTIONS.search(body):
        out.append("未说明办理结果或措施")
    if body and parts["completeness"] < LOW_COMPLETENESS and not _FOLLOW_UP.search(body):
        out.append("未告知咨询或联系方式")
    days = _days(time, reply_time)
    if days is not None and days > 5:
        out.append(f"答复超过 {int(days)} 天")
    return out


def assess(detail: str, reply: str, time=None, reply_time=None, title: str = "") -> dict:
    """`score` with the level ("好"/"一般"/"较差") and the reasons in words."""
    parts = score(detail, reply, time, reply_time, title)
    return {
        **parts,
        "level": level(parts["overall"]),
        "reasons": reasons(detail, reply, time, reply_time, title, parts),
    }
