from gongzhi.insight.places import Gazetteer, candidates, core


def test_names_of_authorities_and_clauses_are_not_places():
    assert candidates("如果政府不管，F6县恳请政府出面") == []
    assert candidates("请A市市委市政府加快建设") == []
    assert candidates("A市能否设立南塘城轨公交站？") == ["南塘城轨公交站"]  # not the town "南塘城"


def test_spellings_of_one_place_share_a_key():
    assert core("A5区劳动东路魅力之城小区") == "魅力之城"
    assert core("A市魅力之城小区") == "魅力之城"
    assert core("晟福兴汝金城二期") == "晟福兴汝金城"
    assert core("雅园小区") == "雅园小区"  # a short name keeps its suffix


def test_the_estate_is_found_not_the_hill_or_the_street():
    assert candidates("坚决反对在A7县诺亚山林小区门口设置医院")[0] == "诺亚山林小区"
    g = Gazetteer()
    assert g.locate("A3区学士街道裕园小区楼下的绿化带成菜市场了") == ("裕园小区", "裕园小区")


def test_learnt_names_and_containment():
    texts = [("A市万科魅力之城小区楼板开裂", ""), ("魅力之城小区油烟扰民", ""), ("A5区魅力之城小区噪音", "")]
    g = Gazetteer.learn(texts)
    assert g.names["魅力之城"] == "魅力之城小区"
    assert g.locate("A市万科魅力之城楼板开裂")[1] == "魅力之城"  # "万科魅力之城" contains the known key


def test_a_refused_entry_is_never_a_place():
    g = Gazetteer(refused={"银杉路"})
    assert g.locate("A市银杉路红绿灯常年是摆设") == ("", "")
    # the detail only gives places the gazetteer knows
    assert Gazetteer().locate("红绿灯坏了", "来A市上大学的学生反映") == ("", "")
