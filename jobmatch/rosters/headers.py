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
    LABELS_ZH,
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
    """One column: the service field it feeds, how its cells are read, its headers (first is canonical).

    `en` is the column's English name (errors name the column, in both languages, never the API field);
    `note` and `note_en` say what it holds, for the template's notes sheet; `required` marks what a new
    record must have (an update may leave any column but the key blank: blank cells are kept as they are).
    """

    field: str
    kind: str  # text | id | code | phone | enum | date | bool | float | int | money | skills | village | region
    headers: tuple[str, ...]
    enum: type[StrEnum] | None = None
    en: str = ""
    note: str = ""
    note_en: str = ""
    required: bool = False
    example: object = ""


LABORER_COLUMNS: tuple[Column, ...] = (
    Column(
        "name",
        "text",
        ("姓名", "劳动力姓名", "成员姓名", "名字"),
        en="Name",
        note="劳动力本人姓名",
        note_en="the laborer's own name",
        required=True,
        example="张秀英",
    ),
    Column(
        "id_number",
        "id",
        ("证件号码", "身份证号", "身份证号码", "公民身份号码", "证件号", "身份证"),
        en="ID number",
        note="18 位居民身份证号；出生日期和性别由此得出；据此识别是否已登记",
        note_en="the 18-character resident ID number; birth date and sex come from it; it finds the person again",
        required=True,
    ),
    Column(
        "household_code",
        "code",
        ("户编号", "户码", "农户编号", "家庭编号", "户号"),
        en="Household code",
        note="所在户的户编号（须先导入农户名册）",
        note_en="the household's code (import the households first)",
        required=True,
    ),
    Column(
        "relation_to_head",
        "text",
        ("与户主关系", "与户主的关系", "家庭关系"),
        en="Relation to head",
        note="如 户主、配偶、子女",
        note_en="e.g. head, spouse, child, in Chinese as the register writes it",
        example="户主",
    ),
    Column(
        "village",
        "village",
        ("行政村", "所在村", "村名", "村"),
        en="Village",
        note="仅供核对，以户编号所在村为准",
        note_en="read for checking only: the household decides the village",
    ),
    Column(
        "skills",
        "skills",
        ("劳动技能", "技能", "专业技能", "技能特长"),
        en="Skills",
        note="多项用顿号、逗号或空格分开",
        note_en="several skills separated by commas or spaces",
        example="缝纫、养猪",
    ),
    Column(
        "employment_status",
        "enum",
        ("务工状态", "就业状态", "务工情况"),
        EmploymentStatus,
        en="Employment status",
        note="目前的务工情况",
        note_en="the laborer's current work",
    ),
    Column(
        "willingness",
        "enum",
        ("就业意愿", "务工意愿", "外出意愿"),
        Willingness,
        en="Willingness",
        note="愿意在多远的地方就业",
        note_en="how far the laborer is willing to work",
        required=True,
    ),
    Column(
        "phone",
        "phone",
        ("联系电话", "手机号", "手机号码", "电话", "联系方式"),
        en="Phone",
        note="11 位手机号或带区号的固定电话",
        note_en="an 11-digit mobile or a landline with its area code",
    ),
    Column(
        "labor_capacity",
        "enum",
        ("劳动能力", "劳动力类型", "劳动力状况"),
        LaborCapacity,
        en="Labor capacity",
        note="劳动能力类别",
        note_en="the laborer's capacity for work",
        required=True,
    ),
    Column(
        "needs_flexible_hours",
        "bool",
        ("需要弹性工时", "弹性工时"),
        en="Needs flexible hours",
        note="是否只能弹性工时（如需照顾家人）",
        note_en="whether only flexible hours suit (e.g. family care)",
    ),
    Column(
        "home_based_only",
        "bool",
        ("仅能居家就业", "居家就业"),
        en="Home-based only",
        note="是否只能在家中就业",
        note_en="whether only work at home suits",
    ),
    Column(
        "registered_on",
        "date",
        ("登记日期", "登记时间"),
        en="Registered on",
        note="登记日期，不能在未来；不填为导入当天",
        note_en="the registration date, not in the future; blank: the day of import",
    ),
    Column(
        "latitude",
        "float",
        ("纬度",),
        en="Latitude",
        note="仅易地搬迁、不住在本村的劳动力填写",
        note_en="only for relocated laborers who live away from the village",
    ),
    Column("longitude", "float", ("经度",), en="Longitude", note="同纬度", note_en="as latitude"),
)

HOUSEHOLD_COLUMNS: tuple[Column, ...] = (
    Column(
        "code",
        "code",
        ("户编号", "户码", "农户编号", "家庭编号", "户号"),
        en="Household code",
        note="户编号，据此识别是否已登记",
        note_en="the household's code; it finds the household again",
        required=True,
        example="HF-0001",
    ),
    Column(
        "village_code",
        "village",
        ("行政村", "所在村", "村名", "村", "行政村代码", "村代码"),
        en="Village",
        note="所在行政村：村名（在您的辖区内唯一时）或 12 位区划代码",
        note_en="the village: its name (where unique in your area) or its 12-digit division code",
        required=True,
    ),
    Column(
        "category",
        "enum",
        ("户类别", "户类型", "农户类别", "户属性"),
        HouseholdCategory,
        en="Category",
        note="农户类别",
        note_en="the household's category",
        required=True,
    ),
    Column(
        "risk_level",
        "enum",
        ("风险等级", "返贫风险"),
        RiskLevel,
        en="Risk level",
        note="返贫风险等级；不填为低风险",
        note_en="the risk of falling back into poverty; blank: low",
    ),
    Column(
        "head_name",
        "text",
        ("户主姓名", "户主"),
        en="Head of household",
        note="户主姓名",
        note_en="the name of the head of household",
        example="张建国",
    ),
)

EMPLOYER_COLUMNS: tuple[Column, ...] = (
    Column(
        "name",
        "text",
        ("单位名称", "用工主体", "企业名称", "用工单位", "名称"),
        en="Employer name",
        note="单位全称",
        note_en="the employer's full name",
        required=True,
        example="横峰县葛业食品有限公司",
    ),
    Column(
        "credit_code",
        "code",
        ("统一社会信用代码", "信用代码", "社会信用代码"),
        en="Credit code",
        note="18 位统一社会信用代码，据此识别是否已登记",
        note_en="the 18-character unified social credit code; it finds the employer again",
        required=True,
        example="91361125MA35XXXXXX",
    ),
    Column(
        "kind",
        "enum",
        ("单位类型", "主体类型", "企业类型"),
        EmployerKind,
        en="Employer kind",
        note="用工主体类型",
        note_en="what kind of employer",
        required=True,
    ),
    Column(
        "region_code",
        "region",
        ("所在地", "所在村", "所在乡镇", "区划代码"),
        en="Location",
        note="所在乡镇或村：名称或 12 位区划代码",
        note_en="the township or village: its name or 12-digit code",
    ),
    Column(
        "county_code",
        "region",
        ("所属县", "所属县区"),
        en="County",
        note="所属县；不填时由所在地或您的辖区得出",
        note_en="the county; blank: from the location or your area",
    ),
    Column("address", "text", ("地址", "详细地址"), en="Address", note="详细地址", note_en="the street address"),
    Column("contact_name", "text", ("联系人",), en="Contact", note="联系人姓名", note_en="the contact person"),
    Column(
        "contact_phone",
        "phone",
        ("联系电话", "联系人电话", "电话"),
        en="Contact phone",
        note="联系人电话",
        note_en="the contact's phone",
    ),
)

# Openings are keyed by their post code. The employer is found by its credit code (or, without one, by a
# name unique in your scope) and the workshop by its name; the names are read only to find them.
OPENING_COLUMNS: tuple[Column, ...] = (
    Column(
        "code",
        "code",
        ("岗位编号", "岗位代码", "岗位编码"),
        en="Post code",
        note="岗位编号（自定，不超过 32 位），据此识别是否已发布",
        note_en="the post code (your own, up to 32 characters); it finds the opening again",
        required=True,
        example="GW-2026-001",
    ),
    Column(
        "title",
        "text",
        ("岗位名称", "职位名称", "工种"),
        en="Title",
        note="岗位名称",
        note_en="the post's title",
        required=True,
        example="缝纫工",
    ),
    Column(
        "kind",
        "enum",
        ("岗位类型", "岗位类别", "岗位性质"),
        OpeningKind,
        en="Post kind",
        note="岗位类型：企业岗位须填用工单位，车间岗位须填帮扶车间",
        note_en="the kind of post: an enterprise post needs its employer, a workshop post its workshop",
        required=True,
    ),
    Column(
        "employer_credit_code",
        "code",
        ("用工单位统一社会信用代码", "统一社会信用代码", "用工单位信用代码", "信用代码", "社会信用代码"),
        en="Employer credit code",
        note="用工单位的统一社会信用代码（须先导入用工单位）",
        note_en="the employer's credit code (import the employers first)",
    ),
    Column(
        "employer_name",
        "text",
        ("用工单位", "用工主体", "用工单位名称", "单位名称", "企业名称"),
        en="Employer",
        note="无信用代码时按名称查找用工单位（须在辖区内唯一）",
        note_en="without a credit code, the employer is found by this name (unique in your area)",
    ),
    Column(
        "workshop_name",
        "text",
        ("帮扶车间", "车间名称", "就业帮扶车间", "所属车间"),
        en="Workshop",
        note="车间岗位所在的帮扶车间名称",
        note_en="the workshop of a workshop post, by name",
    ),
    Column(
        "region_code",
        "region",
        ("所在地", "工作地点区划", "区划代码"),
        en="Location",
        note="工作地点所在乡镇或村：名称或 12 位区划代码（或填经纬度）",
        note_en="the township or village of the site: name or 12-digit code (or give coordinates)",
    ),
    Column(
        "county_code",
        "region",
        ("所属县", "所属县区", "发布县"),
        en="County",
        note="发布岗位的县；不填时由所在地或您的辖区得出",
        note_en="the county posting it; blank: from the location or your area",
    ),
    Column(
        "site_name",
        "text",
        ("工作地点", "工作地址", "地点名称"),
        en="Site",
        note="工作地点名称",
        note_en="the name of the work site",
    ),
    Column(
        "latitude",
        "float",
        ("纬度",),
        en="Latitude",
        note="工作地点纬度（不填时取所在地的）",
        note_en="the site's latitude (blank: the location's)",
    ),
    Column("longitude", "float", ("经度",), en="Longitude", note="同纬度", note_en="as latitude"),
    Column(
        "required_skills",
        "skills",
        ("技能要求", "岗位技能", "所需技能"),
        en="Required skills",
        note="多项用顿号、逗号或空格分开",
        note_en="several skills separated by commas or spaces",
        example="缝纫",
    ),
    Column(
        "age_min",
        "int",
        ("年龄下限", "最低年龄"),
        en="Minimum age",
        note="整数，不小于 16",
        note_en="a whole number, at least 16",
        example=18,
    ),
    Column(
        "age_max",
        "int",
        ("年龄上限", "最高年龄"),
        en="Maximum age",
        note="整数；公益性岗位不填为 60，最高 65",
        note_en="a whole number; public-welfare posts: blank is 60, at most 65",
        example=55,
    ),
    Column(
        "headcount",
        "int",
        ("招聘人数", "用工人数", "需求人数"),
        en="Headcount",
        note="招聘人数，正整数",
        note_en="places offered, a positive whole number",
        required=True,
        example=5,
    ),
    # Read for new openings only: hires and leavers keep it for those already posted.
    Column(
        "remaining_headcount",
        "int",
        ("剩余名额", "空缺名额"),
        en="Places left",
        note="不读取：由系统按招聘人数减在岗人数计算",
        note_en="not read: computed as headcount less the people hired",
    ),
    Column(
        "wage_min",
        "money",
        ("工资下限", "最低工资", "薪资下限"),
        en="Minimum wage",
        note="元，不为负",
        note_en="yuan, not negative",
        example=2800,
    ),
    Column(
        "wage_max",
        "money",
        ("工资上限", "最高工资", "薪资上限"),
        en="Maximum wage",
        note="元，不低于工资下限",
        note_en="yuan, not below the minimum wage",
        example=3500,
    ),
    Column(
        "wage_unit",
        "enum",
        ("工资单位", "计薪单位", "薪资单位", "计薪方式"),
        WageUnit,
        en="Wage unit",
        note="工资按月、日或件计",
        note_en="wage per month, day or piece",
    ),
    Column(
        "working_pattern",
        "enum",
        ("工作方式", "用工形式", "工作时间"),
        WorkingPattern,
        en="Working pattern",
        note="工作方式",
        note_en="how the work is organised",
    ),
    Column(
        "physical_intensity",
        "enum",
        ("劳动强度", "体力要求"),
        PhysicalIntensity,
        en="Physical intensity",
        note="体力强度",
        note_en="how heavy the work is",
    ),
    Column(
        "shuttle",
        "bool",
        ("接送", "提供接送", "班车接送"),
        en="Shuttle",
        note="是否提供接送",
        note_en="whether transport is provided",
    ),
    Column(
        "organised_transfer",
        "bool",
        ("有组织输出", "组织输出", "有组织劳务输出"),
        en="Organised transfer",
        note="是否有组织劳务输出",
        note_en="whether it is an organised labor transfer",
    ),
    Column(
        "accommodation",
        "bool",
        ("提供住宿", "包住宿", "住宿"),
        en="Accommodation",
        note="是否提供住宿",
        note_en="whether lodging is provided",
    ),
    Column(
        "deadline",
        "date",
        ("截止日期", "招聘截止日期", "报名截止日期"),
        en="Deadline",
        note="日期，如 2026-12-31；新岗位不能已过期",
        note_en="a date such as 2026-12-31; not past for a new post",
    ),
    Column(
        "status",
        "enum",
        ("岗位状态", "招聘状态", "状态"),
        OpeningStatus,
        en="Status",
        note="不填为招聘中",
        note_en="blank: open",
    ),
    Column(
        "description",
        "text",
        ("岗位描述", "岗位说明", "岗位职责"),
        en="Description",
        note="岗位说明",
        note_en="what the work is",
        example="车间内缝制童装，计件工资",
    ),
)

COLUMNS: dict[str, tuple[Column, ...]] = {
    "laborers": LABORER_COLUMNS,
    "households": HOUSEHOLD_COLUMNS,
    "employers": EMPLOYER_COLUMNS,
    "openings": OPENING_COLUMNS,
}

# The column that finds a record again (an import updates the record with this value, or creates one).
KEY_FIELDS = {"laborers": "id_number", "households": "code", "employers": "credit_code", "openings": "code"}

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


def page_label_dicts(enum: type[StrEnum]) -> list[dict[StrEnum, object]]:
    """The label dicts the pages choose this enum's values from: `jobmatch.labels` and the opening form's."""
    from jobmatch import labels
    from jobmatch.posts import forms

    values = {m.value for m in enum}
    found = [d for d in vars(labels).values() if isinstance(d, dict) and d and all(isinstance(k, enum) for k in d)]
    for name, table in vars(forms).items():
        if name.endswith("_LABELS") and isinstance(table, dict) and table and set(table) <= values:
            found.append({enum(k): word for k, word in table.items()})
    return found


def page_words(enum: type[StrEnum]) -> dict[StrEnum, list[str]]:
    """The words the pages offer for each member of an enum, in every page language, as users read them.

    Taken from the pages' label dicts (Chinese and its English translation) and from the glossary's
    Chinese words (`vocab.LABELS_ZH`, see glossary_words). Needs an app context (for the translations).
    """
    from flask_babel import force_locale

    from jobmatch.i18n import LANGUAGES

    words: dict[StrEnum, list[str]] = {member: [] for member in enum}
    dicts = page_label_dicts(enum)
    for locale in LANGUAGES.values():
        with force_locale(locale):
            for table in dicts:
                for member, word in table.items():
                    if str(word) not in words[member]:
                        words[member].append(str(word))
    for member, glossary in glossary_words(enum).items():
        if glossary not in words[member]:
            words[member].append(glossary)
    return words


def glossary_words(enum: type[StrEnum]) -> dict[StrEnum, str]:
    """The glossary's Chinese word for each member, for an enum the glossary names wholly.

    (`LABELS_ZH` is keyed by bare codes: "medium" is 中风险, a risk level, not a physical intensity.)
    """
    if not all(member.value in LABELS_ZH for member in enum):
        return {}
    return {member: LABELS_ZH[member.value] for member in enum}


def accepted_words(enum: type[StrEnum]) -> dict[StrEnum, list[str]]:
    """Every word an import reads for each member: the pages' words first, then the rosters' own."""
    words = page_words(enum)
    for member, labels in LABELS.get(enum, {}).items():
        words[member].extend(w for w in labels if w not in words[member])
    return words


def enum_lookup(enum: type[StrEnum]) -> dict[str, StrEnum]:
    """Every label and code of an enum, folded as cells are, to its member.

    A word the rosters use (LABELS) keeps its meaning where a page's word is spelt the same.
    """
    table: dict[str, StrEnum] = {}
    for member in enum:
        table[member.value.lower()] = member
        for label in LABELS.get(enum, {}).get(member, ()):
            table.setdefault(cell_key(label), member)
    for member, words in page_words(enum).items():
        for word in words:
            table.setdefault(cell_key(word), member)
    return table


def cell_key(value: object) -> str:
    """A coded cell as compared: folded as headers are, and in lower case (pages' English words)."""
    return header_key(value).lower()


def label(value: StrEnum | None) -> str:
    """The label an export writes for a coded value."""
    if value is None:
        return ""
    labels = LABELS.get(type(value), {}).get(value)
    return labels[0] if labels else str(value.value)


def canonical_header(column: Column) -> str:
    return column.headers[0]


# Fields the services name in errors and changes that a sheet writes in another column (first: preferred).
MODEL_FIELDS: dict[str, tuple[str, ...]] = {
    "household_id": ("household_code",),
    "village_id": ("village_code",),
    "region_id": ("region_code",),
    "county_id": ("county_code",),
    "employer_id": ("employer_credit_code", "employer_name"),
    "workshop_id": ("workshop_name",),
    "birth_date": ("id_number",),
    "sex": ("id_number",),
    "skills_raw": ("skills",),
    "required_skills_raw": ("required_skills",),
}


def column_of(columns: tuple[Column, ...], field_name: str, present: set[str] = frozenset()) -> Column | None:
    """The column of a roster that a service field is written in (one present in the file, if any)."""
    by_field = {c.field: c for c in columns}
    candidates = [f for f in (field_name, *MODEL_FIELDS.get(field_name, ())) if f in by_field]
    for name in candidates:
        if name in present:
            return by_field[name]
    return by_field[candidates[0]] if candidates else None


# API-style names (with an underscore, or these) that English messages may use, put as the sheet names them.
_API_WORDS = re.compile(r"\b(?:[a-z]+(?:_[a-z]+)+|headcount)\b")


def in_sheet_words(message: str, columns: tuple[Column, ...]) -> str:
    """An English message with the API's field names replaced by the columns' English names."""

    def name(match: re.Match) -> str:
        column = column_of(columns, match.group(0))
        return column.en if column is not None else match.group(0)

    return _API_WORDS.sub(name, message)
