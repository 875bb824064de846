"""Time-based one-time codes (RFC 6238) for staff sign-in, and the enrolment QR code.

A code is accepted for the current 30-second step or one step either side (phones'
clocks drift), and only for a step later than the last one used: a code read over a
shoulder or replayed from a log cannot be used twice. The QR code is drawn as inline
SVG from reportlab's encoder, so enrolment needs no outside service.
"""

from __future__ import annotations

import hmac
from datetime import datetime

import pyotp

ISSUER = "ReturnFlow"
_DRIFT_STEPS = 1
_QUIET = 4  # modules of white around the symbol


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str) -> str:
    """The otpauth:// link an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def current_step(now: datetime) -> int:
    return pyotp.TOTP(pyotp.random_base32()).timecode(now)


def code_for(secret: str, step: int) -> str:
    """The code of one step (what the phone shows then); tests and the demo use it."""
    return pyotp.TOTP(secret).generate_otp(step)


def matching_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """The step `code` belongs to, if it is near now and newer than `last_step`."""
    code = code.strip().replace(" ", "")
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now_step = totp.timecode(now)
    for step in range(now_step - _DRIFT_STEPS, now_step + _DRIFT_STEPS + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def qr_svg(data: str, scale: int = 4) -> str:
    """`data` as a QR code in an <svg> element, one path, no scripts or outside links."""
    # with the first enrolment, not with every API process: reportlab's encoder costs
    # some 18 MB of RSS that only this page needs (issue 11: RSS)
    from reportlab.graphics.barcode import qrencoder  # type: ignore[import-untyped]

    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(data)
    code.make()
    count = int(code.getModuleCount())
    side = count + 2 * _QUIET
    path = "".join(
        f"M{col + _QUIET} {row + _QUIET}h1v1h-1z"
        for row in range(count)
        for col in range(count)
        if code.isDark(row, col)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" '
        f'width="{side * scale}" height="{side * scale}" role="img" aria-label="QR">'
        f'<rect width="{side}" height="{side}" fill="#fff"/>'
        f'<path d="{path}" fill="#000"/></svg>'
    )
