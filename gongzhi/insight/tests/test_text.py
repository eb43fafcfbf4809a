from gongzhi.insight import text


def test_normalize_and_dedup_key():
    assert text.normalize("  A市\u3000路灯\n坏了 ") == "a市 路灯 坏了"
    assert text.dedup_key("路灯，坏了！") == text.dedup_key("路灯 坏了")


def test_shingles_and_jaccard():
    a, b = text.shingles("幸福小区路灯坏了"), text.shingles("幸福小区路灯坏了两周")
    assert "幸福小" in a and len(a) == 6
    assert 0.5 < text.jaccard(a, b) < 1
    assert text.jaccard(set(), set()) == 0.0


def test_user_dictionary_collects_repeated_place_names(tmp_path):
    entries = dict(text.build_user_dictionary(["A3区麓泉社区停水", "A3区麓泉社区又停水", "B市一次"]))
    assert "A3区" in entries and "麓泉社区" in entries
    assert "B市" not in entries  # seen once only
    path = tmp_path / "dict.txt"
    text.write_user_dictionary(sorted(entries.items()), path)
    assert "麓泉社区" in path.read_text(encoding="utf-8")


def test_words_keep_place_names_whole():
    assert "A3区" in text.words("A3区的路灯坏了")
