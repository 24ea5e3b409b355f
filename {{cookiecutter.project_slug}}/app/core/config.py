"""Typed settings read from `APP_*` environment variables, validated once at start-up."""
from functools import lru_cache
from ipaddress import ip_network
{%- if cookiecutter.database == 'postgres' %}
from pathlib import Path
{%- endif %}
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Probed by the ALB, the ECS container health check and the Dockerfile HEALTHCHECK alike.
HEALTH_PATH = "{{ cookiecutter._health_check_path }}"
READY_PATH = "/ready"
VERSION_PATH = "/version"
{%- if cookiecutter.database == 'postgres' %}
# Where the database may be reached without TLS: a developer's machine and the tests (make db), never a
# deployed environment, whose RDS instance refuses plain connections (rds.force_ssl).
PLAINTEXT_DATABASE_ENVIRONMENTS = ("local", "test")
{%- endif %}


class Settings(BaseSettings):
    """Runtime configuration; every field can be set as APP_<FIELD> in the environment."""

    # hide_input_in_errors: a refused setting's error must not echo the values read (the secrets among them).
    model_config = SettingsConfigDict(env_prefix="APP_", frozen=True, extra="ignore", hide_input_in_errors=True)

    service_name: str = "{{ cookiecutter.project_slug }}"
    # Where it runs: on a developer's machine, in the tests, or in one of the deployed environments (each
    # task definition sets its own, terraform/locals.tf).
    environment: Literal["local", "test", {% for environment in cookiecutter.environments.split(",") %}"{{ environment }}"{% if not loop.last %}, {% endif %}{% endfor %}] = "local"
    host: str = "127.0.0.1"
    port: int = Field(default={{ cookiecutter.container_port }}, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    image_tag: str = "dev"
    git_sha: str = "unknown"
    # Seconds in-flight requests get to finish after SIGTERM; ECS waits longer before SIGKILL.
    shutdown_timeout: int = Field(default=15, ge=1, le=110)
    # Must exceed the load balancer's idle timeout, or the ALB reuses connections the app already closed (502s).
    keep_alive_timeout: int = Field(default=75, ge=1)
    # Networks whose X-Forwarded-For is trusted: the load balancer's, never everyone's.
    forwarded_allow_ips: str = "127.0.0.1"
    max_body_bytes: int = Field(default=1_048_576, ge=1)
    docs_enabled: bool = True
    # An example secret: ECS injects it from SSM Parameter Store (terraform/README.md, "Secrets") as
    # APP_API_KEY. SecretStr keeps it out of repr(), logs and error messages; read it with
    # .get_secret_value() only where it is used. No constraint on it: a failed check would echo the value.
    api_key: SecretStr | None = None
{%- if cookiecutter.database == 'postgres' %}
    # PostgreSQL. The defaults reach `make db`'s server but for its port (the Makefile passes it); ECS sets
    # host, port, name and the application login from the RDS instance and its secrets (terraform/).
    database_host: str = "127.0.0.1"
    database_port: int = Field(default=5432, ge=1, le=65535)
    database_name: str = Field(default="{{ cookiecutter.project_slug.replace('-', '_') }}", min_length=1, max_length=63)
    database_user: str = Field(default="postgres", min_length=1, max_length=63)
    # No constraint on it: a failed check would echo the value.
    database_password: SecretStr = SecretStr("")
    # disable (local and test only), require (TLS, the deployed default) or verify-full (TLS and the
    # server's certificate checked against APP_DATABASE_SSL_ROOT_CERT, e.g. the RDS CA bundle).
    database_ssl: Literal["disable", "require", "verify-full"] | None = None
    database_ssl_root_cert: Path | None = None
    # Connections per worker process: each uvicorn worker has its own pool of pool_size + max_overflow.
    # Size them so that tasks (max_capacity) x workers x (pool_size + max_overflow), plus the migration task,
    # stays under the instance's max_connections, which RDS derives from its memory (the default parameter
    # group's LEAST(DBInstanceClassMemory/9531392, 5000): fewer than 113 on db.t4g.micro's 1 GiB).
    database_pool_size: int = Field(default=5, ge=1, le=50)
    database_max_overflow: int = Field(default=5, ge=0, le=50)
    # Seconds a request waits for a free connection before failing, rather than queueing without end.
    database_pool_timeout: float = Field(default=5.0, gt=0, le=60)
    # Seconds to open a connection, and the /ready probe's whole budget: the probes must stay fast.
    database_connect_timeout: float = Field(default=3.0, gt=0, le=30)
    # Read by `python -m app.migrate` alone (the release's migration task): the application login it creates
    # or updates, with only the privileges the service needs. The service itself never has them.
    database_grant_user: str | None = Field(default=None, min_length=1, max_length=63)
    database_grant_password: SecretStr | None = None
{%- endif %}

    @field_validator("forwarded_allow_ips")
    @classmethod
    def forwarded_allow_ips_are_networks(cls, value: str) -> str:
        for item in value.split(","):
            if item.strip() == "*":
                raise ValueError("'*' trusts X-Forwarded-For from any client; list the load balancer's networks")
            ip_network(item.strip(), strict=False)
        return value

    @model_validator(mode="after")
    def production_is_locked_down(self) -> "Settings":
        if self.environment == "production" and self.log_level == "DEBUG":
            raise ValueError("APP_LOG_LEVEL=DEBUG is refused in production: debug logs may carry request data")
        return self
{%- if cookiecutter.database == 'postgres' %}

    @model_validator(mode="after")
    def database_connection_is_encrypted_when_deployed(self) -> "Settings":
        if self.database_ssl == "disable" and self.environment not in PLAINTEXT_DATABASE_ENVIRONMENTS:
            raise ValueError(f"APP_DATABASE_SSL=disable is refused in {self.environment}: only "
                             f"{' and '.join(PLAINTEXT_DATABASE_ENVIRONMENTS)} may reach the database without TLS")
        if self.database_ssl == "verify-full" and self.database_ssl_root_cert is None:
            raise ValueError("APP_DATABASE_SSL=verify-full needs APP_DATABASE_SSL_ROOT_CERT, the CA bundle to check "
                             "the server's certificate against")
        return self

    @property
    def database_ssl_mode(self) -> str:
        """APP_DATABASE_SSL, or its default: plain connections where they are allowed, TLS everywhere else."""
        if self.database_ssl is not None:
            return self.database_ssl
        return "disable" if self.environment in PLAINTEXT_DATABASE_ENVIRONMENTS else "require"
{%- endif %}


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read from the environment once."""
    return Settings()
