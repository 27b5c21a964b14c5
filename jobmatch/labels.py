"""The words users read for the glossary's coded values, in the page's language (Chinese source, English catalog)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from jobmatch.vocab import (
    EmploymentKind,
    EmploymentStatus,
    HouseholdCategory,
    LaborCapacity,
    OpeningKind,
    OutcomeReason,
    ReferralState,
    RiskLevel,
    Sex,
    WageUnit,
    Willingness,
)

CATEGORY = {
    HouseholdCategory.out_of_poverty: _l("脱贫户"),
    HouseholdCategory.unstable: _l("脱贫不稳定户"),
    HouseholdCategory.marginal: _l("边缘易致贫户"),
    HouseholdCategory.sudden_hardship: _l("突发严重困难户"),
    HouseholdCategory.other: _l("其他户"),
}
RISK = {RiskLevel.high: _l("高风险"), RiskLevel.medium: _l("中风险"), RiskLevel.low: _l("低风险")}
SEX = {Sex.male: _l("男"), Sex.female: _l("女")}
CAPACITY = {
    LaborCapacity.normal: _l("普通劳动力"),
    LaborCapacity.skilled: _l("技能劳动力"),
    LaborCapacity.weak: _l("弱劳动力或半劳动力"),
    LaborCapacity.none: _l("丧失劳动力"),
}
WILLINGNESS = {
    Willingness.none: _l("无就业意愿"),
    Willingness.village: _l("村内及附近"),
    Willingness.county: _l("县内"),
    Willingness.province: _l("省内县外"),
    Willingness.anywhere: _l("省外也可"),
}
STATUS = {
    EmploymentStatus.unemployed: _l("未就业"),
    EmploymentStatus.workshop: _l("帮扶车间"),
    EmploymentStatus.public_welfare: _l("公益性岗位"),
    EmploymentStatus.local_enterprise: _l("本地企业"),
    EmploymentStatus.migrant: _l("外出务工"),
    EmploymentStatus.self_employed: _l("自主就业"),
}
EMPLOYMENT_KIND = {EmploymentKind(kind.value): label for kind, label in STATUS.items() if kind.value != "unemployed"}
# The seven kinds of work the indicators count (monitoring.indicators.TYPES), by their codes.
WORK_TYPE = {
    **{status.value: label for status, label in STATUS.items() if status is not EmploymentStatus.unemployed},
    "unemployed_willing": _l("有意愿未就业"),
    "not_willing": _l("无就业意愿"),
}
OPENING_KIND = {
    OpeningKind.enterprise: _l("企业岗位"),
    OpeningKind.workshop: _l("车间岗位"),
    OpeningKind.public_welfare: _l("公益性岗位"),
}
STATE = {
    ReferralState.recommended: _l("拟推荐"),
    ReferralState.referred: _l("已推荐"),
    ReferralState.interviewed: _l("已面试"),
    ReferralState.hired: _l("已录用"),
    ReferralState.rejected: _l("未录用"),
    ReferralState.declined: _l("本人放弃"),
    ReferralState.withdrawn: _l("已撤回"),
    ReferralState.left: _l("已离职"),
    ReferralState.obsolete: _l("已失效"),
}
REASON = {
    OutcomeReason.too_far: _l("路途太远"),
    OutcomeReason.wage_too_low: _l("工资太低"),
    OutcomeReason.health: _l("身体原因"),
    OutcomeReason.family_care: _l("照顾家庭"),
    OutcomeReason.no_skill_match: _l("技能不符"),
    OutcomeReason.employer_closed: _l("用工单位停工或关闭"),
    OutcomeReason.age: _l("年龄不符"),
    OutcomeReason.other: _l("其他原因"),
}
WAGE_UNIT = {WageUnit.month: _l("元/月"), WageUnit.day: _l("元/日"), WageUnit.piece: _l("元/件")}


def choices(labels: dict, blank=None, only=None) -> list[SelectChoice]:
    """A select's choices in the labels' order (or only those in `only`), optionally after a blank one."""
    pairs = [SelectChoice(key.value, label) for key, label in labels.items() if only is None or key in only]
    return [SelectChoice("", blank), *pairs] if blank is not None else pairs
