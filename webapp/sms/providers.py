"""SMS providers: the development one, which writes each message to the server log, and the
interface a production provider (tencent.py) fills in."""
from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass

from webapp.sms.kinds import CODE_TEMPLATE, NOTICES, CodePurpose, NoticeKind, Template, ordered_params

log = logging.getLogger("webapp.sms")

CODE_MINUTES = 5


class SmsError(Exception):
    """The provider could not be reached, or refused the message."""


@dataclass(frozen=True)
class Message:
    mobile: str          # E.164
    template: Template
    params: list[str]    # in the template's order
    purpose: str = ""    # the code's purpose, or the notice's kind

    @property
    def text(self) -> str:
        return self.template.text.format(**dict(zip(self.template.params, self.params)))


class Provider:
    """Sends a message; subclasses say how (send)."""
    name = ""

    def send(self, message: Message) -> None:
        raise NotImplementedError

    def send_code(self, mobile: str, code: str, purpose: CodePurpose) -> None:
        """Text `code` to `mobile` (E.164); SmsError when it could not be sent."""
        values = ordered_params(CODE_TEMPLATE, {"code": code, "minutes": CODE_MINUTES})
        self.send(Message(mobile, CODE_TEMPLATE, values, str(CodePurpose(purpose))))

    def send_notice(self, mobile: str, kind: NoticeKind, params: dict) -> None:
        """Text a notice of `kind` to `mobile` (E.164) with the template's `params` by name."""
        template = NOTICES[NoticeKind(kind)]
        self.send(Message(mobile, template, ordered_params(template, params), str(kind)))


class LogProvider(Provider):
    """Development: nothing leaves the machine. Each message is written to the server log (at
    WARNING, so it shows under any log level) and kept, the last hundred, for tests."""
    name = "log"

    def __init__(self) -> None:
        self.sent: deque[Message] = deque(maxlen=100)

    def send(self, message: Message) -> None:
        self.sent.append(message)
        log.warning("SMS (development, not sent) to %s [%s]: %s", message.mobile, message.purpose,
                    message.text)
