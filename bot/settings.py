"""Settings from the environment and `.env` (every one documented in .env.example)."""
from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from storage.database import StoreError, sqlite_path
from watchers.fetch.http import FetchConfig
from watchers.schedule.poll_cycle import CycleConfig
from watchers.sources import SourceConfig

DEFAULT_DISCORD_API_BASE = "https://discord.com/api/v10"
DEFAULT_USER_AGENT = "milestone-bot/0.1 (biotech milestone alerts; contact: set USER_AGENT to your e-mail)"
# The contacts the shipped defaults name (.env.example, the default above): SEC EDGAR refuses them.
EXAMPLE_CONTACTS = ("you@example.org", "set USER_AGENT to your e-mail", "@example.com", "@example.org")


def names_example_contact(user_agent: str) -> bool:
    return any(example in user_agent.lower() for example in EXAMPLE_CONTACTS)


class Settings(BaseSettings):
    # No inf or nan: they pass a `ge=` bound and crash the scheduler later (every float also has an upper bound).
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", allow_inf_nan=False)

    database_url: str = "sqlite:///milestones.db"
    poll_interval_seconds: float = Field(600, ge=10, le=7 * 86400)
    poll_jitter_fraction: float = Field(0.1, ge=0, le=0.5)
    http_timeout_seconds: float = Field(20, gt=0, le=300)
    max_feed_bytes: int = Field(10_000_000, ge=1024)
    user_agent: str = DEFAULT_USER_AGENT
    allow_private_addresses: bool = False
    private_address_allowlist: str = ""
    max_consecutive_failures: int = Field(11, ge=2, le=1000)
    poll_concurrency: int = Field(64, ge=1, le=1000)
    # Feed bodies are parsed in a thread (0) or in this many worker processes (uses more cores and memory).
    parse_processes: int = Field(0, ge=0, le=64)
    delivery_interval_seconds: float = Field(5, gt=0, le=3600)
    max_delivery_attempts: int = Field(8, ge=1, le=1000)
    ctgov_base_url: str = "https://clinicaltrials.gov/api/v2"
    ctgov_request_interval_seconds: float = Field(1.0, ge=0, le=60)
    seed_defaults: bool = True
    max_subscriptions_per_channel: int = Field(25, ge=1, le=1000)
    openfda_base_url: str = "https://api.fda.gov"
    openfda_api_key: SecretStr | None = None
    edgar_base_url: str = "https://www.sec.gov"
    edgar_requests_per_second: float = Field(10, gt=0, le=10)
    pdufa_reminder_days: str = "30,7,1"
    # Read the release page behind each new event (never for `other`) for facts the headline and lede lack.
    release_pages: bool = True
    release_page_interval_seconds: float = Field(1.0, ge=0, le=60)
    discord_token: SecretStr | None = None
    # Register slash commands in this one server (instant) instead of globally (can take up to an hour).
    discord_guild_id: int | None = Field(None, gt=0)
    # Discord's REST API root; tests point it at a local mock.
    discord_api_base: str = DEFAULT_DISCORD_API_BASE
    # How long `run` waits for the Discord gateway to report ready before giving up.
    discord_ready_timeout_seconds: float = Field(60, gt=0, le=3600)
    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    # HTTP mode only (no SLACK_APP_TOKEN): Slack signs each request with this; required there, checked below.
    slack_signing_secret: SecretStr | None = Field(None, validate_default=True)
    slack_api_base: str = "https://slack.com/api/"
    slack_http_host: str = "0.0.0.0"
    slack_http_port: int = Field(3000, ge=0, le=65535)
    slack_admin_user_group: str = ""
    # Log lines as text (default) or as one JSON object per line, for log collectors.
    log_format: Literal["text", "json"] = "text"
    # Registering or tracking a programme back-fills its card from ClinicalTrials.gov (trials found by its names).
    onboarding_backfill: bool = True
    # Also read each found trial's version history from the website (undocumented endpoint: off unless asked).
    ctgov_history: bool = False
    ctgov_history_url: str = "https://clinicaltrials.gov/api/int"
    # How long a lookup's ClinicalTrials.gov search is reused before it is asked again.
    lookup_cache_hours: float = Field(24, ge=0, le=24 * 30)
    # PostgreSQL workers (`milestone-bot worker`): jobs run at once per worker process (polls and deliveries are
    # I/O-bound), how often the reconciler re-queues lost sources and stalled jobs, when a silent worker is dead.
    worker_concurrency: int = Field(32, ge=1, le=1000)
    worker_reconcile_seconds: int = Field(30, ge=1, le=3600)
    worker_stalled_seconds: float = Field(30, ge=5, le=3600)
    # `milestone-bot gateway` holding a slice of Discord shards: e.g. DISCORD_SHARD_IDS=0,1 DISCORD_SHARD_COUNT=4.
    discord_shard_ids: str = ""
    discord_shard_count: int | None = Field(None, ge=1, le=10_000)
    # Adaptive polling: each feed polled when it is likely to publish (learned from its items' dates), with as
    # many requests a day as POLL_INTERVAL_SECONDS makes (or POLL_REQUESTS_PER_DAY), never more often than the
    # floor nor less often than the ceiling. False: every feed every POLL_INTERVAL_SECONDS.
    adaptive_polling: bool = True
    poll_requests_per_day: float | None = Field(None, ge=1, le=2880)
    poll_floor_seconds: float = Field(30, ge=5, le=3600)
    poll_ceiling_seconds: float = Field(3600, ge=60, le=86400)
    # Politeness per host, across every source on it (hundreds of company feeds share one wire's host).
    host_requests_per_second: float = Field(2, gt=0, le=10_000)
    host_concurrency: int = Field(4, ge=1, le=10_000)
    # Delivery: channels are sent to concurrently, at most this many sends at once; Discord allows a bot 50
    # requests a second in all (its global limit), whatever the channels.
    delivery_concurrency: int = Field(50, ge=1, le=1000)
    discord_global_rate_per_second: float = Field(50, gt=0, le=10000)
    # Release pages are read after the poll (a queue per host): an alert waits this long for its page's facts.
    release_page_wait_seconds: float = Field(15, ge=0, le=3600)

    @field_validator("user_agent")
    @classmethod
    def _user_agent_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must name the project and a contact (SEC EDGAR refuses anonymous clients)")
        return value.strip()

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        value = value.strip()
        if not value:  # SQLite would quietly use a throwaway temporary store
            raise ValueError("must name the store, e.g. sqlite:///milestones.db")
        if value.startswith(("postgresql://", "postgres://")):
            return value  # PostgreSQL: checked by connecting, at start
        try:
            sqlite_path(value)
        except StoreError as exc:
            raise ValueError(f"{exc}; use sqlite:///PATH or postgresql://USER@HOST:PORT/DATABASE") from None
        return value

    @field_validator("openfda_base_url", "edgar_base_url", "ctgov_base_url", "discord_api_base", "slack_api_base",
                     "ctgov_history_url",
                     mode="before")
    @classmethod
    def _http_base(cls, value: object, info: ValidationInfo) -> object:
        # Every API base is fetched with the bot's HTTP client: file://, ftp:// or a host-less URL cannot work.
        if isinstance(value, str):
            value = value.strip()
            parts = urlsplit(value)
            if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
                example = cls.model_fields[str(info.field_name)].default
                raise ValueError(f"must be an http(s) URL with a host, such as {example}")
        return value

    @field_validator("ctgov_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("pdufa_reminder_days")
    @classmethod
    def _reminder_days(cls, value: str) -> str:
        days = [d.strip() for d in value.split(",") if d.strip()]
        if not all(d.isdigit() and 0 < int(d) <= 365 for d in days):
            raise ValueError("must be comma-separated whole days between 1 and 365, e.g. 30,7,1")
        return ",".join(days)

    @field_validator("discord_shard_ids")
    @classmethod
    def _shard_ids(cls, value: str) -> str:
        ids = [s.strip() for s in value.split(",") if s.strip()]
        if not all(s.isdigit() for s in ids):
            raise ValueError("must be comma-separated shard numbers, e.g. 0,1")
        return ",".join(ids)

    def shard_ids(self) -> list[int] | None:
        """The shards this gateway holds (None: all of DISCORD_SHARD_COUNT, or no sharding)."""
        return [int(s) for s in self.discord_shard_ids.split(",") if s] or None

    def reminder_days(self) -> list[int]:
        return [int(d) for d in self.pdufa_reminder_days.split(",") if d]

    @field_validator(
        "discord_token", "slack_bot_token", "slack_app_token", "slack_signing_secret", "discord_guild_id",
        "openfda_api_key", "discord_shard_count", mode="before",
    )
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("discord_api_base")
    @classmethod
    def _api_base_is_http(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("slack_signing_secret")
    @classmethod
    def _secret_for_http_mode(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        # Without an app token Slack reaches us over HTTP, and unsigned requests must be refusable.
        if value is None and info.data.get("slack_bot_token") and not info.data.get("slack_app_token"):
            raise ValueError("required for Slack HTTP mode (SLACK_BOT_TOKEN set without SLACK_APP_TOKEN)")
        return value

    @field_validator("slack_api_base")
    @classmethod
    def _api_base(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

    @field_validator("slack_admin_user_group")
    @classmethod
    def _user_group_id(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith("S"):
            raise ValueError("must be a user group ID such as S0123ABCD (not its @handle)")
        return value

    def fetch_config(self) -> FetchConfig:
        return FetchConfig(
            timeout_seconds=self.http_timeout_seconds,
            max_bytes=self.max_feed_bytes,
            user_agent=self.user_agent,
            allow_private_addresses=self.allow_private_addresses,
            private_allowlist=frozenset(h.strip() for h in self.private_address_allowlist.split(",") if h.strip()),
            host_requests_per_second=self.host_requests_per_second,
            host_concurrency=self.host_concurrency,
            # EDGAR keeps its own agreed pace (10 requests per second), above the default per-host one.
            host_rates=((urlsplit(self.edgar_base_url).hostname or "", self.edgar_requests_per_second),),
        )

    def source_config(self) -> SourceConfig:
        key = self.openfda_api_key.get_secret_value() if self.openfda_api_key else None
        return SourceConfig(
            openfda_api_key=key,
            edgar_requests_per_second=self.edgar_requests_per_second,
            ctgov_request_interval_seconds=self.ctgov_request_interval_seconds,
            release_pages=self.release_pages,
            release_page_interval_seconds=self.release_page_interval_seconds,
            release_page_wait_seconds=self.release_page_wait_seconds,
        )

    def cycle_config(self) -> CycleConfig:
        return CycleConfig(
            interval_seconds=self.poll_interval_seconds,
            jitter_fraction=self.poll_jitter_fraction,
            max_consecutive_failures=self.max_consecutive_failures,
            concurrency=self.poll_concurrency,
            adaptive=self.adaptive_polling,
            requests_per_day=self.poll_requests_per_day,
            floor_seconds=self.poll_floor_seconds,
            ceiling_seconds=self.poll_ceiling_seconds,
        )


class SettingsError(Exception):
    """One clear line naming the bad variable."""


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except UnicodeDecodeError as exc:
        raise SettingsError(
            f"cannot read .env: it is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start}); "
            "save it as UTF-8"
        ) from None
    except OSError as exc:
        raise SettingsError(f"cannot read .env: {exc.strerror or exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first.get("loc") else "settings"
        value = first.get("input")
        field = Settings.model_fields.get(str(first["loc"][0])) if first.get("loc") else None
        secret = field is not None and "SecretStr" in str(field.annotation)
        # Never echo a secret's value, nor anything that looks like one, into the one line that gets printed.
        hidden = secret or any(word in name for word in ("TOKEN", "SECRET", "KEY", "PASSWORD"))
        hidden = hidden or "@" in str(value)  # a URL with user:password@ in it
        shown = "" if hidden else f" (got {value!r})"
        raise SettingsError(f"invalid setting {name}: {first['msg']}{shown}") from None
