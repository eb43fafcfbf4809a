"""A pytest plugin loaded first (`-p gongzhi.core.pytest_env` in pyproject's addopts): tests run in development
mode, as `make test` sets it, also when pytest is called directly. It runs before pytest-django reads the settings,
which refuse to start without a secret key outside development (issue N item 15). Subprocesses the tests start
inherit it; a test that checks production mode sets GONGZHI_DEBUG=0 and a key in its subprocess's environment."""

import os

os.environ.setdefault("GONGZHI_DEBUG", "1")
