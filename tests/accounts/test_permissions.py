"""Who may call what: a role × route matrix generated from the app's routes."""

from __future__ import annotations

import re

import pytest

from jobmatch.accounts import service, tokens
from tests.accounts.conftest import PASSWORD

ALL = {"admin", "bureau", "cadre", "manager"}
PUBLIC = "public"
REGISTRY = {"admin", "bureau"}
PEOPLE = {"admin", "bureau", "cadre"}
ADMIN = {"admin"}
ATTENDANCE_READERS = {"admin", "bureau", "manager"}
ATTENDANCE_KEEPERS = {"admin", "manager"}
PUBLIC_WELFARE_READERS = {"admin", "bureau", "cadre"}
PUBLIC_WELFARE_KEEPERS = {"admin", "cadre"}

# Every route must be listed; a new route without an entry fails test_every_route_is_in_the_matrix.
MATRIX: dict[str, set[str] | str] = {
    "static": PUBLIC,
    "openapi.spec": PUBLIC,
    "openapi.docs": PUBLIC,
    "site.index": PUBLIC,
    "i18n.switch": PUBLIC,
    "ops.healthz": PUBLIC,
    "ops.readyz": PUBLIC,
    # From this machine without a proxy, or with an admin token (tests/ops/test_health.py).
    "ops.prometheus_metrics": PUBLIC,
    "accounts.login": PUBLIC,
    "accounts.logout": PUBLIC,
    "accounts_api.me": ALL,
    "accounts_api.create_user": ADMIN,
    "accounts_api.get_user": ADMIN,
    "accounts_api.list_users": ADMIN,
    "accounts_api.update_user": ADMIN,
    "accounts_api.create_token": ADMIN,
    "accounts_api.get_token": ADMIN,
    "accounts_api.list_tokens": ADMIN,
    "accounts_api.revoke_token": ADMIN,
    "accounts_api.list_audit_events": ADMIN,
    "people_api.create_region": REGISTRY,
    "people_api.get_region": ALL,
    "people_api.list_regions": ALL,
    "people_api.update_region": REGISTRY,
    "people_api.create_household": PEOPLE,
    "people_api.get_household": ALL,
    "people_api.list_households": ALL,
    "people_api.update_household": PEOPLE,
    "people_api.create_laborer": PEOPLE,
    "people_api.get_laborer": ALL,
    "people_api.list_laborers": ALL,
    "people_api.search_laborers": ALL,
    "people_api.update_laborer": PEOPLE,
    "people_api.reveal_laborer": PEOPLE,
    "posts_api.create_employer": REGISTRY,
    "posts_api.get_employer": ALL,
    "posts_api.list_employers": ALL,
    "posts_api.update_employer": REGISTRY,
    "posts_api.create_opening": REGISTRY,
    "posts_api.get_opening": ALL,
    "posts_api.list_openings": ALL,
    "posts_api.update_opening": REGISTRY,
    "placements_api.create_referral": PEOPLE,
    "placements_api.list_referrals": PEOPLE,
    "placements_api.get_referral": PEOPLE,
    "placements_api.transition_referral": PEOPLE,
    "placements_api.undo_referral_step": PEOPLE,
    "placements_api.create_employment": PEOPLE,
    "placements_api.list_employments": ALL,
    "placements_api.get_employment": ALL,
    "placements_api.end_employment": PEOPLE,
    "placements_api.list_subsidy_rules": PEOPLE,
    "placements_api.list_due_subsidy_claims": PEOPLE,
    "placements_api.list_subsidy_claims": PEOPLE,
    "placements_api.create_subsidy_claim": REGISTRY,
    "placements_api.mark_subsidy_claim_paid": REGISTRY,
    "workshops_api.create_workshop": REGISTRY,
    "workshops_api.get_workshop": ALL,
    "workshops_api.list_workshops": ALL,
    "workshops_api.update_workshop": REGISTRY,
    "matches_api.laborer_matches": PEOPLE,
    "matches_api.opening_matches": PEOPLE,
    "matches_api.normalize_skill": ALL,
    "matches_api.match_settings": PEOPLE,
    "matches_api.set_match_settings": REGISTRY,
    "matches_api.add_synonym": ADMIN,
    "matches_api.propose_assignment": PEOPLE,
    "matches_api.list_synonyms": REGISTRY,
    "matches_api.ranker_status": REGISTRY,
    "matches_api.ranker_train": ADMIN,
    "matches_api.ranker_promote": ADMIN,
    "matches_api.ranker_rollback": ADMIN,
    "workshops_api.get_attendance_sheet": ATTENDANCE_READERS,
    "workshops_api.save_attendance_sheet": ATTENDANCE_KEEPERS,
    "workshops_api.check_in": ATTENDANCE_KEEPERS,
    "workshops_api.attendance_summary": ATTENDANCE_READERS,
    "workshops_api.export_attendance": ATTENDANCE_READERS,
    "workshops_api.attendance_anomalies": ATTENDANCE_READERS,
    "workshops_api.attendance_changes": ATTENDANCE_READERS,
    "workshops_api.county_attendance_summary": REGISTRY,
    "workshops_api.close_attendance_month": REGISTRY,
    "workshops_api.list_attendance_closures": REGISTRY,
    "workshops_api.get_public_welfare_sheet": PUBLIC_WELFARE_READERS,
    "workshops_api.save_public_welfare_sheet": PUBLIC_WELFARE_KEEPERS,
    "workshops_api.public_welfare_summary": PUBLIC_WELFARE_READERS,
    "workshops_api.get_employment_code": ALL,
    "workshops_api.reissue_employment_code": ALL,
    "workshops_api.revoke_employment_code": ALL,
    "workshops_api.employment_card_png": ALL,
    "workshops_api.employment_card_pdf": ALL,
    "workshops_api.list_employment_interruptions": ALL,
    "monitoring_api.get_indicators": PEOPLE,
    "monitoring_api.export_indicators": PEOPLE,
    "monitoring_api.list_alerts": PEOPLE,
    "monitoring_api.list_alert_runs": PEOPLE,
    "monitoring_api.get_alert": PEOPLE,
    "monitoring_api.transition_alert": PEOPLE,
    "monitoring_api.consistency_report": PEOPLE,
    "monitoring_api.list_household_contacts": PEOPLE,
    "monitoring_api.create_household_contact": PEOPLE,
    "monitoring_api.list_laborer_contacts": PEOPLE,
    "monitoring_api.create_laborer_contact": PEOPLE,
    "accounts.users": ADMIN,
    "accounts.edit_user": ADMIN,
    "accounts.api_tokens": ADMIN,
    "accounts.revoke_api_token": ADMIN,
    "accounts.audit_events": ADMIN,
    "workshop_pages.home": ATTENDANCE_READERS,
    "workshop_pages.sheet": ATTENDANCE_READERS,
    "workshop_pages.save_sheet": ATTENDANCE_KEEPERS,
    "workshop_pages.month": ATTENDANCE_READERS,
    "workshop_pages.check_in": ATTENDANCE_KEEPERS,
    "workshop_pages.do_check_in": ATTENDANCE_KEEPERS,
    "workshop_pages.scan": ATTENDANCE_KEEPERS,
    "workshop_pages.service_worker": PUBLIC,
    "workshop_pages.manifest": ATTENDANCE_READERS,
    "workshop_pages.workshop_cards": ATTENDANCE_READERS,
    "workshop_pages.workshop_cards_pdf": ATTENDANCE_READERS,
    "workshop_pages.village_cards": PEOPLE,
    "workshop_pages.village_cards_pdf": PEOPLE,
    "workshop_pages.reissue_card": ALL,
    "workshop_pages.revoke_card": ALL,
    "rosters_api.import_roster": PEOPLE,
    "rosters_api.export_roster": ALL,
    "rosters_api.start_export": ALL,
    "rosters_api.roster_template": PEOPLE,
    "roster_pages.upload": PEOPLE,
    "roster_pages.commit_import": PEOPLE,
    "roster_pages.export": PEOPLE,
    "monitoring_pages.inbox": PEOPLE,
    "monitoring_pages.transition": PEOPLE,
    "monitoring_pages.indicator_page": REGISTRY,
    "cadre_pages.villages": PEOPLE,
    "cadre_pages.households": PEOPLE,
    "cadre_pages.household": PEOPLE,
    "cadre_pages.laborers": PEOPLE,
    "cadre_pages.laborer": PEOPLE,
    "cadre_pages.new_laborer": PEOPLE,
    "cadre_pages.edit_laborer": PEOPLE,
    "cadre_pages.matches": PEOPLE,
    "cadre_pages.refer": PEOPLE,
    "cadre_pages.record_step": PEOPLE,
    "cadre_day.home": PEOPLE,
    "cadre_day.record_household_contact": PEOPLE,
    "cadre_day.record_laborer_contact": PEOPLE,
    "cadre_pages.post": PEOPLE,
    "cadre_pages.record_outcome": PEOPLE,
    "cadre_pages.undo_step": PEOPLE,
    "bureau_pages.openings": PEOPLE,
    "bureau_pages.opening": PEOPLE,
    "bureau_pages.new_opening": REGISTRY,
    "bureau_pages.edit_opening": REGISTRY,
    "bureau_pages.workshops": REGISTRY,
    "bureau_pages.dashboard": REGISTRY,
    # The bureau's own pages (jobmatch/bureau/views.py).
    "bureau.today": REGISTRY,
    "bureau.new_workshop": REGISTRY,
    "bureau.edit_workshop": REGISTRY,
    "bureau.workshop": REGISTRY,
    "bureau.certify_workshop": REGISTRY,
    "bureau.employers": REGISTRY,
    "bureau.employer": REGISTRY,
    "bureau.new_employer": REGISTRY,
    "bureau.edit_employer": REGISTRY,
    # The employer type-ahead of the posting and workshop forms (JSON, the bureau's county).
    "bureau.search_employers": REGISTRY,
    "bureau.subsidies": REGISTRY,
    "bureau.record_claim": REGISTRY,
    "bureau.mark_paid": REGISTRY,
    "bureau.months": REGISTRY,
    "bureau.close_month": REGISTRY,
    "bureau.reopen_month": REGISTRY,
    "bureau.consistency_report": REGISTRY,
    # Background jobs: anyone logged in asks; a job is seen by its starter, its county's bureau and admins.
    "jobs.job_status": ALL,
    "jobs.job_file": ALL,
    "jobs_api.get_job": ALL,
    "jobs_api.get_job_file": ALL,
    "admin_pages.ranker": ADMIN,
    "admin_pages.train": ADMIN,
    "admin_pages.promote": ADMIN,
    "admin_pages.rollback": ADMIN,
    "admin_pages.skills": ADMIN,
    "proposal_pages.proposals": REGISTRY,
    "proposal_pages.start_proposal": REGISTRY,
    "proposal_pages.confirm_proposal": REGISTRY,
    # 导出 Excel of each list page (jobmatch/listings): the page's roles.
    "exports.laborers": PEOPLE,
    "exports.households": PEOPLE,
    "exports.villages": PEOPLE,
    "exports.openings": PEOPLE,
    "exports.alerts": PEOPLE,
    "exports.workshops": REGISTRY,
    "exports.employers": REGISTRY,
    "exports.subsidies": REGISTRY,
    "exports.months": REGISTRY,
    "exports.consistency": REGISTRY,
    "exports.dashboard": REGISTRY,
    "exports.proposals": REGISTRY,
    "exports.audit": ADMIN,
    "exports.users": ADMIN,
    "exports.tokens": ADMIN,
    "exports.skills": ADMIN,
    # A long list's export runs as a background job: its page and file are its starter's (runner.visible).
    "exports.job": ALL,
}


def _routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def _url(rule) -> str:
    return re.sub(
        r"<(?:int:|path:)?(\w+)>", lambda m: "favicon.svg" if m.group(1) == "filename" else "999999", rule.rule
    )


def test_every_route_is_in_the_matrix(app):
    missing = sorted({rule.endpoint for rule, _ in _routes(app)} - set(MATRIX))
    assert not missing, f"routes without a permission entry in MATRIX: {missing}"
    stale = sorted(set(MATRIX) - {rule.endpoint for rule, _ in _routes(app)})
    assert not stale, f"MATRIX lists routes that no longer exist: {stale}"


@pytest.mark.parametrize("role", sorted(ALL))
def test_each_role_gets_exactly_the_routes_the_matrix_allows(role, county, make_app):
    # CSRF is tested on its own; here every page POST must reach its permission check.
    app = make_app(WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)
    client = app.test_client()
    # Read the user here: inside the other app's context this test's session would borrow that app's engine.
    user_id, name = county["users"][role].id, county["users"][role].name
    with app.app_context():
        token = tokens.issue_token(service.get_user(user_id), "matrix")
    login = client.post("/login", data={"name": name, "password": PASSWORD})
    assert login.status_code == 302
    headers = {"Authorization": f"Bearer {token}"}
    wrong = []
    for rule, method in _routes(app):
        allowed = MATRIX[rule.endpoint]
        if allowed == PUBLIC or rule.endpoint == "accounts.logout":
            continue
        is_api = rule.rule.startswith("/api/")
        response = client.open(
            _url(rule), method=method, json={} if is_api else None, headers=headers if is_api else None
        )
        response.close()
        expected_forbidden = role not in allowed
        got_forbidden = response.status_code == 403
        if expected_forbidden != got_forbidden or response.status_code == 401:
            wrong.append((method, rule.rule, response.status_code))
    assert not wrong, f"{role}: {wrong}"
