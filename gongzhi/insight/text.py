"""Text helpers shared by the insight tools: normalisation, the jieba user dictionary of place and unit
names, tokenisation, character shingles and place extraction.

The user dictionary (`data/userdict.txt`) is built from the labelled appeals by `build_user_dictionary`
(regular expressions for anonymised places such as "A市A3区", streets, communities, estates, roads and
government units); it is shipped with the project so nothing is computed at start-up.
"""

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
USER_DICT = DATA_DIR / "userdict.txt"

_SPACE = re.compile(r"\s+")
_PUNCT = re.compile(r"[\s\W_]+")

# Anonymised administrative places ("A市", "A3区", "K8县", "西地省") and named places or units.
_ADMIN = r"(?:[A-Z]\d{0,2}(?:市|区|县)|西地省)"
_ADMIN_PREFIX = re.compile("^(?:" + _ADMIN + ")+")
_NAMED = re.compile(
    r"[\u4e00-\u9fa5A-Za-z0-9]{2,10}?"
    r"(?:街道|社区|小区|花园|家园|公寓|村|镇|乡|大道|路|街|广场|大厦|中学|小学|学校|大学|学院|医院|公司|苑|府|公馆|"
    r"局|委员会|管委会|政府|派出所|物业)"
)
_PLACE = re.compile(
    _ADMIN + r"+(?:[\u4e00-\u9fa5A-Za-z0-9]{1,12}?(?:街道|镇|乡))?"
    r"(?:[\u4e00-\u9fa5A-Za-z0-9]{1,12}?(?:小区|社区|村|花园|家园|公寓|广场|大厦|路|大道|街))?"
)
_ESTATE = re.compile(r"[\u4e00-\u9fa5A-Za-z0-9]{2,8}?(?:小区|社区|花园|家园|公寓|村|广场|大厦|苑|府|公馆)")
_LEADING_NOISE = re.compile(
    r"^(?:在|位于|地处|座落在|坐落在|我们|我是|我在|我家|关于|反映|请问|投诉|住在|本人|的|希望|要求|建议|请求|请|对)+"
)
_FUNCTION_CHARS = re.compile(
    r"[的了是在和我你他她有没对与把被就都也很从到为个这那仅该其及或但而要想说让给能会可已将还并]|希望|要求"
)
_STOP_PLACE = {
    "小区",
    "社区",
    "农村",
    "新农村",
    "这个小区",
    "我们小区",
    "该小区",
    "本小区",
    "整个小区",
    "一个小区",
}


def normalize(text: str | None) -> str:
    """Whitespace folded, letters lower-cased: what every feature is computed from."""
    return _SPACE.sub(" ", (text or "")).strip().lower()


def dedup_key(text: str | None) -> str:
    """The key two texts share when they differ only in spacing and punctuation."""
    return _PUNCT.sub("", (text or "")).lower()


def shingles(text: str, k: int = 3) -> set[str]:
    s = dedup_key(text)
    if len(s) <= k:
        return {s} if s else set()
    return {s[i : i + k] for i in range(len(s) - k + 1)}


def jaccard(a: set, b: set) -> float:
    if not a and not b:
        return 0.0
    return len(a & b) / len(a | b)


def build_user_dictionary(texts: Iterable[str], min_count: int = 2) -> list[tuple[str, int]]:
    """Place and unit names seen at least `min_count` times, with a jieba frequency."""
    counts: Counter[str] = Counter()
    for text in texts:
        for pattern in (re.compile(_ADMIN), _NAMED):
            for m in pattern.finditer(text or ""):
                word = _LEADING_NOISE.sub("", m.group(0))
                if pattern is _NAMED:
                    word = _ADMIN_PREFIX.sub("", word)
                if 2 <= len(word) <= 10 and word not in _STOP_PLACE and not _FUNCTION_CHARS.search(word):
                    counts[word] += 1
    return sorted(((w, 1000 + c) for w, c in counts.items() if c >= min_count), key=lambda x: (-x[1], x[0]))


def write_user_dictionary(entries: list[tuple[str, int]], path: Path = USER_DICT) -> None:
    path.write_text("".join(f"{w} {f} ns\n" for w, f in entries), encoding="utf-8")


@lru_cache(maxsize=1)
def _jieba():
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    if USER_DICT.exists():
        tokenizer.load_userdict(str(USER_DICT))
    return tokenizer


def words(text: str, hmm: bool = False) -> list[str]:
    """jieba words (precise mode; without HMM by default: fast, and unknown words fall apart into
    characters, which the classifier's character n-grams cover anyway), punctuation dropped."""
    return [w for w in _jieba().lcut(text, HMM=hmm) if w.strip() and not _PUNCT.fullmatch(w)]
