import pytest


@pytest.fixture(autouse=True)
def _reproducible(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1175800000")
    monkeypatch.delenv("NO_COLOR", raising=False)
