"""Text messages behind one small interface; Twilio's Messages API is the one provider.

Twilio (https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource):
`POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json`, HTTP basic auth with the
account SID and auth token, a form body with `To`, `From` and `Body`; 201 with the
message resource (its `sid`) when accepted, 429 when throttled, another 4xx/5xx with
`code` and `message` when refused. SMS is off while the SID or token is empty.
"""

from __future__ import annotations

from typing import Protocol

import httpx

from returnflow.config import Settings
from returnflow.http_adapter import HttpAdapter

# Twilio's own limit on one message's body (it splits it into segments)
MAX_BODY = 1600


class SmsError(Exception):
    """The provider did not take the message; the outbox tries again later."""


class SmsThrottled(SmsError):
    """Too many messages for now (HTTP 429): retry with backoff."""


class SmsSender(Protocol):
    def send(self, phone: str, body: str) -> str:
        """Send one message; the provider's id for it. Raises SmsError."""
        ...


class TwilioSms(HttpAdapter):
    def __init__(
        self,
        base_url: str,
        account_sid: str,
        auth_token: str,
        sender: str,
        timeout: float = 10.0,
    ) -> None:
        self.account_sid, self.sender = account_sid, sender
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"), auth=(account_sid, auth_token), timeout=timeout
        )

    def send(self, phone: str, body: str) -> str:
        form = {"To": phone, "From": self.sender, "Body": body[:MAX_BODY]}
        path = f"/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        try:
            answer = self._client.post(path, data=form)
        except httpx.HTTPError as exc:
            raise SmsError(f"twilio unreachable: {type(exc).__name__}") from exc
        if answer.status_code == 429:
            raise SmsThrottled("twilio: too many requests (429)")
        if answer.status_code != 201:
            raise SmsError(f"twilio refused ({answer.status_code}): {_reason(answer)}")
        return str(answer.json().get("sid", ""))


def _reason(answer: httpx.Response) -> str:
    """Twilio's error code and message, never the request (it holds the phone number)."""
    try:
        found = answer.json()
    except ValueError:
        return "no JSON answer"
    return f"{found.get('code', '')} {str(found.get('message', ''))[:200]}".strip()


def sms_from_settings(settings: Settings) -> SmsSender | None:
    """Twilio when its keys are set; None (no SMS) otherwise."""
    if not (settings.twilio_account_sid and settings.twilio_auth_token):
        return None
    return TwilioSms(
        settings.twilio_base_url,
        settings.twilio_account_sid,
        settings.twilio_auth_token,
        settings.twilio_from,
        settings.sms_timeout,
    )
