"""Settings from the environment (prefix RETURNFLOW_), with defaults for a laptop."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RETURNFLOW_")

    database_url: str = "sqlite:///returnflow.db"
    # Mail goes through SMTP when a host is set; without one it is written as .eml
    # files into mail_dir, so a laptop run needs no mail server.
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_timeout: float = 10.0
    mail_from: str = "ReturnFlow <returns@returnflow.example>"
    mail_dir: str = "mail"
    # signs customers' portal links; without one a key file is made beside the database
    secret_key: str = ""
    secret_key_file: str = ".returnflow-secret"
    # where customers' photos are kept
    upload_dir: str = "uploads"
    # how often the worker looks for work, and how often it gives up on a message
    worker_interval_seconds: float = 2.0
    outbox_max_attempts: int = 8
