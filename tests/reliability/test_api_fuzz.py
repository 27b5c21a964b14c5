"""Schemathesis against the OpenAPI document, in-process: no 5xx, and every answer is one the schema declares."""

from __future__ import annotations

import os
from datetime import date

import pytest
import schemathesis
from flask import current_app, g
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.stateful import run_state_machine_as_test
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from jobmatch.extensions import db
from jobmatch.placements.models import Employment
from jobmatch.posts import service as posts
from jobmatch.vocab import EmploymentKind, Role
from tests import factories
from tests.conftest import empty_all_tables, token_for
from workshops.service import save_workshop

# Examples per operation and generation mode: few for `make test`, more in CI (CI=true), any number
# with FUZZ_EXAMPLES (a deeper search: FUZZ_EXAMPLES=200 pytest tests/reliability/test_api_fuzz.py).
DEFAULT_EXAMPLES = 12
CI_EXAMPLES = 40
IN_CI = os.environ.get("CI", "").lower() == "true"
EXAMPLES_PER_OPERATION = int(os.environ.get("FUZZ_EXAMPLES") or (CI_EXAMPLES if IN_CI else DEFAULT_EXAMPLES))
# Sequences of calls that follow the links between operations (create, then read, patch, act on it):
# how many sequences, and at most how many calls each.
STATEFUL_SEQUENCES = int(os.environ.get("FUZZ_SEQUENCES") or (60 if IN_CI else 10))
STATEFUL_STEPS = 8

# Operations left out, and why.
SKIPPED = [
    # Trains a ranker on the history: seconds per call, and it writes model files.
    ("POST", "/api/v1/ranker/train"),
    # Multipart uploads of rosters: covered by tests/rosters with real files.
    ("POST", "/api/v1/rosters/{kind}/import"),
]


@pytest.fixture
def fuzz_data(app, regions) -> dict:
    return small_county()


def small_county() -> dict:
    """A county with a household, two laborers, an employer, an opening and a workshop employing one laborer."""
    factories.household(code="H-FUZZ-1")
    first = factories.laborer(household_code="H-FUZZ-1", sequence=21)
    second = factories.laborer(household_code="H-FUZZ-1", sequence=23, name="李四")
    employer = posts.save_employer({"name": "横峰服装厂", "kind": "enterprise", "region_code": factories.COUNTY_CODE})
    posts.save_opening(
        {
            "kind": "enterprise",
            "title": "缝纫工",
            "employer_id": employer.id,
            "region_code": factories.VILLAGE_CODE,
            "headcount": 3,
            "required_skills": ["缝纫"],
        }
    )
    workshop = save_workshop(
        {"name": "城东服装车间", "village_code": factories.VILLAGE_CODE, "capacity": 20, "wage_mode": "piece"}
    )
    db.session.add(
        Employment(
            laborer_id=second.id, kind=EmploymentKind.workshop, workshop_id=workshop.id, start_date=date(2026, 3, 1)
        )
    )
    db.session.commit()
    return {"laborer": first, "workshop": workshop}


@pytest.fixture
def api_schema(app, fuzz_data):
    token = token_for("fuzz-admin", Role.admin)
    loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    for method, path in SKIPPED:
        loaded = loaded.exclude(method=method, path=path)
    return loaded, {"Authorization": f"Bearer {token}"}


CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
# Hypothesis settings: bounded and reproducible; no shrinking (the failure report has a curl line to replay).
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def _fuzz(operation, mode: GenerationMode, headers: dict) -> None:
    @FUZZ_SETTINGS
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()


# The operations are fuzzed in this many parts, one test each, so that the test processes share them.
PARTS = 4


@pytest.mark.parametrize("part", range(PARTS))
def test_the_api_answers_every_generated_request_as_its_schema_says(api_schema, part):
    api_schema, headers = api_schema
    failures = []
    operations = 0
    for index, result in enumerate(api_schema.get_all_operations()):
        operation = result.ok()
        operations += 1
        if index % PARTS != part:
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzz(operation, mode, headers)
            except (Exception, BaseExceptionGroup) as exc:  # try every operation, report all failures
                failures.append(f"{operation.label} [{mode.value}]: {exc}")
    assert operations > 50
    assert not failures, "\n\n".join(failures)


@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"), reason="sequences run against PostgreSQL (TEST_DATABASE_URL)"
)
def test_sequences_of_calls_that_follow_the_links_get_no_server_error(api_schema):
    """Created records fed to the calls that read, change and act on them: the states a single call never reaches."""
    loaded, headers = api_schema
    workflow = loaded.as_state_machine()
    # A server error comes back as a 500 and is noted; each sequence leaves records behind, so a failing
    # sequence cannot be replayed as it ran, and the search goes on instead of stopping at the first.
    current_app.config["PROPAGATE_EXCEPTIONS"] = False
    server_errors: list[str] = []

    class Calls(workflow):
        def setup(self) -> None:
            """Each sequence starts from the same county, so that the same choices make the same calls."""
            for name in list(g):  # the calls share the test's app context: forget the last caller
                g.pop(name)
            db.session.remove()
            empty_all_tables()
            factories.region_tree()
            small_county()
            headers["Authorization"] = "Bearer " + token_for("fuzz-admin", Role.admin)
            db.session.commit()

        def get_call_kwargs(self, case) -> dict:
            return {"headers": headers}

        def validate_response(self, response, case, additional_checks=None, **kwargs) -> None:
            if response.status_code >= 500:
                server_errors.append(f"{case.method} {case.formatted_path} {case.query} {case.body!r:.300}")

    run_state_machine_as_test(
        Calls,
        settings=settings(
            max_examples=STATEFUL_SEQUENCES,
            stateful_step_count=STATEFUL_STEPS,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        ),
    )
    assert not server_errors, "\n".join(server_errors)
