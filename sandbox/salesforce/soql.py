"""The SOQL parser (tokens in soql_tokens.py) for the subset that data sources send.

    SELECT f1, f2 | COUNT() | FIELDS(ALL|STANDARD|CUSTOM)  FROM Obj [alias]
    [WHERE cond] [WITH SECURITY_ENFORCED|USER_MODE|SYSTEM_MODE]
    [ORDER BY f [ASC|DESC] [NULLS FIRST|LAST], …] [LIMIT n] [OFFSET n] [FOR VIEW|REFERENCE]

`cond` is comparisons (=, !=, <>, <, <=, >, >=, LIKE, IN (…), NOT IN (…)) joined by AND / OR (SOQL does not
let the two mix without parentheses), with NOT and parentheses. Literals: 'strings' (backslash escapes),
numbers, true/false/null, unquoted ISO-8601 datetimes (`Z`, `±hh:mm`, `±hhmm`, fractional seconds) and
dates. Keywords and names are case-insensitive. Errors carry the 1-based column Salesforce reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .soql_tokens import SoqlError, Token, tokenize

# ---- AST ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldRef:
    path: str  # as written, e.g. "Name" or "Account.Name"
    pos: int


@dataclass(frozen=True)
class FieldsFn:
    kind: str  # ALL | STANDARD | CUSTOM
    pos: int


@dataclass(frozen=True)
class Literal:
    kind: str  # STRING NUMBER DATETIME DATE BOOLEAN NULL
    value: Any  # raw text for STRING (escapes kept), str for NUMBER/DATETIME/DATE, bool, None
    pos: int


@dataclass(frozen=True)
class Comparison:
    field: FieldRef
    op: str  # = != < <= > >= LIKE IN NOT IN
    values: tuple[Literal, ...]


@dataclass(frozen=True)
class Not:
    operand: Condition


@dataclass(frozen=True)
class BoolOp:
    op: str  # AND | OR
    operands: tuple[Condition, ...]


Condition = Comparison | Not | BoolOp


@dataclass(frozen=True)
class OrderItem:
    field: FieldRef
    descending: bool = False
    nulls_first: bool | None = None  # None: SOQL default (ASC -> first, DESC -> last)


@dataclass
class Query:
    select: list[FieldRef | FieldsFn] = field(default_factory=list)
    count_only: bool = False
    sobject: str = ""
    sobject_pos: int = 0
    alias: str | None = None
    where: Condition | None = None
    order_by: list[OrderItem] = field(default_factory=list)
    limit: int | None = None
    offset: int | None = None


# Words that end a clause or cannot be an alias.
RESERVED = {
    "SELECT",
    "FROM",
    "WHERE",
    "AND",
    "OR",
    "NOT",
    "LIKE",
    "IN",
    "ORDER",
    "BY",
    "ASC",
    "DESC",
    "NULLS",
    "FIRST",
    "LAST",
    "LIMIT",
    "OFFSET",
    "TRUE",
    "FALSE",
    "NULL",
    "GROUP",
    "HAVING",
    "WITH",
    "FOR",
    "USING",
    "INCLUDES",
    "EXCLUDES",
    "UPDATE",
    "VIEW",
    "REFERENCE",
    "TYPEOF",
}


class Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0

    # -- token cursor
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def advance(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def at_kw(self, *words: str) -> bool:
        return self.tok.kind == "IDENT" and self.tok.upper in words

    def unexpected(self, tok: Token | None = None) -> SoqlError:
        tok = tok or self.tok
        if tok.kind == "EOF":
            return SoqlError("MALFORMED_QUERY", "unexpected token: <EOF>", tok.pos + 1)
        return SoqlError("MALFORMED_QUERY", f"unexpected token: '{tok.text}'", tok.pos + 1)

    def expect_kw(self, word: str) -> Token:
        if not self.at_kw(word):
            raise self.unexpected()
        return self.advance()

    def expect(self, kind: str) -> Token:
        if self.tok.kind != kind:
            raise self.unexpected()
        return self.advance()

    # -- grammar
    def parse(self) -> Query:
        q = Query()
        self.expect_kw("SELECT")
        self.parse_select(q)
        self.expect_kw("FROM")
        obj = self.expect("IDENT")
        if "." in obj.text:
            raise self.unexpected(obj)
        q.sobject, q.sobject_pos = obj.text, obj.pos
        if self.tok.kind == "IDENT" and self.tok.upper not in RESERVED and "." not in self.tok.text:
            q.alias = self.advance().text
        if self.at_kw("WHERE"):
            self.advance()
            q.where = self.parse_condition()
        if self.at_kw("WITH"):  # WITH SECURITY_ENFORCED | USER_MODE | SYSTEM_MODE: accepted, no effect here
            self.advance()
            if not self.at_kw("SECURITY_ENFORCED", "USER_MODE", "SYSTEM_MODE"):
                raise self.unexpected()
            self.advance()
        if self.at_kw("ORDER"):
            if q.count_only:
                raise self.unexpected()
            self.advance()
            self.expect_kw("BY")
            q.order_by = self.parse_order_list()
        if self.at_kw("LIMIT"):
            self.advance()
            q.limit = self.parse_int()
        if self.at_kw("OFFSET"):
            self.advance()
            q.offset = self.parse_int()
        if self.at_kw("FOR"):  # FOR VIEW | FOR REFERENCE: accepted, no effect here
            self.advance()
            if not self.at_kw("VIEW", "REFERENCE"):
                raise self.unexpected()
            self.advance()
        if self.tok.kind != "EOF":
            raise self.unexpected()
        return q

    def parse_int(self) -> int:
        tok = self.expect("NUMBER")
        if not tok.text.isdigit():
            raise self.unexpected(tok)
        return int(tok.text)

    def parse_select(self, q: Query) -> None:
        if self.at_kw("COUNT") and self.tokens[self.i + 1].kind == "LPAREN":
            self.advance()
            self.advance()
            if self.tok.kind != "RPAREN":
                raise SoqlError(
                    "MALFORMED_QUERY",
                    "aggregate functions other than COUNT() (AggregateResult) "
                    "are not supported by this simulator",
                    self.tok.pos + 1,
                )
            self.advance()
            q.count_only = True
            return
        while True:
            tok = self.tok
            if tok.kind == "IDENT" and tok.upper == "FIELDS" and self.tokens[self.i + 1].kind == "LPAREN":
                self.advance()
                self.advance()
                kind = self.expect("IDENT")
                if kind.upper not in ("ALL", "STANDARD", "CUSTOM"):
                    raise self.unexpected(kind)
                self.expect("RPAREN")
                q.select.append(FieldsFn(kind.upper, tok.pos))
            elif tok.kind == "IDENT" and tok.upper not in ("FROM",):
                if self.tokens[self.i + 1].kind == "LPAREN":
                    raise SoqlError(
                        "MALFORMED_QUERY",
                        f"aggregate or function '{tok.text}(…)' is not supported by this simulator",
                        tok.pos + 1,
                    )
                q.select.append(FieldRef(self.advance().text, tok.pos))
            else:
                raise self.unexpected()
            if self.tok.kind != "COMMA":
                return
            self.advance()

    def parse_condition(self) -> Condition:
        operands = [self.parse_term()]
        op: str | None = None
        while self.at_kw("AND", "OR"):
            this = self.tok.upper
            if op and this != op:
                raise self.unexpected()  # SOQL needs parentheses to mix AND and OR
            op = this
            self.advance()
            operands.append(self.parse_term())
        return operands[0] if op is None else BoolOp(op, tuple(operands))

    def parse_term(self) -> Condition:
        if self.at_kw("NOT"):
            self.advance()
            return Not(self.parse_term())
        if self.tok.kind == "LPAREN":
            self.advance()
            cond = self.parse_condition()
            self.expect("RPAREN")
            return cond
        return self.parse_comparison()

    def parse_comparison(self) -> Comparison:
        tok = self.tok
        if tok.kind != "IDENT" or tok.upper in RESERVED:
            raise self.unexpected()
        ref = FieldRef(self.advance().text, tok.pos)
        if self.tok.kind == "OP":
            op = self.advance().text
            return Comparison(ref, "!=" if op == "<>" else op, (self.parse_literal(),))
        if self.at_kw("LIKE"):
            self.advance()
            return Comparison(ref, "LIKE", (self.parse_literal(),))
        negated = False
        if self.at_kw("NOT"):
            self.advance()
            negated = True
            if not self.at_kw("IN"):
                raise self.unexpected()
        if self.at_kw("IN"):
            self.advance()
            self.expect("LPAREN")
            if self.at_kw("SELECT"):
                raise SoqlError(
                    "MALFORMED_QUERY",
                    "semi-join subqueries are not supported by this simulator",
                    self.tok.pos + 1,
                )
            values = [self.parse_literal()]
            while self.tok.kind == "COMMA":
                self.advance()
                values.append(self.parse_literal())
            self.expect("RPAREN")
            return Comparison(ref, "NOT IN" if negated else "IN", tuple(values))
        raise self.unexpected()

    def parse_literal(self) -> Literal:
        tok = self.tok
        if tok.kind == "STRING":
            self.advance()
            return Literal("STRING", tok.text[1:-1], tok.pos)
        if tok.kind in ("NUMBER", "DATETIME", "DATE"):
            self.advance()
            return Literal(tok.kind, tok.text, tok.pos)
        if tok.kind == "IDENT" and tok.upper in ("TRUE", "FALSE"):
            self.advance()
            return Literal("BOOLEAN", tok.upper == "TRUE", tok.pos)
        if tok.kind == "IDENT" and tok.upper == "NULL":
            self.advance()
            return Literal("NULL", None, tok.pos)
        raise self.unexpected()

    def parse_order_list(self) -> list[OrderItem]:
        items = []
        while True:
            tok = self.expect("IDENT")
            if tok.upper in RESERVED:
                raise self.unexpected(tok)
            ref = FieldRef(tok.text, tok.pos)
            descending = False
            nulls_first: bool | None = None
            if self.at_kw("ASC", "DESC"):
                descending = self.advance().upper == "DESC"
            if self.at_kw("NULLS"):
                self.advance()
                if not self.at_kw("FIRST", "LAST"):
                    raise self.unexpected()
                nulls_first = self.advance().upper == "FIRST"
            items.append(OrderItem(ref, descending, nulls_first))
            if self.tok.kind != "COMMA":
                return items
            self.advance()


def parse(text: str) -> Query:
    if not text or not text.strip():
        raise SoqlError("MALFORMED_QUERY", "unexpected token: <EOF>", 1)
    return Parser(text).parse()
