"""Every knob of epibridge, read from ``EPIBRIDGE_*`` environment variables.

One ``Settings`` object is built by ``create_app()`` or the CLI entry point and passed down;
nothing reads the environment at import time.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Configuration of one epibridge deployment."""

    model_config = SettingsConfigDict(env_prefix="EPIBRIDGE_", env_file=None, extra="ignore")

    database_url: str = Field(
        default="sqlite:///./var/epibridge.db",
        description="SQLAlchemy URL: sqlite:///PATH (embedded default) or "
        "postgresql+psycopg://USER:PASS@HOST:PORT/DB (production).",
    )
    profile: str = Field(
        default="sco",
        description="Organization profile loaded into a new database: a name shipped in the "
        "package (sco) or a path to a YAML file.",
    )
    token_ttl_days: int = Field(
        default=365, ge=1, description="Days an API token stays valid after it is issued."
    )
    max_body_bytes: int = Field(
        default=10 * 1024 * 1024,
        ge=1024,
        description="Largest request body accepted by the API (bytes); larger gets 413.",
    )
    max_upload_bytes: int = Field(
        default=2 * 1024 * 1024 * 1024,
        ge=1024,
        description="Largest file upload accepted by upload routes (bytes).",
    )
    upload_ttl_hours: int = Field(
        default=24,
        ge=1,
        description="Hours a file checked on the web import page waits for confirmation; "
        "older ones are deleted (on the next upload, or `epibridge data purge-uploads`).",
    )
    idempotency_ttl_hours: int = Field(
        default=24, ge=1, description="Hours a stored Idempotency-Key response is replayed."
    )
    idempotency_lease_seconds: int = Field(
        default=60,
        ge=1,
        le=3600,
        description="Seconds an Idempotency-Key stays reserved by a request still running; a "
        "retry waits that long for its outcome, then takes the key over (the request died).",
    )
    page_size_default: int = Field(
        default=50, ge=1, le=1000, description="Items per page when a request gives no limit."
    )
    page_size_max: int = Field(
        default=500, ge=1, le=10000, description="Largest page a request may ask for."
    )
    host: str = Field(default="127.0.0.1", description="Address `epibridge serve` binds to.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `epibridge serve` uses.")
    serve_worker: bool = Field(
        default=True,
        description="Whether `epibridge serve` runs the delivery worker in its process "
        "(`--worker/--no-worker` overrides it).",
    )
    serve_scheduler: bool = Field(
        default=True,
        description="Whether `epibridge serve` runs the schedules (detection, reminders, "
        "decisions past deadline, weekly reports) when it leads (`--scheduler/--no-scheduler`).",
    )
    reminder_hours: int = Field(
        default=24,
        ge=0,
        le=24 * 30,
        description="Hours after notification, and between reminders, at which the scheduler "
        "reminds the member states that have not acknowledged an event (three times at most); "
        "0: no automatic reminders.",
    )
    detection_nowcast: bool = Field(
        default=False,
        description="Whether the scheduled detection runs (`epibridge serve`, `epibridge detect "
        "schedule`) judge counts corrected for reporting delay: each incomplete period replaced "
        "by its nowcast median (as `epibridge detect run --nowcast`; docs/nowcasting.md).",
    )
    secret_key: str = Field(
        default="",
        description="Key signing session cookies and CSRF tokens; kept in VAR_DIR when empty.",
    )
    var_dir: Path = Field(
        default=Path("./var"), description="Folder for the SQLite file, keys and generated files."
    )
    audit_checkpoints: str = Field(
        default="",
        description="File the signed audit checkpoints are appended to (JSON lines); empty: "
        "VAR_DIR/audit-checkpoints.jsonl. Ship it off the host: see README, Audit log.",
    )
    audit_checkpoint_interval: int = Field(
        default=60,
        ge=1,
        le=3600,
        description="Seconds between automatic audit checkpoints while writes happen; entries "
        "written since the latest checkpoint can be removed undetected.",
    )
    sql_echo: bool = Field(default=False, description="Log every SQL statement (debugging).")
    webhook_allow_networks: str = Field(
        default="",
        description="Comma-separated CIDRs (10.20.0.0/16,fd00:12::/32) webhooks may reach "
        "although they are not public addresses (closed government networks, local test "
        "receivers); empty: only public addresses. Loopback is refused unless listed.",
    )
    smtp_host: str = Field(
        default="", description="SMTP server for e-mail subscriptions; empty: e-mail is not sent."
    )
    smtp_port: int = Field(default=25, ge=1, le=65535, description="Port of the SMTP server.")
    smtp_user: str = Field(default="", description="SMTP user name; empty: no login.")
    smtp_password: str = Field(default="", description="SMTP password (with SMTP_USER).")
    smtp_starttls: bool = Field(
        default=False, description="Upgrade the SMTP connection with STARTTLS before sending."
    )
    smtp_from: str = Field(
        default="epibridge@localhost", description="From address of notification e-mails."
    )
    federation_sync_seconds: float = Field(
        default=1.0,
        gt=0,
        le=3600,
        description="Seconds between the push-and-pull rounds `epibridge serve` runs with every "
        "peer when federation is set up (a message received for relay is passed on at once).",
    )
    federation_timeout_seconds: float = Field(
        default=15.0, gt=0, le=300, description="Seconds a request to a peer node may take."
    )
    federation_max_age_days: int = Field(
        default=30,
        ge=1,
        le=365,
        description="Oldest federation message accepted, in days (a node offline for a week "
        "catches up); older ones are refused. Messages more than 5 min in the future too.",
    )
    federation_allowed_networks: str = Field(
        default="",
        description="Comma-separated CIDRs federation peers (the hub, national nodes) may be "
        "reached at although not public (closed government networks, loopback in tests); "
        "empty: only public addresses.",
    )

    @field_validator("webhook_allow_networks", "federation_allowed_networks")
    @classmethod
    def _networks_parse(cls, value: str) -> str:
        # A typo must stop the start, not silently leave a network closed (or open).
        for part in value.split(","):
            if part.strip():
                ipaddress.ip_network(part.strip(), strict=False)
        return value


def secret_key(settings: Settings) -> str:
    """The configured key, or one generated once and kept in ``var_dir/secret_key``."""
    if settings.secret_key:
        return settings.secret_key
    path = settings.var_dir / "secret_key"
    if not path.is_file():
        import secrets

        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def settings_documentation() -> dict[str, str]:
    """Map every environment variable to its description, for ``epibridge config`` and docs."""
    return {
        f"EPIBRIDGE_{name.upper()}": field.description or ""
        for name, field in Settings.model_fields.items()
    }
