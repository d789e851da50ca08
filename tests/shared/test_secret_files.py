"""Secrets as files (密钥文件): SUITE_SECRETS_DIR, laid out as the kubelet mounts a Secret volume.

The Kubernetes manifests mount `suite-secrets` with `items` naming each file after the variable the settings
read; the last tests check that every mounted file is really read by the pod's settings.
"""
from __future__ import annotations

import base64
import secrets
from pathlib import Path

import pytest
import yaml
from cryptography.fernet import Fernet

from services.gateway.settings import GatewaySettings
from services.lawyers.settings import LawyersSettings
from services.mediation.settings import MediationSettings
from shared import migrate
from shared.settings import SECRETS_DIR_VAR

K8S_BASE = Path(__file__).resolve().parents[2] / "deploy" / "k8s" / "base"
# Every variable a secret file may set (kept clear of the developer's environment in these tests).
SECRET_VARS = ("GATEWAY_DATABASE_URL", "MEDIATION_DATABASE_URL", "LAWYERS_DATABASE_URL", "CURSOR_SECRET",
               "HANDOFF_PII_KEYS", "GATEWAY_HANDOFF_PII_KEYS", "MEDIATION_HANDOFF_PII_KEYS",
               "GATEWAY_WEBHOOK_SEALING_KEYS", "MEDIATION_PII_KEYS", "MEDIATION_PII_HASH_KEY",
               "MEDIATION_SERVICE_CLIENT_SECRET", "LAWYERS_SERVICE_CLIENT_SECRET", "SUITE_ENV")


def kubelet_secret_dir(root: Path, files: dict[str, str]) -> Path:
    """A directory laid out as the kubelet writes a Secret volume: the files in a timestamped directory,
    `..data` pointing at it, and each name a symlink through `..data`."""
    root.mkdir()
    stamp = root / "..2026_12_06_04_40_00.123456789"
    stamp.mkdir()
    (root / "..data").symlink_to(stamp.name)
    for name, value in files.items():
        (stamp / name).write_text(value, encoding="utf-8")
        (root / name).symlink_to(f"..data/{name}")
    return root


def aes_ring(kid: str) -> str:
    return f"{kid}:{base64.b64encode(secrets.token_bytes(32)).decode()}"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for var in (*SECRET_VARS, SECRETS_DIR_VAR):
        monkeypatch.delenv(var, raising=False)


def test_settings_read_secret_files_trailing_newline_stripped(tmp_path, monkeypatch):
    pii, handoff, sealing = aes_ring("k1"), aes_ring("h1"), Fernet.generate_key().decode()
    d = kubelet_secret_dir(tmp_path / "suite", {
        "MEDIATION_DATABASE_URL": "postgresql+psycopg://mediation:pw@pooler:5432/mediation\n",
        "MEDIATION_PII_KEYS": pii + "\n",
        "MEDIATION_PII_HASH_KEY": "a" * 64 + "\r\n",
        "HANDOFF_PII_KEYS": handoff + "\n\n",
        "MEDIATION_SERVICE_CLIENT_SECRET": "mediation-prod-secret\n",
        "CURSOR_SECRET": "prod-cursor-secret\n",
        "GATEWAY_WEBHOOK_SEALING_KEYS": sealing + "\n",
    })
    monkeypatch.setenv(SECRETS_DIR_VAR, str(d))

    m = MediationSettings()
    assert m.database_url == "postgresql+psycopg://mediation:pw@pooler:5432/mediation"
    assert (m.pii_keys, m.pii_hash_key, m.handoff_pii_keys) == (pii, "a" * 64, handoff)
    assert m.service_client_secret == "mediation-prod-secret"
    assert m.cursor_secret == "prod-cursor-secret"

    g = GatewaySettings()
    assert (g.webhook_sealing_keys, g.handoff_pii_keys, g.cursor_secret) == (sealing, handoff, "prod-cursor-secret")
    # A file another service's prefix names is not read: the gateway keeps its own default database.
    assert g.database_url.startswith("sqlite:///")


def test_environment_variable_wins_over_file(tmp_path, monkeypatch):
    d = kubelet_secret_dir(tmp_path / "suite", {"LAWYERS_DATABASE_URL": "postgresql+psycopg://from-file/l\n",
                                                "CURSOR_SECRET": "from-file\n"})
    monkeypatch.setenv(SECRETS_DIR_VAR, str(d))
    monkeypatch.setenv("CURSOR_SECRET", "from-env")
    s = LawyersSettings()
    assert s.cursor_secret == "from-env"
    assert s.database_url == "postgresql+psycopg://from-file/l"
    # An argument wins over both (tests build settings this way).
    assert LawyersSettings(database_url="sqlite://").database_url == "sqlite://"


def test_lowercase_file_names_are_read_too(tmp_path, monkeypatch):
    d = kubelet_secret_dir(tmp_path / "suite", {"lawyers_service_client_secret": "lower-case-name"})
    monkeypatch.setenv(SECRETS_DIR_VAR, str(d))
    assert LawyersSettings().service_client_secret == "lower-case-name"


def test_without_secrets_dir_no_file_is_read(tmp_path, monkeypatch):
    kubelet_secret_dir(tmp_path / "suite", {"CURSOR_SECRET": "from-file"})
    monkeypatch.chdir(tmp_path / "suite")  # not even from the working directory
    assert LawyersSettings().cursor_secret == "petition-suite-dev-cursor-secret"


def test_a_secrets_dir_that_is_missing_stops_the_service(tmp_path, monkeypatch):
    monkeypatch.setenv(SECRETS_DIR_VAR, str(tmp_path / "not-mounted"))
    with pytest.raises(ValueError, match=r"SUITE_SECRETS_DIR=.*not-mounted: not a directory"):
        LawyersSettings()


def test_prod_refuses_dev_seed_from_files_and_accepts_real_ones(tmp_path, monkeypatch):
    d = kubelet_secret_dir(tmp_path / "suite", {"LAWYERS_SERVICE_CLIENT_SECRET": "lawyers-service-dev-secret\n",
                                                "CURSOR_SECRET": "petition-suite-dev-cursor-secret\n",
                                                "LAWYERS_DATABASE_URL": "sqlite://\n"})
    monkeypatch.setenv(SECRETS_DIR_VAR, str(d))
    monkeypatch.setenv("SUITE_ENV", "prod")
    with pytest.raises(RuntimeError, match="cursor_secret, service_client_secret"):
        LawyersSettings().refuse_dev_secrets()

    stamp = (d / "..data").resolve()
    (stamp / "LAWYERS_SERVICE_CLIENT_SECRET").write_text("a-real-secret\n")
    (stamp / "CURSOR_SECRET").write_text("a-real-cursor-secret\n")
    LawyersSettings().refuse_dev_secrets()


def test_migrate_reads_database_urls_from_files(tmp_path, monkeypatch):
    """`python -m shared.migrate` (the migration Job) finds the databases in the secrets directory."""
    d = kubelet_secret_dir(tmp_path / "suite", {"GATEWAY_DATABASE_URL": "postgresql+psycopg://g/g\n",
                                                "MEDIATION_DATABASE_URL": "postgresql+psycopg://m/m\n"})
    monkeypatch.setenv(SECRETS_DIR_VAR, str(d))
    monkeypatch.setenv("MEDIATION_DATABASE_URL", "postgresql+psycopg://env/m")
    urls = migrate.database_urls()
    assert urls["gateway"] == "postgresql+psycopg://g/g"
    assert urls["mediation"] == "postgresql+psycopg://env/m"
    assert urls["lawyers"].startswith("sqlite:///")


# -- the manifests: each mounted file is read by the pod's settings -------------------------------------

def valid_value(name: str) -> str:
    """A value the settings accept for the variable `name`, different on every call."""
    if name.endswith("PII_KEYS"):
        return aes_ring("k" + secrets.token_hex(2))
    if name.endswith("SEALING_KEYS"):
        return Fernet.generate_key().decode()
    if name.endswith("DATABASE_URL"):
        return f"postgresql+psycopg://u:{secrets.token_hex(8)}@pooler:5432/db"
    return secrets.token_hex(16)


def pod_spec(manifest: str) -> dict:
    for doc in yaml.safe_load_all((K8S_BASE / manifest).read_text(encoding="utf-8")):
        if doc and doc["kind"] in ("Deployment", "Job"):
            return doc["spec"]["template"]["spec"]
    raise AssertionError(f"no workload in {manifest}")


@pytest.mark.parametrize("manifest, settings_classes", [
    ("gateway.yaml", [GatewaySettings]),
    ("mediation.yaml", [MediationSettings]),
    ("lawyers.yaml", [LawyersSettings]),
    ("migrate-job.yaml", [GatewaySettings, MediationSettings, LawyersSettings]),
])
def test_manifest_mounts_secret_files_the_settings_read(manifest, settings_classes, tmp_path, monkeypatch):
    spec = pod_spec(manifest)
    (container,) = spec["containers"]
    env = {e["name"]: e for e in container.get("env", [])}
    assert not any("valueFrom" in e for e in env.values()), "secrets come as files, not variables"
    mount = next(m for m in container["volumeMounts"] if m["name"] == "suite-secrets")
    assert mount["readOnly"] is True and env[SECRETS_DIR_VAR]["value"] == mount["mountPath"]
    volume = next(v for v in spec["volumes"] if v["name"] == "suite-secrets")["secret"]
    assert volume["secretName"] == "suite-secrets" and volume["defaultMode"] == 0o440

    files = {item["path"]: valid_value(item["path"]) for item in volume["items"]}
    d = kubelet_secret_dir(tmp_path / "suite", {name: value + "\n" for name, value in files.items()})
    monkeypatch.setenv(SECRETS_DIR_VAR, str(d))
    read = set()
    for cls in settings_classes:
        read |= {v for v in cls().model_dump().values() if isinstance(v, str)}
    unread = sorted(name for name, value in files.items() if value not in read)
    assert not unread, f"{manifest}: mounted but read by no setting: {unread}"
    if manifest == "migrate-job.yaml":
        urls = set(migrate.database_urls().values())
        assert {files[f"{p}_DATABASE_URL"] for p in ("GATEWAY", "MEDIATION", "LAWYERS")} <= urls
