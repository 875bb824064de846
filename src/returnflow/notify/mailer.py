"""Mail delivery behind one small interface: SMTP in production and tests, files on a laptop."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from returnflow.config import Settings


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class SmtpMailer:
    def __init__(self, host: str, port: int, timeout: float = 10.0) -> None:
        self.host, self.port, self.timeout = host, port, timeout

    def send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.send_message(message)


class FileMailer:
    """Writes each message as an .eml file: a laptop run needs no mail server."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def send(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        key = message["Message-ID"] or str(len(list(self.folder.iterdir())))
        name = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in key.strip("<>"))
        (self.folder / f"{name}.eml").write_bytes(bytes(message))


def mailer_from_settings(settings: Settings) -> Mailer:
    if settings.smtp_host:
        return SmtpMailer(settings.smtp_host, settings.smtp_port, settings.smtp_timeout)
    return FileMailer(settings.mail_dir)
