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
from jobmatch.vocab import (
    EmployerKind,
    EmploymentStatus,
    HouseholdCategory,
    LaborCapacity,
    OpeningKind,
    OpeningStatus,
    PhysicalIntensity,
    RiskLevel,
    WageUnit,
    Willingness,
    WorkingPattern,
)


@dataclass(frozen=True)
class Column:
    """One column: the service field it feeds, how its cells are read, its headers (first is canonical)."""

    field: str
    kind: str  # text | id | code | phone | enum | date | bool | float | int | money | skills | village | region
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

# Openings are keyed by their post code. The employer is found by its credit code (or, without one, by a
# name unique in your scope) and the workshop by its name; the names are read only to find them.
OPENING_COLUMNS: tuple[Column, ...] = (
    Column("code", "code", ("岗位编号", "岗位代码", "岗位编码")),
    Column("title", "text", ("岗位名称", "职位名称", "工种")),
    Column("kind", "enum", ("岗位类型", "岗位类别", "岗位性质"), OpeningKind),
    Column(
        "employer_credit_code",
        "code",
        ("用工单位统一社会信用代码", "统一社会信用代码", "用工单位信用代码", "信用代码", "社会信用代码"),
    ),
    Column("employer_name", "text", ("用工单位", "用工主体", "用工单位名称", "单位名称", "企业名称")),
    Column("workshop_name", "text", ("帮扶车间", "车间名称", "就业帮扶车间", "所属车间")),
    Column("region_code", "region", ("所在地", "工作地点区划", "区划代码")),
    Column("county_code", "region", ("所属县", "所属县区", "发布县")),
    Column("site_name", "text", ("工作地点", "工作地址", "地点名称")),
    Column("latitude", "float", ("纬度",)),
    Column("longitude", "float", ("经度",)),
    Column("required_skills", "skills", ("技能要求", "岗位技能", "所需技能")),
    Column("age_min", "int", ("年龄下限", "最低年龄")),
    Column("age_max", "int", ("年龄上限", "最高年龄")),
    Column("headcount", "int", ("招聘人数", "用工人数", "需求人数")),
    # Read for new openings only: hires and leavers keep it for those already posted.
    Column("remaining_headcount", "int", ("剩余名额", "空缺名额")),
    Column("wage_min", "money", ("工资下限", "最低工资", "薪资下限")),
    Column("wage_max", "money", ("工资上限", "最高工资", "薪资上限")),
    Column("wage_unit", "enum", ("工资单位", "计薪单位", "薪资单位", "计薪方式"), WageUnit),
    Column("working_pattern", "enum", ("工作方式", "用工形式", "工作时间"), WorkingPattern),
    Column("physical_intensity", "enum", ("劳动强度", "体力要求"), PhysicalIntensity),
    Column("shuttle", "bool", ("接送", "提供接送", "班车接送")),
    Column("organised_transfer", "bool", ("有组织输出", "组织输出", "有组织劳务输出")),
    Column("accommodation", "bool", ("提供住宿", "包住宿", "住宿")),
    Column("deadline", "date", ("截止日期", "招聘截止日期", "报名截止日期")),
    Column("status", "enum", ("岗位状态", "招聘状态", "状态"), OpeningStatus),
    Column("description", "text", ("岗位描述", "岗位说明", "岗位职责")),
)

COLUMNS: dict[str, tuple[Column, ...]] = {
    "laborers": LABORER_COLUMNS,
    "households": HOUSEHOLD_COLUMNS,
    "employers": EMPLOYER_COLUMNS,
    "openings": OPENING_COLUMNS,
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
    OpeningKind: {
        OpeningKind.enterprise: ("企业岗位", "企业", "企业用工"),
        OpeningKind.public_welfare: ("公益性岗位", "公益岗", "公益岗位", "乡村公益性岗位"),
        OpeningKind.workshop: ("帮扶车间岗位", "车间岗位", "帮扶车间", "就业帮扶车间"),
    },
    WageUnit: {
        WageUnit.month: ("月", "元/月", "按月", "月薪", "每月"),
        WageUnit.day: ("日", "元/日", "天", "元/天", "按日", "按天", "日薪"),
        WageUnit.piece: ("件", "元/件", "计件", "按件"),
    },
    WorkingPattern: {
        WorkingPattern.full_time: ("全日制", "全职", "全天"),
        WorkingPattern.flexible_hours: ("弹性工时", "弹性", "灵活工时"),
        WorkingPattern.home_piecework: ("居家计件", "居家", "居家就业"),
    },
    PhysicalIntensity: {
        PhysicalIntensity.light: ("轻", "轻体力", "轻度", "低"),
        PhysicalIntensity.medium: ("中", "中等", "中度"),
        PhysicalIntensity.heavy: ("重", "重体力", "重度", "高"),
    },
    OpeningStatus: {
        OpeningStatus.open: ("招聘中", "开放", "在招", "正在招聘"),
        OpeningStatus.closed: ("已关闭", "关闭", "已结束", "停招", "已停招"),
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
