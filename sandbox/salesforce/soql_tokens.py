"""SOQL's lexical layer: the tokens, the error Salesforce answers a malformed query with (its errorCode and the
1-based column), and the value of a quoted string (backslash escapes; LIKE patterns keep escaped wildcards)."""

from __future__ import annotations

import re
from dataclasses import dataclass


class SoqlError(Exception):
    """A query Salesforce would reject: `code` is its errorCode, `column` the 1-based position."""

    def __init__(self, code: str, reason: str, column: int | None = None) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.column = column


@dataclass(frozen=True)
class Token:
    kind: str  # IDENT STRING NUMBER DATETIME DATE OP COMMA LPAREN RPAREN EOF
    text: str
    pos: int  # 0-based offset in the query

    @property
    def upper(self) -> str:
        return self.text.upper()


_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<DATETIME>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))
  | (?P<DATE>\d{4}-\d{2}-\d{2}(?![\dT:]))
  | (?P<NUMBER>[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?![\w-]))
  | (?P<STRING>'(?:[^'\\]|\\.)*')
  | (?P<IDENT>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<OP>!=|<>|<=|>=|=|<|>)
  | (?P<COMMA>,)
  | (?P<LPAREN>\()
  | (?P<RPAREN>\))
    """,
    re.VERBOSE,
)


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if not m:
            bad = text[pos:].split(None, 1)[0] if text[pos:].strip() else text[pos]
            if text[pos] == "'":
                raise SoqlError(
                    "MALFORMED_QUERY", f"line 1:{pos} no viable alternative at character '''", pos + 1
                )
            raise SoqlError("MALFORMED_QUERY", f"unexpected token: '{bad}'", pos + 1)
        kind = m.lastgroup or ""
        if kind != "ws":
            tokens.append(Token(kind, m.group(), pos))
        pos = m.end()
    tokens.append(Token("EOF", "", len(text)))
    return tokens


_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def decode_string(raw: str, like: bool = False, pos: int = 0) -> str:
    """The value of a quoted SOQL string. For LIKE, the result is a DuckDB pattern with escape `\\`:
    `\\%` and `\\_` stay escaped wildcards and a literal backslash is doubled."""
    out: list[str] = []
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        nxt = raw[i + 1] if i + 1 < len(raw) else ""
        if nxt in ("%", "_"):
            out.append("\\" + nxt if like else nxt)
        elif nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", raw[i + 2 : i + 6]):
            out.append(chr(int(raw[i + 2 : i + 6], 16)))
            i += 4
        elif nxt in _ESCAPES:
            value = _ESCAPES[nxt]
            out.append("\\\\" if like and value == "\\" else value)
        else:
            raise SoqlError(
                "MALFORMED_QUERY",
                f"Invalid string literal '{raw}'. Illegal character sequence '\\{nxt}' in string literal.",
                pos + 1,
            )
        i += 2
    return "".join(out)
