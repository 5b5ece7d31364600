"""The currency money is shown in: the orders' own currency, not an assumed pound.

A warehouse holds one retailer's exports, so its money is in one currency: the `currency` of its
order lines (a demo file says GBP, Olist's profile BRL). Nothing is converted; `use()` picks the
symbol every money figure is shown with (metrics.toml formats write the generic currency sign ¤,
which `fmt()` replaces). An order line without a currency is taken as GBP at staging
(stg_orders__order_lines); when the orders carry several, money is shown without a symbol and the
freshness line says which currencies were found.

The symbol is process-wide: the dashboard serves one warehouse, and sets it on every run from that
warehouse (app.py); `cx metrics` sets it from the warehouse it reads.
"""

from __future__ import annotations

SIGN = "¤"  # the generic currency sign, in formats and labels, replaced by the symbol in use
DEFAULT = "GBP"
SYMBOLS = {
    "GBP": "£",
    "EUR": "€",
    "USD": "$",
    "BRL": "R$",
    "JPY": "¥",
    "CNY": "¥",
    "INR": "₹",
    "CHF": "CHF ",
    "CAD": "C$",
    "AUD": "A$",
    "SEK": "kr ",
    "NOK": "kr ",
    "DKK": "kr ",
    "PLN": "zł ",
    "MXN": "MX$",
}

_symbol = SYMBOLS[DEFAULT]


def symbol_for(code: str | None) -> str:
    """The symbol of an ISO 4217 code ("BRL" -> "R$"); the code and a space when unknown; nothing
    when there is no single currency."""
    if not code:
        return ""
    code = code.strip().upper()
    return SYMBOLS.get(code, f"{code} ")


def use(code: str | None) -> str:
    """Show money in `code` from now on; returns the symbol."""
    global _symbol
    _symbol = symbol_for(code)
    return _symbol


def symbol() -> str:
    return _symbol


def text(template: str) -> str:
    """`template` with the generic currency sign replaced by the symbol in use."""
    return template.replace(SIGN, _symbol)
