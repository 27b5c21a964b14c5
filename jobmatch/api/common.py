"""Pieces every resource's schemas share: paging, coded values, masking."""

from __future__ import annotations

from enum import StrEnum

from apiflask import Schema, fields
from apiflask.fields import Boolean, List, Nested, String
from apiflask.validators import Length, OneOf, Range
from marshmallow import fields as mm

MAX_PER_PAGE = 100
# What the database's `integer` columns hold (PostgreSQL is 32-bit; SQLite refuses beyond 64-bit).
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


class Integer(fields.Integer):
    """An integer the database can hold: a bigger one is a field error (422), never a server error."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(Range(min=INT32_MIN, max=INT32_MAX))


def coded(enum: type[StrEnum], **kwargs) -> mm.String:
    """A coded value from the glossary, validated against its members."""
    return mm.String(validate=OneOf([m.value for m in enum]), **kwargs)


class PageQuery(Schema):
    page = Integer(load_default=1, validate=Range(min=1))
    cursor = String(
        validate=Length(max=1024),
        metadata={
            "description": "翻页标记：上一页的 `pagination.next_cursor`，给出时忽略 page，不计总数 / "
            "the previous page's `pagination.next_cursor`: the page after it (page is then ignored and no total "
            "is counted). Rows added meanwhile never show twice nor push others off a page; use it to go "
            "through a long list."
        },
    )
    per_page = Integer(load_default=20, validate=Range(min=1, max=MAX_PER_PAGE))
    q = String(validate=Length(max=64), metadata={"description": "free text / 关键词"})
    region = String(
        validate=Length(equal=12),
        metadata={"description": "12-digit division code at any level / 区划代码（县、乡镇或村）"},
    )


class PaginationOut(Schema):
    page = Integer(allow_none=True, metadata={"description": "页码（按翻页标记取页时为空）/ null for a cursor's page"})
    per_page = Integer()
    pages = Integer(allow_none=True)
    total = Integer(
        allow_none=True,
        metadata={
            "description": "总数：一万条以内为精确数，超过时为估计数；按翻页标记取页时为空 / exact up to 10,000, "
            "an estimate past it (`total_is_estimate`); null for a cursor's page"
        },
    )
    total_is_estimate = Boolean()
    next_cursor = String(
        allow_none=True,
        metadata={"description": "下一页的翻页标记，最后一页为空 / the next page's `cursor`; null on the last page"},
    )


def page_schema(item: type[Schema], name: str) -> type[Schema]:
    """The list response of a resource: items and pagination.

    The items get a schema class of their own (`<Item>Item`): the OpenAPI generator
    registers nested schemas apart from response schemas, and one class used both
    ways would be registered twice.
    """
    item_schema = type(f"{item.__name__}Item", (item,), {})
    return Schema.from_dict({"items": List(Nested(item_schema)), "pagination": Nested(PaginationOut)}, name=name)


def mask_id_number(number: str | None) -> str | None:
    """362***********002X: the first 3 and last 4 characters, enough to tell two people apart."""
    if not number:
        return number
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return phone
    return phone[:3] + "****" + phone[7:]


class PersonalField(mm.Field):
    """Always masked in responses; the full value only through an audited reveal."""

    def __init__(self, masker, **kwargs):
        super().__init__(dump_only=True, **kwargs)
        self.masker = masker

    def _serialize(self, value, attr, obj, **kwargs):
        return self.masker(value)
