"""Currencies, countries, roles, calendars and id formats of the synthetic firm."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import numpy as np


@dataclass(frozen=True)
class Currency:
    code: str
    minor: int  # decimals of the minor unit (ISO 4217)
    symbol: str
    per_usd: Decimal  # rough units per USD, to price rate cards locally
    ns_id: int  # NetSuite currency internal id

    @property
    def base_unit(self) -> int:
        return 10**self.minor


CURRENCIES = {
    c.code: c
    for c in (
        Currency("USD", 2, "$", Decimal(1), 1),
        Currency("EUR", 2, "€", Decimal("0.92"), 2),
        Currency("GBP", 2, "£", Decimal("0.79"), 3),
        Currency("JPY", 0, "¥", Decimal(150), 4),
        Currency("KWD", 3, "KD", Decimal("0.307"), 5),
    )
}
REPORTING_CURRENCY = "USD"


@dataclass(frozen=True)
class Country:
    code: str
    currency: str
    region: str
    tax_code: str
    tax_rate: Decimal


COUNTRIES = [
    Country("US", "USD", "NA", "US-EXEMPT", Decimal(0)),
    Country("DE", "EUR", "EMEA", "DE-VAT19", Decimal("0.19")),
    Country("FR", "EUR", "EMEA", "FR-VAT20", Decimal("0.20")),
    Country("NL", "EUR", "EMEA", "NL-VAT21", Decimal("0.21")),
    Country("GB", "GBP", "EMEA", "GB-VAT20", Decimal("0.20")),
    Country("JP", "JPY", "APAC", "JP-CT10", Decimal("0.10")),
    Country("KW", "KWD", "MEA", "KW-ZERO", Decimal(0)),
]
COUNTRY_WEIGHTS = [0.38, 0.14, 0.08, 0.06, 0.14, 0.12, 0.08]

# role slug (snake_case of the PSA role name; the SOW property is rate_<slug>) -> (PSA role name, list rate USD/h, cost rate USD/h)
ROLES = {
    "analyst": ("Analyst", 120, 55),
    "consultant": ("Consultant", 165, 70),
    "senior_consultant": ("Senior Consultant", 210, 90),
    "engagement_manager": ("Engagement Manager", 265, 115),
    "principal": ("Principal", 330, 150),
    "data_scientist": ("Data Scientist", 240, 105),  # never on a rate card by default: the unpriced role
}
PRICED_ROLES = [r for r in ROLES if r != "data_scientist"]


def local_minor(usd: int | Decimal, currency: Currency, step: int | None = None) -> int:
    """A price in USD expressed in the currency's minor units, rounded to a 'nice' step of minor units."""
    value = Decimal(usd) * currency.per_usd * currency.base_unit
    step = step or {0: 100, 2: 500, 3: 125}[currency.minor]
    return int((value / step).to_integral_value()) * step


def round_half_up_div(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half away from zero, in exact integer arithmetic."""
    q, r = divmod(abs(numerator), denominator)
    if 2 * r >= denominator:
        q += 1
    return q if numerator >= 0 else -q


def round_half_up_div_np(numerator: np.ndarray, denominator: int) -> np.ndarray:
    mag = (np.abs(numerator) * 2 + denominator) // (2 * denominator)
    return np.sign(numerator) * mag


def minor_to_decimal(minor: int, currency: Currency) -> Decimal:
    return Decimal(int(minor)).scaleb(-currency.minor).quantize(Decimal(1).scaleb(-currency.minor))


def money_str(minor: int, currency: Currency) -> str:
    return str(minor_to_decimal(minor, currency))


# customers' industries and names
INDUSTRIES = [
    "Banking",
    "Insurance",
    "Healthcare",
    "Retail",
    "Manufacturing",
    "Energy",
    "Technology",
    "Public Sector",
]
NAME_A = [
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Tyrell",
    "Cyberdyne",
    "Hooli",
    "Vandelay",
    "Soylent",
    "Wonka",
    "Gringotts",
    "Oscorp",
    "Aperture",
    "Massive",
    "Nakatomi",
    "Zorg",
    "Monarch",
    "Dunder",
]
NAME_B = [
    "Holdings",
    "Industries",
    "Group",
    "Partners",
    "Systems",
    "Logistics",
    "Bank",
    "Retail",
    "Energy",
    "Labs",
]


# ---- calendar -------------------------------------------------------------------------------------------

AS_OF = dt.date(2026, 10, 15)  # the date the planted breaks assume (a Thursday)


def month_start(d: dt.date) -> dt.date:
    return d.replace(day=1)


def add_months(d: dt.date, n: int) -> dt.date:
    y, m = divmod(d.month - 1 + n, 12)
    return dt.date(d.year + y, m + 1, 1)


def months_between(start: dt.date, end: dt.date) -> list[dt.date]:
    """First days of every month from start's month to end's month, inclusive."""
    out, cur = [], month_start(start)
    while cur <= end:
        out.append(cur)
        cur = add_months(cur, 1)
    return out


def month_end(d: dt.date) -> dt.date:
    return add_months(d, 1) - dt.timedelta(days=1)


def add_business_days(d: dt.date, n: int) -> dt.date:
    out = d
    while n > 0:
        out += dt.timedelta(days=1)
        if out.weekday() < 5:
            n -= 1
    return out


def business_days_between(a: dt.date, b: dt.date) -> int:
    """Business days after a up to and including b."""
    return int(np.busday_count(a + dt.timedelta(days=1), b + dt.timedelta(days=1)))


def to_ts(d: dt.date, hour: int = 9, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(d.year, d.month, d.day, hour, minute, second, tzinfo=dt.UTC)


# ---- ids ------------------------------------------------------------------------------------------------

_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def salesforce_id(prefix: str, n: int) -> str:
    """An 18-character Salesforce id: 3-char key prefix, pod/reserved chars, a base-62 counter and the
    case-safe checksum suffix Salesforce appends to 15-character ids."""
    body = ""
    for _ in range(8):
        n, r = divmod(n, 62)
        body = _B62[r] + body
    id15 = f"{prefix}Dn000{body[-7:]}"[:15].ljust(15, "0")
    suffix = ""
    for i in range(3):
        chunk = id15[i * 5 : i * 5 + 5]
        bits = sum(1 << j for j, ch in enumerate(chunk) if ch.isupper())
        suffix += _SUFFIX[bits]
    return id15 + suffix
