import pytest
from django.core.cache import cache

from gongzhi.wechat import testing


@pytest.fixture
def wx(settings, db):
    """The local WeChat, and the settings pointing gongzhi at it."""
    server, state = testing.start()
    settings.GONGZHI = {**settings.GONGZHI, "WECHAT": testing.settings_for(server)}
    cache.clear()
    yield state
    server.shutdown()
    server.server_close()
