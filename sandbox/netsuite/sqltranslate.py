"""SuiteQL (Oracle SQL dialect) → DuckDB SQL, for the Oracle-isms integrations use.

Translated: TO_CHAR(x[, fmt]), TO_DATE(s[, fmt]), TO_TIMESTAMP(s[, fmt]), TO_NUMBER(x), SYSDATE,
SYSTIMESTAMP, NVL, NVL2, DECODE, BUILTIN.DF(x) (→ x as text), BUILTIN.CONSOLIDATE(x, …) (→ x).
Everything else passes through to DuckDB unchanged (identifiers are case-insensitive in both).
"""

from __future__ import annotations

import re

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+|--[^\n]*|/\*.*?\*/)
  | (?P<str>'(?:[^']|'')*')
  | (?P<qid>"(?:[^"]|"")*")
  | (?P<ident>[A-Za-z_][A-Za-z0-9_$#]*(?:\.[A-Za-z_][A-Za-z0-9_$#]*)*)
  | (?P<num>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+)
  | (?P<op>\|\||<=|>=|<>|!=|::|.)
    """,
    re.VERBOSE | re.DOTALL,
)

# Oracle datetime format elements → strftime (longest first). FFn is handled separately.
_FMT_ELEMENTS = [
    ("YYYY", "%Y"),
    ("RRRR", "%Y"),
    ("MONTH", "%B"),
    ("HH24", "%H"),
    ("HH12", "%I"),
    ("A.M.", "%p"),
    ("P.M.", "%p"),
    ("YY", "%y"),
    ("RR", "%y"),
    ("MON", "%b"),
    ("MM", "%m"),
    ("DDD", "%j"),
    ("DAY", "%A"),
    ("DD", "%d"),
    ("DY", "%a"),
    ("HH", "%I"),
    ("MI", "%M"),
    ("SS", "%S"),
    ("AM", "%p"),
    ("PM", "%p"),
    ("IW", "%V"),
    ("WW", "%U"),
    ("D", "%u"),
]


class TranslationError(ValueError):
    """The query uses an Oracle construct in a form the sandbox cannot translate."""


def tokenize(sql: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(sql):
        match = _TOKEN.match(sql, pos)
        if match is None:  # pragma: no cover - the op group matches any character
            raise TranslationError(f"cannot read the query at position {pos}")
        kind = match.lastgroup or "op"
        if kind == "str" and not match.group().endswith("'"):
            raise TranslationError("unterminated string literal")
        tokens.append((kind, match.group()))
        pos = match.end()
    return tokens


def oracle_format(fmt: str) -> list[str | int]:
    """An Oracle datetime format as strftime pieces; an int n stands for FFn (n fractional digits)."""
    pieces: list[str | int] = []
    text = ""
    i = 0
    upper = fmt.upper()
    while i < len(fmt):
        if fmt[i] == '"':  # quoted literal text
            end = fmt.find('"', i + 1)
            end = len(fmt) if end < 0 else end
            text += fmt[i + 1 : end].replace("%", "%%")
            i = end + 1
            continue
        if upper.startswith("FF", i):
            digits = fmt[i + 2] if i + 2 < len(fmt) and fmt[i + 2].isdigit() else ""
            if text:
                pieces.append(text)
                text = ""
            pieces.append(int(digits) if digits else 6)
            i += 2 + len(digits)
            continue
        for element, code in _FMT_ELEMENTS:
            if upper.startswith(element, i):
                text += code
                i += len(element)
                break
        else:
            text += "%%" if fmt[i] == "%" else fmt[i]
            i += 1
    if text:
        pieces.append(text)
    return pieces


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _unquote(token: str) -> str | None:
    token = token.strip()
    if len(token) >= 2 and token[0] == token[-1] == "'":
        return token[1:-1].replace("''", "'")
    return None


def _to_char(args: list[str]) -> str:
    if len(args) == 1:
        return f"CAST(({args[0]}) AS VARCHAR)"
    fmt = _unquote(args[1])
    if fmt is None:
        raise TranslationError("TO_CHAR needs a literal format")
    parts = []
    for piece in oracle_format(fmt):
        if isinstance(piece, int):
            parts.append(f"substr(strftime(({args[0]}), '%f'), 1, {min(piece, 6)})")
        else:
            parts.append(f"strftime(({args[0]}), {_literal(piece)})")
    return "(" + " || ".join(parts or ["''"]) + ")"


def _parse_format(fmt: str) -> str:
    return "".join("%f" if isinstance(p, int) else p for p in oracle_format(fmt))


class Translator:
    """Rewrites one query. `date_format` is the account's date format as strptime (for TO_DATE(s))."""

    def __init__(self, default_date_format: str) -> None:
        self.default_date_format = default_date_format

    def translate(self, sql: str) -> str:
        return self._rewrite(tokenize(sql))

    def _rewrite(self, tokens: list[tuple[str, str]]) -> str:
        out: list[str] = []
        i = 0
        while i < len(tokens):
            kind, text = tokens[i]
            if kind == "ident":
                name = text.upper()
                j = i + 1
                while j < len(tokens) and tokens[j][0] == "ws":
                    j += 1
                has_call = j < len(tokens) and tokens[j][1] == "("
                if name in ("SYSDATE", "SYSTIMESTAMP") and not has_call:
                    out.append("timezone('UTC', now())")
                    i += 1
                    continue
                if has_call and name in _FUNCTIONS:
                    args, end = self._call_args(tokens, j)
                    out.append(_FUNCTIONS[name](self, args))
                    i = end + 1
                    continue
            out.append(text)
            i += 1
        return "".join(out)

    def _call_args(self, tokens: list[tuple[str, str]], open_index: int) -> tuple[list[str], int]:
        """Split the arguments of the call whose "(" is at open_index; return them translated and ")"'s index."""
        depth = 0
        current: list[tuple[str, str]] = []
        args: list[list[tuple[str, str]]] = []
        for k in range(open_index, len(tokens)):
            text = tokens[k][1] if tokens[k][0] == "op" else None
            if text == "(":
                depth += 1
                if depth == 1:
                    continue
            elif text == ")":
                depth -= 1
                if depth == 0:
                    args.append(current)
                    translated = [self._rewrite(a).strip() for a in args]
                    return ([] if translated == [""] else translated), k
            elif text == "," and depth == 1:
                args.append(current)
                current = []
                continue
            current.append(tokens[k])
        raise TranslationError("unbalanced parentheses")

    # --- function rewrites -------------------------------------------------------------------------
    def _to_date(self, args: list[str]) -> str:
        if not 1 <= len(args) <= 2:
            raise TranslationError("TO_DATE takes a value and an optional format")
        if len(args) == 1:
            return f"strptime(({args[0]}), {_literal(self.default_date_format)})"
        fmt = _unquote(args[1])
        if fmt is None:
            raise TranslationError("TO_DATE needs a literal format")
        return f"strptime(({args[0]}), {_literal(_parse_format(fmt))})"


def _arity(name: str, args: list[str], low: int, high: int) -> None:
    if not low <= len(args) <= high:
        raise TranslationError(f"{name} takes {low}..{high} arguments, got {len(args)}")


def _nvl(_: Translator, args: list[str]) -> str:
    _arity("NVL", args, 2, 2)
    return f"coalesce({args[0]}, {args[1]})"


def _nvl2(_: Translator, args: list[str]) -> str:
    _arity("NVL2", args, 3, 3)
    return f"(CASE WHEN ({args[0]}) IS NOT NULL THEN ({args[1]}) ELSE ({args[2]}) END)"


def _decode(_: Translator, args: list[str]) -> str:
    if len(args) < 3:
        raise TranslationError("DECODE takes an expression and at least one search/result pair")
    expr, rest = args[0], args[1:]
    whens = [
        f"WHEN ({expr}) IS NOT DISTINCT FROM ({rest[k]}) THEN ({rest[k + 1]})"
        for k in range(0, len(rest) - 1, 2)
    ]
    default = f" ELSE ({rest[-1]})" if len(rest) % 2 else ""
    return f"(CASE {' '.join(whens)}{default} END)"


def _df(_: Translator, args: list[str]) -> str:
    _arity("BUILTIN.DF", args, 1, 1)
    return f"CAST(({args[0]}) AS VARCHAR)"


def _consolidate(_: Translator, args: list[str]) -> str:
    _arity("BUILTIN.CONSOLIDATE", args, 1, 4)
    return f"({args[0]})"


def _to_number(_: Translator, args: list[str]) -> str:
    _arity("TO_NUMBER", args, 1, 2)
    return f"CAST(({args[0]}) AS DECIMAL(38, 9))"


_FUNCTIONS = {
    "TO_CHAR": lambda t, a: (_arity("TO_CHAR", a, 1, 3), _to_char(a))[1],
    "TO_DATE": Translator._to_date,
    "TO_TIMESTAMP": Translator._to_date,
    "TO_NUMBER": _to_number,
    "NVL": _nvl,
    "NVL2": _nvl2,
    "DECODE": _decode,
    "BUILTIN.DF": _df,
    "BUILTIN.CONSOLIDATE": _consolidate,
}


def account_format(date_format: str) -> str:
    """The account's date-format preference (e.g. "M/D/YYYY") as a strftime/strptime pattern."""
    out = ""
    for token in re.findall(r"YYYY|YY|MM|M|DD|D|[^YMD]+", date_format.upper()):
        out += {"YYYY": "%Y", "YY": "%y", "MM": "%m", "M": "%-m", "DD": "%d", "D": "%-d"}.get(token, token)
    return out


def strptime_format(date_format: str) -> str:
    """As `account_format`, for parsing (strptime has no "-" flag: %m/%d accept one or two digits)."""
    return account_format(date_format).replace("%-m", "%m").replace("%-d", "%d")
