"""The brand's official contact data (policy ``contact``): URLs, e-mail addresses, phone numbers, postal
addresses and bank accounts that may appear in public replies — never personal data, always grounded."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator
from stdnum import iban as std_iban

_URL_RX = re.compile(r"^https?://[\w.-]+\.[a-z]{2,}(/\S*)?$", re.I)
_EMAIL_RX = re.compile(r"^[\w.+-]+@[\w-]+(\.[\w-]+)+$")
_PHONE_RX = re.compile(r"^\+?[\d][\d ()/-]{4,}\d$")


def _each(values: list[str], valid, what: str) -> list[str]:
    """``values`` when every entry is ``valid``; else the first bad entry named by index ("entry 1 'x' is not …")."""
    for i, value in enumerate(values):
        if not valid(value):
            raise ValueError(f"entry {i} {value!r} is not {what}")
    return values


class ContactData(BaseModel):
    """The brand's official contact data: may appear in public replies (not personal data, always grounded)."""

    model_config = ConfigDict(extra="forbid")
    urls: list[str] = Field(default_factory=list)  # e.g. https://shop.example/help
    emails: list[str] = Field(default_factory=list)
    phones: list[str] = Field(default_factory=list)
    addresses: list[str] = Field(default_factory=list)
    # the brand's own bank accounts for transfers ("überweise an DE…"): never a customer's IBAN
    ibans: list[str] = Field(default_factory=list)

    @field_validator("urls")
    @classmethod
    def _urls(cls, v: list[str]) -> list[str]:
        return _each(v, lambda url: _URL_RX.match(url), "an http(s) URL")

    @field_validator("emails")
    @classmethod
    def _emails(cls, v: list[str]) -> list[str]:
        return _each(v, lambda mail: _EMAIL_RX.match(mail), "an e-mail address")

    @field_validator("phones")
    @classmethod
    def _phones(cls, v: list[str]) -> list[str]:
        return _each(v, lambda phone: _PHONE_RX.match(phone.strip()), "a phone number (digits, spaces, + ( ) / -)")

    @field_validator("ibans")
    @classmethod
    def _ibans(cls, v: list[str]) -> list[str]:
        return _each(v, std_iban.is_valid, "a valid IBAN (country code, check digits, account)")

    def values(self) -> list[str]:
        """Every official value as it may appear in a reply (URLs also without the scheme)."""
        bare = [re.sub(r"^https?://", "", u) for u in self.urls]
        return [*self.urls, *bare, *self.emails, *self.phones, *self.addresses, *self.ibans]
