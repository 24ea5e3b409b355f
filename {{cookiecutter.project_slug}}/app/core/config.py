"""Typed settings read from `APP_*` environment variables, validated once at start-up."""
from functools import lru_cache
from ipaddress import ip_network
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Probed by the ALB, the ECS container health check and the Dockerfile HEALTHCHECK alike.
HEALTH_PATH = "{{ cookiecutter._health_check_path }}"
READY_PATH = "/ready"
VERSION_PATH = "/version"


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


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read from the environment once."""
    return Settings()
