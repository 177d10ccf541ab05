"""Mainland mobile numbers: read as people type them, stored in E.164 (+8613812345678)."""
from __future__ import annotations

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

MOBILE_TYPES = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)


def normalise_mobile(value: str) -> str | None:
    """The E.164 form of a mainland mobile number typed with or without +86, spaces or dashes;
    None for anything else (a landline, another country's number, too short, not a number)."""
    return _normalise(value, MOBILE_TYPES)


def _normalise(value: str, types) -> str | None:
    """The E.164 form of a valid mainland number of one of `types`, None for anything else."""
    text = (value or "").strip()
    if not text or len(text) > 32:
        return None
    try:
        number = phonenumbers.parse(text, "CN")
    except NumberParseException:
        return None
    if (number.country_code != 86 or not phonenumbers.is_valid_number(number)
            or phonenumbers.number_type(number) not in types):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def stored_forms(e164: str) -> tuple[str, str]:
    """The forms an account's mobile may be stored in: E.164, and the 11 digits a shop typed for
    its couriers before numbers were normalised."""
    return e164, e164.removeprefix("+86")


# A shop's public number: a mainland mobile, or a landline with its area code (010 1234 5678).
PUBLIC_TYPES = (*MOBILE_TYPES, PhoneNumberType.FIXED_LINE)


def normalise_public_phone(value: str) -> str | None:
    """The E.164 form of a mainland mobile or landline number (with its area code), however it
    is typed (+86, spaces, dashes, brackets); None for anything else."""
    return _normalise(value, PUBLIC_TYPES)


def national(e164: str) -> str:
    """A stored number as people read it at home: 010 1234 5678, 138 1234 5678."""
    try:
        number = phonenumbers.parse(e164, "CN")
    except NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
