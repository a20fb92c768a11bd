import atexit
import os
import shutil
import tempfile

import pytest

# Runs must not fill the user's cache: one throw-away cache directory for the whole session
# (subprocesses inherit it). Tests of the cache itself point REVIEWTOOL_CACHE elsewhere.
if "REVIEWTOOL_CACHE" not in os.environ:
    _CACHE = tempfile.mkdtemp(prefix="reviewtool-test-cache-")
    os.environ["REVIEWTOOL_CACHE"] = _CACHE
    atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)


@pytest.fixture(autouse=True)
def _reproducible(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1175800000")
    monkeypatch.delenv("NO_COLOR", raising=False)
