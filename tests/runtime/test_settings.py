"""Settings: typed, read from WAYLINE_* variables, and a wrong value is named at start-up."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.limits import Limits
from runtime.run import flight
from runtime.settings import Settings, SettingsError, describe_settings, load_settings


def test_defaults_are_embedded_sqlite_under_the_data_dir():
    settings = load_settings({})
    assert settings == Settings()
    assert settings.database == f"sqlite:///{Path('.wayline/wayline.db').resolve()}"
    assert settings.is_embedded_redis


def test_values_are_read_and_typed():
    settings = load_settings({
        "WAYLINE_DATA_DIR": "/tmp/w", "WAYLINE_PORT": "9000",
        "WAYLINE_DATABASE_URL": "postgresql://u@db:5432/wayline",
        "WAYLINE_REDIS_URL": "redis://cache:6379/0", "WAYLINE_TIMEZONE": "Europe/Berlin",
        "WAYLINE_LOG_LEVEL": "debug", "UNRELATED": "x",
        "WAYLINE_SMTP_URL": "smtp://u:p@mail.test:587?starttls=1",
        "WAYLINE_SMTP_FROM": "Shop <news@shop.test>", "WAYLINE_WEBHOOK_TIMEOUT": "2.5",
        "WAYLINE_WEBHOOK_ALLOW": " hooks.corp.example, 10.20.0.0/16 ,, [::1]",
    })
    assert settings.data_dir == Path("/tmp/w")
    assert settings.port == 9000
    assert settings.database == "postgresql+psycopg://u@db:5432/wayline"
    assert not settings.is_embedded_redis
    assert settings.log_level == "DEBUG"
    assert settings.smtp_url == "smtp://u:p@mail.test:587?starttls=1"
    assert settings.smtp_from == "Shop <news@shop.test>"
    assert settings.webhook_timeout == 2.5
    assert settings.webhook_allow == "hooks.corp.example,10.20.0.0/16,[::1]"


@pytest.mark.parametrize(("variable", "value", "says"), [
    ("WAYLINE_PORT", "eighty", "invalid literal"),
    ("WAYLINE_PORT", "70000", "1 to 65535"),
    ("WAYLINE_DATABASE_URL", "mysql://x@y/z", "sqlite:/// or postgresql+psycopg://"),
    ("WAYLINE_DATABASE_URL", "not a url", "not a database URL"),
    ("WAYLINE_DATABASE_URL", "postgresql+asyncpg://u@h/d", "psycopg"),
    ("WAYLINE_REDIS_URL", "http://cache", "redis://"),
    ("WAYLINE_TIMEZONE", "Mars/Olympus", "IANA time zone"),
    ("WAYLINE_LOG_LEVEL", "LOUD", "DEBUG, INFO"),
    ("WAYLINE_LOG_FORMAT", "xml", "text or json"),
    ("WAYLINE_SMS_URL", "sms.example.com/send", "http:// or https://"),
    ("WAYLINE_SMS_SENDER", "call us", "registered sender number"),
    ("WAYLINE_KAKAO_API_KEY", "two words", "without spaces"),
    ("WAYLINE_OPT_OUT_LINE", "x" * 101, "one line of at most 100"),
    ("WAYLINE_SMTP_URL", "mail.test:25", "smtp://user:password@host"),
    ("WAYLINE_SMTP_URL", "smtp://mail.test?starttls=on", "starttls=1 or starttls=0"),
    ("WAYLINE_SMTP_URL", "smtp://mail.test?from=nobody", "not an address"),
    ("WAYLINE_SMTP_FROM", "Wayline", "not an address"),
    ("WAYLINE_WEBHOOK_TIMEOUT", "soon", "number of seconds"),
    ("WAYLINE_WEBHOOK_TIMEOUT", "0", "more than 0 and at most 300"),
    ("WAYLINE_CLAIM_TIMEOUT", "0.5", "at least 1 second"),
    ("WAYLINE_WEBHOOK_ALLOW", "10.0.0.0/8, http://hooks.test/", "neither a host name nor"),
    ("WAYLINE_PUBLIC_URL", "crm.example.com", "http:// or https://"),
    ("WAYLINE_PUBLIC_URL", "https://crm.example.com/?x=1", "without ?query"),
    ("WAYLINE_SECRET_KEY", "short", "at least 16"),
])
def test_a_wrong_value_names_the_variable_and_the_value(variable, value, says):
    with pytest.raises(SettingsError) as caught:
        load_settings({variable: value})
    message = str(caught.value)
    assert message.startswith(f"{variable}={value!r}")
    assert says in message


def test_every_setting_is_described():
    described = describe_settings()
    assert [row[0] for row in described] == [
        "WAYLINE_DATA_DIR", "WAYLINE_DATABASE_URL", "WAYLINE_REDIS_URL", "WAYLINE_HOST",
        "WAYLINE_PORT", "WAYLINE_TIMEZONE", "WAYLINE_LOG_LEVEL", "WAYLINE_LOG_FORMAT",
        "WAYLINE_SMTP_URL", "WAYLINE_SMTP_FROM", "WAYLINE_WEBHOOK_TIMEOUT",
        "WAYLINE_WEBHOOK_ALLOW", "WAYLINE_PROVIDER_CONCURRENCY", "WAYLINE_CLAIM_TIMEOUT",
        "WAYLINE_FLIGHT_BATCH", "WAYLINE_STATS_LIVE_RUNS", "WAYLINE_API_KEY",
        "WAYLINE_PUBLIC_URL", "WAYLINE_SECRET_KEY", "WAYLINE_ALLOWED_HOSTS",
        "WAYLINE_SESSION_IDLE_MINUTES", "WAYLINE_SESSION_MAX_HOURS",
        "WAYLINE_FORWARDED_ALLOW_IPS", "WAYLINE_KEY_RATE_LIMIT",
        "WAYLINE_RECEIPT_SECRET", "WAYLINE_SMS_URL", "WAYLINE_SMS_API_KEY", "WAYLINE_SMS_SENDER",
        "WAYLINE_KAKAO_URL", "WAYLINE_KAKAO_API_KEY", "WAYLINE_KAKAO_SENDER_KEY",
        "WAYLINE_BRAND_URL", "WAYLINE_BRAND_API_KEY", "WAYLINE_BRAND_SENDER_KEY",
        "WAYLINE_PUSH_URL", "WAYLINE_PUSH_API_KEY", "WAYLINE_AD_LABEL", "WAYLINE_OPT_OUT_LINE",
        "WAYLINE_MAX_JOURNEY_STEPS", "WAYLINE_MAX_RULE_DEPTH"]
    assert all(meaning for _, _, meaning in described)


def test_passwords_never_show_in_errors_or_repr():
    with pytest.raises(SettingsError) as caught:
        load_settings({"WAYLINE_DATABASE_URL": "mysql://admin:hunter2@db/x"})
    assert "hunter2" not in str(caught.value) and ":***@" in str(caught.value)
    settings = load_settings({"WAYLINE_DATABASE_URL": "postgresql://admin:hunter2@db/x"})
    assert "hunter2" not in repr(settings)


def test_signing_secrets_never_show_in_repr():
    settings = load_settings({"WAYLINE_SECRET_KEY": "s3cret-signing-key-0001",
                              "WAYLINE_RECEIPT_SECRET": "s3cret-receipt-key-0001",
                              "WAYLINE_PUBLIC_URL": "https://crm.example.com/"})
    assert settings.public_url == "https://crm.example.com"
    assert "s3cret" not in repr(settings) and "crm.example.com" in repr(settings)


def test_provider_settings_are_read_and_their_keys_never_shown():
    settings = load_settings({
        "WAYLINE_SMS_URL": "https://sms.example.com/v1/send", "WAYLINE_SMS_API_KEY": "sms-key-0001",
        "WAYLINE_SMS_SENDER": "02-123-4567", "WAYLINE_KAKAO_SENDER_KEY": "kakao-sender-0001",
        "WAYLINE_AD_LABEL": "", "WAYLINE_OPT_OUT_LINE": "무료수신거부 080-123-4567"})
    assert settings.sms_sender == "021234567"
    assert (settings.ad_label, settings.opt_out_line) == ("", "무료수신거부 080-123-4567")
    assert Settings().ad_label == "(광고)"
    assert "sms-key" not in repr(settings) and "kakao-sender" not in repr(settings)


def test_a_provider_without_its_sender_fails_at_start_up():
    with pytest.raises(SettingsError, match="WAYLINE_SMS_SENDER='': must be set when "
                                            "WAYLINE_SMS_URL is"):
        load_settings({"WAYLINE_SMS_URL": "https://sms.example.com/send"})
    with pytest.raises(SettingsError, match="WAYLINE_KAKAO_SENDER_KEY"):
        load_settings({"WAYLINE_KAKAO_URL": "https://kakao.example.com/alimtalk"})


def test_journey_limits_are_settings_bounded_by_the_ceiling():
    settings = load_settings({"WAYLINE_MAX_JOURNEY_STEPS": "800", "WAYLINE_MAX_RULE_DEPTH": "30"})
    assert (settings.limits.max_steps, settings.limits.max_rule_depth) == (800, 30)
    assert load_settings({}).limits == Limits()
    for variable, value, says in [("WAYLINE_MAX_JOURNEY_STEPS", "5000", "from 2 to 2,000 steps"),
                                  ("WAYLINE_MAX_RULE_DEPTH", "0", "from 1 to 50 levels"),
                                  ("WAYLINE_MAX_RULE_DEPTH", "deep", "whole number of levels")]:
        with pytest.raises(SettingsError) as error:
            load_settings({variable: value})
        assert error.value.variable == variable and says in str(error.value)


def test_calls_in_flight_to_a_provider_are_a_bounded_setting():
    assert load_settings({}).provider_concurrency == 64
    assert load_settings({"WAYLINE_PROVIDER_CONCURRENCY": "16"}).provider_concurrency == 16
    with pytest.raises(SettingsError) as error:
        load_settings({"WAYLINE_PROVIDER_CONCURRENCY": "0"})
    assert "from 1 to 1,000 calls in flight" in str(error.value)


def test_the_flight_move_batch_is_a_bounded_setting_defaulting_to_the_runtimes():
    assert load_settings({}).flight_batch == flight.BATCH
    assert load_settings({"WAYLINE_FLIGHT_BATCH": "100"}).flight_batch == 100
    with pytest.raises(SettingsError) as error:
        load_settings({"WAYLINE_FLIGHT_BATCH": "0"})
    assert "from 1 to 100,000 runs" in str(error.value)
