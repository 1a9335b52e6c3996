"""Sending SMS: the interface a provider plugs into, and the two backends shipped.

``CHIBO_SMS_BACKEND`` (a dotted path, default ``DatabaseSMSBackend``) names the class. A real
provider (a Vietnamese SMS gateway, or an operator's brand-name SMS API) is a subclass of
``SMSBackend`` whose ``send`` delivers one message and raises on failure; the outbox
(``Notice``) records the failure and the reminder job tries again later.
"""

from __future__ import annotations

import sys
from typing import TextIO

from django.conf import settings
from django.utils.module_loading import import_string

DEFAULT_SMS_BACKEND = "chibo.notifications.sms.DatabaseSMSBackend"


class SMSBackend:
    """Send one SMS to ``to`` (a phone number as recorded) or raise."""

    def send(self, *, to: str, body: str) -> None:
        raise NotImplementedError


class ConsoleSMSBackend(SMSBackend):
    """Development: prints each message instead of sending it."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout

    def send(self, *, to: str, body: str) -> None:
        self.stream.write(f"SMS to {to}: {body}\n")
        self.stream.flush()


class DatabaseSMSBackend(SMSBackend):
    """Sends nothing: the notice in the outbox is the record (the default until a provider is
    configured; members still see the notice on their home page)."""

    def send(self, *, to: str, body: str) -> None:
        return None


def sms_backend() -> SMSBackend:
    backend: type[SMSBackend] = import_string(
        getattr(settings, "CHIBO_SMS_BACKEND", DEFAULT_SMS_BACKEND)
    )
    return backend()
