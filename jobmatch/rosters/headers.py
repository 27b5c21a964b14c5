"""The columns of the rosters counties keep: Chinese headers, their aliases, and the words in their cells.

A header is matched after NFKC folding and Traditional→Simplified conversion, with
spaces, asterisks and bracketed notes removed, so 證件號碼, 证件号码（必填） and
＊证件号码 are one column. Exports write the first header of each column and the
first label of each coded value, which the import reads back unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from jobmatch import text
from jobmatch.vocab import EmployerKind, EmploymentStatus, HouseholdCategory, LaborCapacity, RiskLevel, Willingness


@dataclass(frozen=True)
class Column:
    """One column: the service field it feeds, how its cells are read, its headers (first is canonical)."""

    field: str
    kind: str  # text | id | code | phone | enum | date | bool | float | skills | village | region
    headers: tuple[str, ...]
    enum: type[StrEnum] | None = None


LABORER_COLUMNS: tuple[Column, ...] = (
    Column("name", "text", ("姓名", "劳动力姓名", "成员姓名", "名字")),
    Column("id_number", "id", ("证件号码", "身份证号", "身份证号码", "公民身份号码", "证件号", "身份证")),
    Column("household_code", "code", ("户编号", "户码", "农户编号", "家庭编号", "户号")),
    Column("relation_to_head", "text", ("与户主关系", "与户主的关系", "家庭关系")),
    Column("village", "village", ("行政村", "所在村", "村名", "村")),
    Column("skills", "skills", ("劳动技能", "技能", "专业技能", "技能特长")),
    Column("employment_status", "enum", ("务工状态", "就业状态", "务工情况"), EmploymentStatus),
    Column("willingness", "enum", ("就业意愿", "务工意愿", "外出意愿"), Willingness),
    Column("phone", "phone", ("联系电话", "手机号", "手机号码", "电话", "联系方式")),
    Column("labor_capacity", "enum", ("劳动能力", "劳动力类型", "劳动力状况"), LaborCapacity),
    Column("needs_flexible_hours", "bool", ("需要弹性工时", "弹性工时")),
    Column("home_based_only", "bool", ("仅能居家就业", "居家就业")),
    Column("registered_on", "date", ("登记日期", "登记时间")),
    Column("latitude", "float", ("纬度",)),
    Column("longitude", "float", ("经度",)),
)

HOUSEHOLD_COLUMNS: tuple[Column, ...] = (
    Column("code", "code", ("户编号", "户码", "农户编号", "家庭编号", "户号")),
    Column("village_code", "village", ("行政村", "所在村", "村名", "村", "行政村代码", "村代码")),
    Column("category", "enum", ("户类别", "户类型", "农户类别", "户属性"), HouseholdCategory),
    Column("risk_level", "enum", ("风险等级", "返贫风险"), RiskLevel),
    Column("head_name", "text", ("户主姓名", "户主")),
)

EMPLOYER_COLUMNS: tuple[Column, ...] = (
    Column("name", "text", ("单位名称", "用工主体", "企业名称", "用工单位", "名称")),
    Column("credit_code", "code", ("统一社会信用代码", "信用代码", "社会信用代码")),
    Column("kind", "enum", ("单位类型", "主体类型", "企业类型"), EmployerKind),
    Column("region_code", "region", ("所在地", "所在村", "所在乡镇", "区划代码")),
    Column("county_code", "region", ("所属县", "所属县区")),
    Column("address", "text", ("地址", "详细地址")),
    Column("contact_name", "text", ("联系人",)),
    Column("contact_phone", "phone", ("联系电话", "联系人电话", "电话")),
)

COLUMNS: dict[str, tuple[Column, ...]] = {
    "laborers": LABORER_COLUMNS,
    "households": HOUSEHOLD_COLUMNS,
    "employers": EMPLOYER_COLUMNS,
}

# Coded values as rosters write them; the first label is the one exports write.
LABELS: dict[type[StrEnum], dict[StrEnum, tuple[str, ...]]] = {
    LaborCapacity: {
        LaborCapacity.normal: ("普通劳动力", "普通", "正常"),
        LaborCapacity.skilled: ("技能劳动力", "技能"),
        LaborCapacity.weak: ("弱劳动力或半劳动力", "弱劳动力", "半劳动力", "弱"),
        LaborCapacity.none: ("无劳动力", "丧失劳动力", "无"),
    },
    Willingness: {
        Willingness.none: ("无就业意愿", "无意愿", "无"),
        Willingness.village: ("村内就业", "本村", "村内", "就近"),
        Willingness.county: ("县内就业", "县内", "本县"),
        Willingness.province: ("省内就业", "省内", "本省"),
        Willingness.anywhere: ("不限地域", "不限", "省外", "外出", "均可"),
    },
    EmploymentStatus: {
        EmploymentStatus.unemployed: ("未就业", "待业", "无业"),
        EmploymentStatus.workshop: ("帮扶车间", "就业帮扶车间", "车间"),
        EmploymentStatus.public_welfare: ("公益性岗位", "公益岗"),
        EmploymentStatus.local_enterprise: ("本地企业", "县内企业"),
        EmploymentStatus.migrant: ("外出务工", "外出"),
        EmploymentStatus.self_employed: ("自主就业", "自主创业", "灵活就业"),
    },
    HouseholdCategory: {
        HouseholdCategory.out_of_poverty: ("脱贫户", "一般脱贫户"),
        HouseholdCategory.unstable: ("脱贫不稳定户",),
        HouseholdCategory.marginal: ("边缘易致贫户", "边缘户"),
        HouseholdCategory.sudden_hardship: ("突发严重困难户", "突发困难户"),
        HouseholdCategory.other: ("其他", "一般户"),
    },
    EmployerKind: {
        EmployerKind.enterprise: ("企业", "公司"),
        EmployerKind.cooperative: ("合作社", "专业合作社"),
        EmployerKind.village_collective: ("村集体", "村集体经济组织"),
        EmployerKind.workshop_operator: ("车间经营主体", "帮扶车间经营主体"),
    },
    RiskLevel: {
        RiskLevel.high: ("高风险", "高"),
        RiskLevel.medium: ("中风险", "中"),
        RiskLevel.low: ("低风险", "低"),
    },
}

BOOL_WORDS = {"是": True, "否": False, "yes": True, "no": False, "y": True, "n": False, "1": True, "0": False}
BOOL_LABELS = {True: "是", False: "否"}

_NOTES = re.compile(r"[\(（\[【].*?[\)）\]】]|[\s*＊:：]")


def header_key(value: object) -> str:
    """A header cell as compared: Simplified, folded, without spaces, asterisks or bracketed notes."""
    if value is None:
        return ""
    return _NOTES.sub("", text.normalize(str(value)))


def header_index(columns: tuple[Column, ...]) -> dict[str, Column]:
    return {header_key(h): column for column in columns for h in column.headers}


def enum_lookup(enum: type[StrEnum]) -> dict[str, StrEnum]:
    """Every label and code of an enum, folded as cells are, to its member."""
    table: dict[str, StrEnum] = {}
    for member in enum:
        table[member.value.lower()] = member
        for label in LABELS.get(enum, {}).get(member, ()):
            table[header_key(label)] = member
    return table


def label(value: StrEnum | None) -> str:
    """The label an export writes for a coded value."""
    if value is None:
        return ""
    labels = LABELS.get(type(value), {}).get(value)
    return labels[0] if labels else str(value.value)


def canonical_header(column: Column) -> str:
    return column.headers[0]
