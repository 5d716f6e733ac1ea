"""Production settings refuse to start half-configured and pass `check --deploy` by default."""
from tests.config.conftest import STRONG_SECRET_KEY, child_env

PRODUCTION = "config.settings.production"
POSTGRES = "postgres://marketplace@db.internal:5432/marketplace"  # check --deploy does not connect


def _env(**env: str) -> dict[str, str]:
    return child_env(DJANGO_SETTINGS_MODULE=PRODUCTION, **env)


def test_check_deploy_passes_with_no_warnings_by_default(manage):
    result = manage("check", "--deploy", "--fail-level", "WARNING",
                    env=_env(SECRET_KEY=STRONG_SECRET_KEY, DATABASE_URL=POSTGRES))

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_database_url(manage):
    result = manage("check", env=_env(SECRET_KEY=STRONG_SECRET_KEY))

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DATABASE_URL must be set in production" in result.stderr


def test_production_refuses_to_start_without_secret_key(manage):
    result = manage("check", env=_env(DATABASE_URL=POSTGRES))

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in result.stderr


def test_https_off_for_a_local_trial_is_what_check_deploy_warns_about(manage):
    result = manage("check", "--deploy", "--fail-level", "WARNING",
                    env=_env(SECRET_KEY=STRONG_SECRET_KEY, DATABASE_URL=POSTGRES, HTTPS="false"))

    assert result.returncode != 0
    warned = {code for code in ("W004", "W008", "W012", "W016") if f"security.{code}" in result.stderr}
    assert warned == {"W004", "W008", "W012", "W016"}, result.stderr


def test_https_settings_and_the_proxy_switch(run_python):
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, "
        "s.SECURE_PROXY_SSL_HEADER, s.CACHES['default']['BACKEND'], s.STORAGES['staticfiles']['BACKEND'])"
    )
    env = {"SECRET_KEY": STRONG_SECRET_KEY, "DATABASE_URL": POSTGRES}

    direct = run_python(code, _env(**env))
    proxied = run_python(code, _env(**env, TRUST_X_FORWARDED_PROTO="true"))
    trial = run_python(code, _env(**env, HTTPS="false"))

    assert direct.stdout.split() == [
        "True", "True", "True", "31536000", "None",
        "config.cache.FailOpenRedisCache", "whitenoise.storage.CompressedManifestStaticFilesStorage",
    ], direct.stderr
    assert "('HTTP_X_FORWARDED_PROTO', 'https')" in proxied.stdout, proxied.stderr
    assert trial.stdout.split()[:4] == ["False", "False", "False", "0"], trial.stderr
