"""The glossary's coded values (SPEC §3), with the Chinese words users read."""

from __future__ import annotations

from enum import StrEnum


class RegionLevel(StrEnum):
    county = "county"
    township = "township"
    village = "village"


class HouseholdCategory(StrEnum):
    out_of_poverty = "out_of_poverty"
    unstable = "unstable"
    marginal = "marginal"
    sudden_hardship = "sudden_hardship"
    other = "other"


# Households watched for relapse (防返贫监测对象).
MONITORED_CATEGORIES = frozenset(
    {HouseholdCategory.unstable, HouseholdCategory.marginal, HouseholdCategory.sudden_hardship}
)


class RiskLevel(StrEnum):
    high = "high"
    medium = "medium"
    low = "low"


class Sex(StrEnum):
    male = "male"
    female = "female"


class LaborCapacity(StrEnum):
    normal = "normal"
    skilled = "skilled"
    weak = "weak"
    none = "none"


class Willingness(StrEnum):
    none = "none"
    village = "village"
    county = "county"
    province = "province"
    anywhere = "anywhere"


class EmploymentKind(StrEnum):
    workshop = "workshop"
    public_welfare = "public_welfare"
    local_enterprise = "local_enterprise"
    migrant = "migrant"
    self_employed = "self_employed"


class EmploymentStatus(StrEnum):
    """A laborer's current work, as recorded (务工状态)."""

    unemployed = "unemployed"
    workshop = "workshop"
    public_welfare = "public_welfare"
    local_enterprise = "local_enterprise"
    migrant = "migrant"
    self_employed = "self_employed"


class EmployerKind(StrEnum):
    enterprise = "enterprise"
    cooperative = "cooperative"
    village_collective = "village_collective"
    workshop_operator = "workshop_operator"


class OpeningKind(StrEnum):
    workshop = "workshop"
    public_welfare = "public_welfare"
    enterprise = "enterprise"


class OpeningStatus(StrEnum):
    open = "open"
    closed = "closed"


class WageUnit(StrEnum):
    month = "month"
    day = "day"
    piece = "piece"


class WorkingPattern(StrEnum):
    full_time = "full_time"
    flexible_hours = "flexible_hours"
    home_piecework = "home_piecework"


class PhysicalIntensity(StrEnum):
    light = "light"
    medium = "medium"
    heavy = "heavy"


class WageMode(StrEnum):
    piece = "piece"
    day = "day"
    month = "month"


class CertificationStatus(StrEnum):
    applied = "applied"
    certified = "certified"
    suspended = "suspended"


class ReferralState(StrEnum):
    recommended = "recommended"
    referred = "referred"
    interviewed = "interviewed"
    hired = "hired"
    rejected = "rejected"
    declined = "declined"
    withdrawn = "withdrawn"
    left = "left"
    obsolete = "obsolete"


class OutcomeReason(StrEnum):
    """Coded reasons for rejected, declined and left."""

    too_far = "too_far"
    wage_too_low = "wage_too_low"
    health = "health"
    family_care = "family_care"
    no_skill_match = "no_skill_match"
    employer_closed = "employer_closed"
    age = "age"
    other = "other"


class SubsidyPayee(StrEnum):
    """Who receives a subsidy: the employer that hired, or the laborer."""

    employer = "employer"
    laborer = "laborer"


class Role(StrEnum):
    admin = "admin"
    bureau = "bureau"
    cadre = "cadre"
    manager = "manager"


LABELS_ZH: dict[str, str] = {
    "county": "县",
    "township": "乡镇",
    "village": "行政村",
    "out_of_poverty": "脱贫户",
    "unstable": "脱贫不稳定户",
    "marginal": "边缘易致贫户",
    "sudden_hardship": "突发严重困难户",
    "other": "其他",
    "high": "高风险",
    "medium": "中风险",
    "low": "低风险",
    "male": "男",
    "female": "女",
    "normal": "普通劳动力",
    "skilled": "技能劳动力",
    "weak": "弱劳动力或半劳动力",
    "none": "无",
    "workshop": "帮扶车间",
    "public_welfare": "公益性岗位",
    "local_enterprise": "本地企业",
    "migrant": "外出务工",
    "self_employed": "自主就业",
    "unemployed": "未就业",
    "enterprise": "企业",
    "cooperative": "合作社",
    "village_collective": "村集体",
    "workshop_operator": "车间经营主体",
}
