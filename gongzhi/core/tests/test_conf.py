import pytest
from django.core.exceptions import ImproperlyConfigured

from gongzhi.core import conf


def test_a_deployments_value_wins_over_the_declared_default(settings):
    settings.GONGZHI = {**settings.GONGZHI, "COMMUNITY_POINTS_PER_HOUR": 12}
    assert conf.setting("COMMUNITY_POINTS_PER_HOUR") == 12


def test_a_setting_left_out_is_its_declared_default(settings):
    settings.GONGZHI = {k: v for k, v in settings.GONGZHI.items() if k != "NEARBY_RADIUS_M"}
    assert conf.setting("NEARBY_RADIUS_M") == 250


def test_every_app_declared_its_settings_when_it_started():
    declared = conf.declared()
    for name in ("SMS_PER_DAY", "COMMUNITY_HELP_DUE_DAYS", "CREDIT_DEADLINE_WARNING_DAYS", "RETENTION_YEARS"):
        assert name in declared


def test_a_name_nobody_declared_fails_at_once():
    with pytest.raises(ImproperlyConfigured, match="COMMUNITY_POINT_PER_HOUR"):
        conf.setting("COMMUNITY_POINT_PER_HOUR")


def test_two_defaults_for_one_name_is_a_bug():
    conf.declare({"SMS_PER_DAY": 10})  # the same default again is fine
    with pytest.raises(ImproperlyConfigured):
        conf.declare({"SMS_PER_DAY": 11})
