import json

import pytest
from django.core.management import call_command

from gongzhi.insight import classifier

from .conftest import tiny_rows, write_csv


def test_predict_top3_is_ranked_and_calibrated(tiny_model):
    top3 = tiny_model.predict_top3(
        "孩子上小学入学学位问题", "我家孩子今年上小学，学区划分后没有学位，教育局怎么解决？"
    )
    assert len(top3) == 3
    assert top3[0][0] == "教育文体"
    confidences = [c for _, c in top3]
    assert confidences == sorted(confidences, reverse=True)
    assert 0 < sum(confidences) <= 1.0001


def test_predict_handles_empty_title_and_unknown_text(tiny_model):
    assert len(classifier.predict_top3("", "社保卡养老保险缴费问题", model=tiny_model)) == 3
    assert len(tiny_model.predict_top3("", "")) == 3


def test_fast_tfidf_rows_are_unit_length(tiny_model):
    x = tiny_model.features(["A市路灯坏了", ""], ["小区停水三天", ""])
    norms = (x.multiply(x)).sum(axis=1)
    weight = tiny_model.meta[
        "title_weight"
    ]  # title and text blocks each l2-normalised, the title block weighted
    assert abs(float(norms[0, 0]) - (weight**2 + 1)) < 1e-4
    assert float(norms[1, 0]) == 0.0


def test_evaluate_reports_the_contract_keys(tiny_model):
    held_out = classifier.examples_from_rows(tiny_rows(per_class=5, offset=40))
    result = classifier.evaluate(tiny_model, held_out)
    assert set(result) == {"n", "macro_f1", "accuracy", "top3_accuracy", "predict_per_second"}
    assert result["n"] == 35
    assert result["top3_accuracy"] >= result["accuracy"] > 0.4


def test_dedupe_uses_normalised_text():
    a = classifier.Example("标题", "路灯 坏了。", "城乡建设")
    b = classifier.Example("另一个标题", "路灯坏了", "城乡建设")
    c = classifier.Example("只有标题", "", "城乡建设")
    assert classifier.dedupe([a, b, c]) == [a, c]


@pytest.mark.slow  # training
def test_train_and_evaluate_commands(tmp_path, capsys):
    labeled = write_csv(tmp_path / "labeled.csv", tiny_rows(per_class=20), ["id", "title", "detail", "label"])
    titles = write_csv(
        tmp_path / "titles.csv",
        [{"title": "咨询养老保险缴费年限", "label": "劳动和社会保障"}],
        ["title", "label"],
    )
    test = write_csv(
        tmp_path / "test.csv",
        [
            {**r, "title": r["title"] if i % 2 else ""}
            for i, r in enumerate(tiny_rows(per_class=4, offset=30))
        ],
        ["title", "detail", "label", "user"],
    )
    model = tmp_path / "m.joblib"
    call_command("train_classifier", labeled=str(labeled), titles=str(titles), out=str(model))
    assert model.exists()
    capsys.readouterr()
    call_command("evaluate_classifier", model=str(model), test=str(test))
    last = capsys.readouterr().out.strip().splitlines()[-1]
    result = json.loads(last)
    assert result["n"] == 28
    assert 0 <= result["macro_f1"] <= 1 and result["predict_per_second"] > 0


def test_evaluate_command_refuses_a_missing_file(tmp_path, tiny_model_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("evaluate_classifier", model=str(tiny_model_path), test=str(tmp_path / "nope.csv"))


@pytest.mark.django_db
def test_train_from_db_uses_confirmed_top_level_categories(tmp_path, users, units, county, capsys):
    from gongzhi.appeals import services
    from gongzhi.appeals.models import Category

    texts = {
        "城乡建设": [
            "小区路灯坏了",
            "道路破损需要修补",
            "违章建筑占用绿化",
            "小区停水三天",
            "楼顶漏水物业不管",
        ],
        "教育文体": [
            "孩子入学学位紧张",
            "学校乱收补课费",
            "幼儿园收费过高",
            "教师工资拖欠",
            "学区划分不合理",
        ],
    }
    for name, titles in texts.items():
        leaf = Category.objects.filter(parent__parent__name=name, level=3).order_by("code").first()
        for title in titles:
            appeal, _code = services.submit_appeal(
                users["resident"],
                kind="complaint",
                channel="mobile",
                title=title,
                content=title + "，请尽快处理。",
                region=county["grid"],
                category=leaf,
            )
            services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["housing"])
    # an undispatched appeal is not a confirmed category
    services.submit_appeal(
        users["resident"],
        kind="complaint",
        channel="mobile",
        title="未确认分类的诉求",
        content="未确认分类的诉求内容",
        region=county["grid"],
        category=leaf,
    )
    assert len(classifier.db_examples()) == 10
    out = tmp_path / "db.joblib"
    call_command("train_classifier", from_db=True, out=str(out))
    model = classifier.load(out)
    assert model.classes == ["城乡建设", "教育文体"]
    assert model.predict_top3("学校补课收费", "")[0][0] == "教育文体"


def test_the_shipped_model_loads_and_predicts():
    model = classifier.load(classifier.DEFAULT_MODEL)
    assert len(model.classes) == 7 and model.meta["version"] == classifier.VERSION
    assert model.meta["method"] == "nbsvm"
    top3 = model.predict_top3("出租车不打表随意喊价", "的士司机拒载，不打表")
    assert top3[0][0] == "交通运输" and top3[0][1] > 0.5


def test_linear_form_matches_the_calibrated_estimator():
    import numpy as np

    model = classifier.train(
        classifier.examples_from_rows(tiny_rows(per_class=15)), keep_estimator=True, method="svm"
    )
    held_out = classifier.examples_from_rows(tiny_rows(per_class=3, offset=40))
    titles, details = [e.title for e in held_out], [e.detail for e in held_out]
    direct = model.predict_proba(titles, details)
    reference = model.clf.predict_proba(model.features(titles, details))
    assert np.abs(direct - reference).max() < 1e-5
    assert np.allclose(direct.sum(axis=1), 1)


def test_the_text_block_reads_title_and_detail_together(tiny_model):
    """Version 2: an appeal's title and detail are one text for the character block, so a title-only training
    example and a title-less appeal meet in the same features."""
    assert tiny_model.meta["text"] == "joined"
    n_title = len(tiny_model.title_vec.vocabulary)
    as_title = tiny_model.features(["小区停水三天"], [""])[:, n_title:]
    as_detail = tiny_model.features([""], ["小区停水三天"])[:, n_title:]
    assert as_title.nnz > 0 and abs(as_title - as_detail).max() < 1e-6


@pytest.mark.slow  # training
def test_a_detail_only_model_still_works():
    model = classifier.train(
        classifier.examples_from_rows(tiny_rows(per_class=10)),
        joined=False,
        detail_chars=300,
        bits=18,
        max_features=60000,
    )
    assert model.meta["text"] == "detail"
    n_title = len(model.title_vec.vocabulary)
    assert model.features(["小区停水三天"], [""])[:, n_title:].nnz == 0
    assert len(model.predict_top3("", "孩子上学学位")) == 3


def test_hashed_ngrams_up_to_four_characters():
    text = "小区路灯坏了很久"  # 8 characters: 8 + 7 + 6 + 5 n-grams of 1–4
    assert len(classifier.HashedNgramTfidf(ngrams=(1, 2, 3, 4))._buckets(text)) == 26
    assert len(classifier.HashedNgramTfidf()._buckets(text)) == 21
    with pytest.raises(ValueError):
        classifier.HashedNgramTfidf(ngrams=(5,))


def test_the_version_3_model_still_loads_and_predicts():
    model = classifier.load(classifier.MODEL_DIR / "classifier-v3.joblib")
    assert model.meta["version"] == 3 and "rank" not in model.meta
    top3 = model.predict_top3("出租车不打表随意喊价", "的士司机拒载，不打表")
    assert top3[0][0] == "交通运输" and len(top3) == 3


@pytest.mark.slow  # training
def test_the_rank_head_orders_the_runners_up_and_keeps_the_first():
    """Version 4: the NB-SVM's best class stays first; the blend with the logistic regression orders the rest."""
    import numpy as np

    first = np.array([[0.5, 0.3, 0.1, 0.1], [0.4, 0.35, 0.2, 0.05]])
    second = np.array([[0.1, 0.1, 0.7, 0.1], [0.05, 0.9, 0.03, 0.02]])
    blended = classifier.rank_blend(first.copy(), second, 0.5)
    assert list(blended.argmax(axis=1)) == [0, 0]  # the NB-SVM's first, even where the LR's best differs
    assert list(np.argsort(-blended[0])[:3]) == [0, 2, 1]  # the runners-up in the blend's order
    assert np.allclose(blended.sum(axis=1), 1) and (blended >= 0).all()
    model = classifier.train(classifier.examples_from_rows(tiny_rows(per_class=15)))
    assert model.meta["version"] == 4 and model.meta["rank"]["coef"].shape == (
        model.meta["linear"]["coef"].shape[0],
        len(model.classes),
    )
    without = classifier.train(classifier.examples_from_rows(tiny_rows(per_class=15)), rank_head=False)
    held_out = classifier.examples_from_rows(tiny_rows(per_class=3, offset=40))
    titles, details = [e.title for e in held_out], [e.detail for e in held_out]
    assert (
        model.predict_proba(titles, details).argmax(axis=1)
        == without.predict_proba(titles, details).argmax(axis=1)
    ).all()
    assert without.meta["version"] == 3 and "rank" not in without.meta


def test_the_version_2_model_still_loads_and_predicts():
    model = classifier.load(classifier.MODEL_DIR / "classifier-v2.joblib")
    assert model.meta["version"] == 2 and len(model.classes) == 7
    top3 = model.predict_top3("出租车不打表随意喊价", "的士司机拒载，不打表")
    assert top3[0][0] == "交通运输"


@pytest.mark.slow  # training
def test_nbsvm_weights_are_the_per_class_svms_on_scaled_features():
    """The log-count ratios folded into the weights give the margins of each class's SVM on the scaled
    features (so prediction stays one product)."""
    import numpy as np
    from sklearn.svm import LinearSVC

    examples = classifier.examples_from_rows(tiny_rows(per_class=10))
    model = classifier.train(examples)
    x = model.features([e.title for e in examples], [e.detail for e in examples])
    y = np.array([model.classes.index(e.label) for e in examples])
    w, b = classifier._nbsvm_weights(x, y, len(model.classes), C=classifier.NBSVM_C, alpha=1.0, n_jobs=1)
    r = classifier._nb_ratios(x, y, len(model.classes), 1.0)
    for c in (0, 3):
        svm = LinearSVC(C=classifier.NBSVM_C).fit(x.multiply(r[:, c]).tocsr(), y == c)
        direct = svm.decision_function(x.multiply(r[:, c]).tocsr())
        assert np.abs((x @ w[:, c] + b[c]) - direct).max() < 1e-3
    assert np.abs(model.meta["linear"]["coef"].toarray() - w).max() < 1e-4


def test_platt_matches_sklearn_sigmoid_calibration():
    import numpy as np
    from sklearn.calibration import _SigmoidCalibration  # reference implementation (private, test only)

    rng = np.random.default_rng(0)
    positive = rng.random(400) < 0.3
    scores = rng.normal(size=400) + 2.0 * positive
    a, b = classifier._platt(scores, positive)
    ref = _SigmoidCalibration().fit(scores, positive.astype(int))
    assert abs(a - ref.a_) < 1e-3 and abs(b - ref.b_) < 1e-3
    assert a < 0  # higher margins, higher probability


def test_unknown_method_is_refused():
    with pytest.raises(ValueError):
        classifier.train(classifier.examples_from_rows(tiny_rows(per_class=3)), method="forest")


@pytest.mark.slow  # training
def test_nbsvm_sample_weights_scale_each_rows_cost():
    """A sample weight multiplies that row's hinge cost, so doubling every row's weight is doubling C (what the
    fifth-round variants down-weighting title-only examples rely on)."""
    import numpy as np

    examples = classifier.examples_from_rows(tiny_rows(per_class=10))
    model = classifier.train(examples)
    x = model.features([e.title for e in examples], [e.detail for e in examples])
    y = np.array([model.classes.index(e.label) for e in examples])
    k = len(model.classes)
    doubled, b2 = classifier._nbsvm_weights(
        x, y, k, C=1.0, alpha=1.0, n_jobs=1, sample_weight=np.full(len(y), 2.0)
    )
    plain, b1 = classifier._nbsvm_weights(x, y, k, C=2.0, alpha=1.0, n_jobs=1)
    assert np.abs(doubled - plain).max() < 1e-3 and np.abs(b2 - b1).max() < 1e-3
    halved, _ = classifier._nbsvm_weights(
        x, y, k, C=1.0, alpha=1.0, n_jobs=1, sample_weight=np.full(len(y), 0.5)
    )
    assert np.abs(halved - plain).max() > 1e-3
