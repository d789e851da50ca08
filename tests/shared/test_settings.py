import pytest

from shared.settings import SuiteSettings


def test_prod_refuses_dev_secret():
    s = SuiteSettings(suite_env="prod", service_client_secret="mediation-service-dev-secret",
                      database_url="sqlite://")
    with pytest.raises(RuntimeError, match="service_client_secret"):
        s.refuse_dev_secrets()


def test_prod_accepts_real_secret_and_dev_accepts_dev_secret():
    SuiteSettings(suite_env="prod", service_client_secret="a-real-secret", cursor_secret="a-real-cursor-secret",
                  database_url="sqlite://").refuse_dev_secrets()
    SuiteSettings(suite_env="dev", service_client_secret="mediation-service-dev-secret",
                  database_url="sqlite://").refuse_dev_secrets()


def test_suite_env_read_unprefixed(monkeypatch):
    monkeypatch.setenv("SUITE_ENV", "test")
    assert SuiteSettings().suite_env == "test"


def test_prod_refuses_the_dev_cursor_secret(monkeypatch):
    s = SuiteSettings(suite_env="prod", service_client_secret="a-real-secret", database_url="sqlite://")
    with pytest.raises(RuntimeError, match="cursor_secret"):
        s.refuse_dev_secrets()
    monkeypatch.setenv("CURSOR_SECRET", "a-real-cursor-secret")  # suite-wide, unprefixed
    SuiteSettings(suite_env="prod", service_client_secret="a-real-secret", database_url="sqlite://").refuse_dev_secrets()
