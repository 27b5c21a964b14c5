"""JSON API for referrals and their steps, employments, and subsidy claims."""

from __future__ import annotations

from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, Date, DateTime, Dict, Float, List, Nested, String
from apiflask.validators import Length, Range
from marshmallow import fields as mm

from jobmatch.accounts.scope import get_in_scope
from jobmatch.api.auth import PEOPLE_EDITORS, REGISTRY_EDITORS, token_auth
from jobmatch.api.common import Integer, PageQuery, coded, page_schema
from jobmatch.crud import page_of
from jobmatch.idempotency import idempotent
from jobmatch.placements import lifecycle, queries, service, subsidies
from jobmatch.placements.models import Employment, Referral
from jobmatch.vocab import LABELS_ZH, EmploymentKind, OutcomeReason, ReferralState, WageUnit

bp = APIBlueprint("placements_api", __name__, url_prefix="/api/v1", tag="Placements · 推荐、就业与补贴")

# Cadres refer and record outcomes in their villages, the bureau in its county; workshop managers
# take no part in referrals and subsidies (SPEC §2) and read only their workers' employments.
PLACEMENT_STAFF = PEOPLE_EDITORS
# Subsidies are paid by the county bureau.
SUBSIDY_CLERKS = REGISTRY_EDITORS

OCCURRED_AT_HELP = "发生时间，ISO 8601；不带时区按北京时间；默认现在；可早于今天（补录历史），不能晚于现在"


class ListQuery(PageQuery):
    """Paging and the laborer's region; these lists have no free-text search."""

    class Meta:
        exclude = ("q",)


# --- referrals ---------------------------------------------------------------------------------------------------


STEPS_AT_HELP = (
    '中间各步的发生时间，如 {"referred": "2026-05-06T09:00", "interviewed": "2026-05-08T15:00"}；'
    "null 为与其后一步同时 / when each step between happened (null: with the step after it)"
)
START_DATE_HELP = "上岗日期（仅录用时；默认录用当天；可晚于录用日，最多 90 天后）/ the day work starts (hires only)"


def _steps_at() -> Dict:
    return Dict(
        keys=coded(ReferralState),
        values=DateTime(allow_none=True),
        load_default=dict,
        metadata={"description": STEPS_AT_HELP},
    )


class ReferralIn(Schema):
    laborer_id = Integer(required=True)
    opening_id = Integer(required=True)
    occurred_at = DateTime(metadata={"description": OCCURRED_AT_HELP + "（带 to 时为最后一步的时间）"})
    score = Float(allow_none=True, validate=Range(min=0, max=1), metadata={"description": "匹配得分（0–1）"})
    note = String(allow_none=True, validate=Length(max=lifecycle.MAX_NOTE_LENGTH))
    to = coded(ReferralState, metadata={"description": "一次记录到哪一步（默认 recommended，仅推荐）"})
    steps_at = _steps_at()
    reason_code = coded(OutcomeReason, allow_none=True, metadata={"description": "未录用、本人放弃时必填"})
    start_date = Date(metadata={"description": START_DATE_HELP})


class TransitionIn(Schema):
    to = coded(ReferralState, required=True, metadata={"description": "下一步状态；可跳到后面的状态，中间各步一并记录"})
    occurred_at = DateTime(metadata={"description": OCCURRED_AT_HELP})
    steps_at = _steps_at()
    reason_code = coded(OutcomeReason, allow_none=True, metadata={"description": "未录用、本人放弃、离职时必填"})
    note = String(allow_none=True, validate=Length(max=lifecycle.MAX_NOTE_LENGTH))
    start_date = Date(metadata={"description": START_DATE_HELP})


class ReferralEventOut(Schema):
    id = Integer()
    from_state = String(allow_none=True)
    to_state = String()
    to_state_zh = mm.Function(lambda e: lifecycle.STATE_ZH[e.to_state])
    occurred_at = DateTime()
    reason_code = String(allow_none=True)
    reason_zh = mm.Function(lambda e: lifecycle.REASON_ZH[e.reason_code] if e.reason_code else None)
    note = String(allow_none=True)
    recorded_by_id = Integer(attribute="created_by_id", allow_none=True)
    recorded_by = mm.Function(lambda e: e.recorded_by.name if e.recorded_by else None)
    recorded_at = DateTime(attribute="created_at")


class ReferralOut(Schema):
    id = Integer()
    laborer_id = Integer()
    laborer_name = mm.Function(lambda r: r.laborer.name)
    opening_id = Integer()
    opening_title = mm.Function(lambda r: r.opening.title)
    state = String()
    state_zh = mm.Function(lambda r: lifecycle.STATE_ZH[r.state])
    state_since = DateTime()
    allowed_next = mm.Function(lambda r: [s.value for s in lifecycle.allowed_next(r.state)])
    reason_code = String(allow_none=True)
    reason_zh = mm.Function(lambda r: lifecycle.REASON_ZH[r.reason_code] if r.reason_code else None)
    score = Float(allow_none=True)
    note = String(allow_none=True)
    created_at = DateTime()
    updated_at = DateTime()


class ReferralDetailOut(ReferralOut):
    events = List(Nested(ReferralEventOut))


class ReferralQuery(ListQuery):
    laborer_id = Integer()
    opening_id = Integer()
    state = coded(ReferralState)


@bp.post("/referrals")
@bp.auth_required(token_auth, roles=PLACEMENT_STAFF)
@idempotent
@bp.input(ReferralIn, arg_name="data")
@bp.output(ReferralDetailOut, status_code=201)
def create_referral(data: dict):
    """Refer a laborer to an opening / 推荐劳动力到岗位"""
    return service.create_referral(data)


@bp.get("/referrals")
@bp.auth_required(token_auth, roles=PLACEMENT_STAFF)
@bp.input(ReferralQuery, location="query", arg_name="query")
@bp.output(page_schema(ReferralOut, "ReferralPage"))
def list_referrals(query: dict):
    """List referrals / 推荐列表"""
    return page_of(queries.referrals(query), query["page"], query["per_page"], query.get("cursor"))


@bp.get("/referrals/<int:referral_id>")
@bp.auth_required(token_auth, roles=PLACEMENT_STAFF)
@bp.output(ReferralDetailOut)
def get_referral(referral_id: int):
    """Get a referral with its steps / 查看推荐及其进展"""
    return get_in_scope(Referral, referral_id, "Referral", "推荐")


@bp.post("/referrals/<int:referral_id>/transitions")
@bp.auth_required(token_auth, roles=PLACEMENT_STAFF)
@idempotent
@bp.input(TransitionIn, arg_name="data")
@bp.output(ReferralDetailOut)
def transition_referral(referral_id: int, data: dict):
    """Record the next step of a referral / 记录推荐进展（面试、录用、离职等）"""
    return service.transition(referral_id, data)


@bp.post("/referrals/<int:referral_id>/undo")
@bp.auth_required(token_auth, roles=PLACEMENT_STAFF)
@idempotent
@bp.output(ReferralDetailOut)
def undo_referral_step(referral_id: int):
    """Undo a referral's last step, within a day of recording it (audited) / 撤销推荐的最后一步"""
    return service.undo_last_step(referral_id)


# --- employments -------------------------------------------------------------------------------------------------


class EmploymentIn(Schema):
    laborer_id = Integer(required=True)
    kind = coded(EmploymentKind, required=True, metadata={"description": "本地企业、外出务工或自主就业"})
    start_date = Date(required=True)
    full_time = Boolean(load_default=True)
    employer_id = Integer(allow_none=True)
    wage = mm.Decimal(places=2, allow_none=True, allow_nan=False)
    wage_unit = coded(WageUnit, allow_none=True)
    site_name = String(allow_none=True, metadata={"description": "工作地点，如“广东省东莞市”"})


class EmploymentEndIn(Schema):
    end_date = Date(required=True)
    reason_code = coded(OutcomeReason, required=True)
    note = String(allow_none=True, validate=Length(max=lifecycle.MAX_NOTE_LENGTH))


class EmploymentOut(Schema):
    id = Integer()
    laborer_id = Integer()
    laborer_name = mm.Function(lambda e: e.laborer.name)
    kind = String()
    kind_zh = mm.Function(lambda e: LABELS_ZH.get(e.kind.value))
    full_time = Boolean()
    current = mm.Function(lambda e: e.end_date is None)
    opening_id = Integer(allow_none=True)
    opening_title = mm.Function(lambda e: e.opening.title if e.opening else None)
    employer_id = Integer(allow_none=True)
    employer_name = mm.Function(lambda e: e.employer.name if e.employer else None)
    workshop_id = Integer(allow_none=True)
    workshop_name = mm.Function(lambda e: e.workshop.name if e.workshop else None)
    referral_id = Integer(allow_none=True)
    start_date = Date()
    end_date = Date(allow_none=True)
    end_reason = String(allow_none=True)
    end_note = String(allow_none=True)
    wage = Float(allow_none=True)
    wage_unit = String(allow_none=True)
    site_name = String(allow_none=True)
    created_at = DateTime()
    updated_at = DateTime()


class EmploymentQuery(ListQuery):
    laborer_id = Integer()
    kind = coded(EmploymentKind)
    current = Boolean(metadata={"description": "true: 在岗；false: 已结束"})
    opening_id = Integer()
    employer_id = Integer()
    workshop_id = Integer()


@bp.post("/employments")
@bp.auth_required(token_auth, roles=PLACEMENT_STAFF)
@idempotent
@bp.input(EmploymentIn, arg_name="data")
@bp.output(EmploymentOut, status_code=201)
def create_employment(data: dict):
    """Record work found without a referral / 登记自主就业或外出务工"""
    return service.create_employment(data)


@bp.get("/employments")
@bp.auth_required(token_auth)
@bp.input(EmploymentQuery, location="query", arg_name="query")
@bp.output(page_schema(EmploymentOut, "EmploymentPage"))
def list_employments(query: dict):
    """List employments / 就业记录列表"""
    return page_of(queries.employments(query), query["page"], query["per_page"], query.get("cursor"))


@bp.get("/employments/<int:employment_id>")
@bp.auth_required(token_auth)
@bp.output(EmploymentOut)
def get_employment(employment_id: int):
    """Get an employment / 查看就业记录"""
    return get_in_scope(Employment, employment_id, "Employment", "就业记录")


@bp.post("/employments/<int:employment_id>/end")
@bp.auth_required(token_auth, roles=PLACEMENT_STAFF)
@idempotent
@bp.input(EmploymentEndIn, arg_name="data")
@bp.output(EmploymentOut)
def end_employment(employment_id: int, data: dict):
    """End an employment / 登记离职或就业结束"""
    return service.end_employment(employment_id, data)


# --- subsidies ---------------------------------------------------------------------------------------------------


class SubsidyRuleOut(Schema):
    code = String()
    name_zh = String()
    name_en = String()
    amount_cny = Float()
    payee = String()
    household_categories = mm.Function(lambda r: sorted(r.household_categories))
    employment_kinds = mm.Function(lambda r: sorted(r.employment_kinds))
    employer_kinds = mm.Function(lambda r: sorted(r.employer_kinds))
    cross_province = Boolean()
    months_employed = Integer()
    claim_window_days = Integer()


SubsidyRuleList = Schema.from_dict({"items": List(Nested(SubsidyRuleOut))}, name="SubsidyRuleList")


class WarningOut(Schema):
    code = String()
    zh = String()
    en = String()


class EvidenceOut(Schema):
    kind = String()
    start_date = Date()
    end_date = Date(allow_none=True)
    months_employed = Integer()
    workshop_name = String(allow_none=True)
    home_province = String()
    work_province = String(allow_none=True)
    attendance_days = Integer(allow_none=True, metadata={"description": "出勤天数（考勤模块上线后提供）"})


class DueClaimOut(Schema):
    rule_code = String()
    rule_name = String()
    rule_name_en = String()
    amount_cny = Float()
    payee = String()
    laborer_id = Integer()
    laborer_name = String()
    employment_id = Integer()
    employer_id = Integer(allow_none=True)
    employer_name = String(allow_none=True)
    due_on = Date()
    lapses_on = Date()
    days_left = Integer()
    lapsing_soon = Boolean()
    warnings = List(Nested(WarningOut))
    evidence = Nested(EvidenceOut)


class DueClaimQuery(ListQuery):
    rule_code = String(validate=Length(max=32))
    laborer_id = Integer()
    lapsing_soon = Boolean(metadata={"description": f"仅显示 {subsidies.LAPSE_WARNING_DAYS} 天内逾期的"})
    as_of = Date(metadata={"description": "按哪一天计算（默认今天）"})


class SubsidyClaimIn(Schema):
    employment_id = Integer(required=True)
    rule_code = String(required=True, validate=Length(max=32))
    claimed_on = Date(metadata={"description": "申领日期（默认今天）"})
    note = String(allow_none=True, validate=Length(max=lifecycle.MAX_NOTE_LENGTH))


class SubsidyClaimOut(Schema):
    id = Integer()
    laborer_id = Integer()
    laborer_name = mm.Function(lambda c: c.laborer.name)
    employment_id = Integer()
    rule_code = String()
    amount_cny = Float(attribute="amount")
    payee = String()
    employer_id = Integer(allow_none=True)
    due_on = Date()
    claimed_on = Date()
    paid_on = Date(allow_none=True, metadata={"description": "发放日期（未发放为 null）/ the day it was paid out"})
    note = String(allow_none=True)
    created_at = DateTime()


class SubsidyClaimQuery(ListQuery):
    rule_code = String(validate=Length(max=32))
    laborer_id = Integer()
    paid = Boolean(metadata={"description": "true: 已发放；false: 已申领未发放 / paid out, or claimed and not paid"})


class SubsidyPaidIn(Schema):
    paid_on = Date(
        metadata={
            "description": "财政发放日期（默认今天；不早于申领日期，不晚于今天）"
            " / the day the finance office paid (default today; not before the claim, not in the future)"
        }
    )


@bp.get("/subsidy-rules")
@bp.auth_required(token_auth, roles=PLACEMENT_STAFF)
@bp.output(SubsidyRuleList)
def list_subsidy_rules():
    """The subsidy rules in force / 就业补贴规则"""
    return {"items": list(service.subsidy_rules().values())}


@bp.get("/subsidy-claims/due")
@bp.auth_required(token_auth, roles=PLACEMENT_STAFF)
@bp.input(DueClaimQuery, location="query", arg_name="query")
@bp.output(page_schema(DueClaimOut, "DueClaimPage"))
def list_due_subsidy_claims(query: dict):
    """Subsidies that may be claimed now, with evidence; the most urgent first / 待申领的就业补贴"""
    return service.due_claims_page(query, query["page"], query["per_page"])


@bp.get("/subsidy-claims")
@bp.auth_required(token_auth, roles=PLACEMENT_STAFF)
@bp.input(SubsidyClaimQuery, location="query", arg_name="query")
@bp.output(page_schema(SubsidyClaimOut, "SubsidyClaimPage"))
def list_subsidy_claims(query: dict):
    """Subsidies claimed / 已申领的就业补贴"""
    return page_of(queries.subsidy_claims(query), query["page"], query["per_page"], query.get("cursor"))


@bp.post("/subsidy-claims")
@bp.auth_required(token_auth, roles=SUBSIDY_CLERKS)
@idempotent
@bp.input(SubsidyClaimIn, arg_name="data")
@bp.output(SubsidyClaimOut, status_code=201)
def create_subsidy_claim(data: dict):
    """Record a subsidy claim / 登记补贴申领"""
    return service.record_claim(data)


@bp.post("/subsidy-claims/<int:claim_id>/paid")
@bp.auth_required(token_auth, roles=SUBSIDY_CLERKS)
@idempotent
@bp.input(SubsidyPaidIn, arg_name="data")
@bp.output(SubsidyClaimOut)
@bp.doc(
    responses={
        404: {"description": "补贴申领不存在或不在本县 / no such claim in your county"},
        409: {"description": "已发放，不能重复登记（paid_on 为原发放日期）/ already paid (paid_on: when)"},
        422: {"description": "发放日期晚于今天或早于申领日期 / paid_on in the future or before the claim"},
    }
)
def mark_subsidy_claim_paid(claim_id: int, data: dict):
    """Record that a claimed subsidy was paid out, audited; once per claim / 登记补贴已发放"""
    return service.mark_claim_paid(claim_id, data.get("paid_on"))
