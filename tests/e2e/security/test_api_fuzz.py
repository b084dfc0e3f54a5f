"""API fuzz (issue 12): schemathesis generates requests from /api/openapi.json and sends them,
as a participant and as an organiser, to the app (in process, a real SQLite file). No answer may
be a 500 and every answer must match the document (status code and body schema).

Bounded: FUZZ_API_EXAMPLES examples per operation (`make test`: a couple of minutes). The
operations are driven by hypothesis directly (schemathesis' pytest plugin does not load under
pytest 9).
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES = int(os.environ.get("FUZZ_API_EXAMPLES", "25"))
SLOW = (".pdf", ".xlsx", "/report-jobs", "/report-jobs/{job_id}")


@pytest.fixture
def fuzz_app(demo_app, demo_database):
    app, demo = demo_app, dict(demo_database[1])
    app.config.update(
        OP_RATE_PER_SECOND=1e6,
        OP_RATE_BURST=1e6,
        ADDRESS_OP_RATE_PER_SECOND=0,
        RATELIMIT_ENABLED=False,
        PDF_WORKER=False,
    )
    joined = app.test_client().post("/api/join", json={"code": demo["join_code"], "name": "Fz"})
    demo["participant_token"] = joined.get_json()["token"]
    return app, demo


def operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    for result in schema.get_all_operations():
        operation = result.ok()
        if not operation.path.endswith(SLOW):
            yield operation


def test_the_api_never_500s_and_matches_its_document(fuzz_app):
    app, demo = fuzz_app
    tokens = (demo["participant_token"], demo["organiser_token"])
    tried = []
    for operation in operations(app):
        tried.append(f"{operation.method.upper()} {operation.path}")

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case):
            for token in tokens:
                case.call_and_validate(
                    headers={"Authorization": f"Bearer {token}"},
                    checks=[
                        not_a_server_error,
                        status_code_conformance,
                        response_schema_conformance,
                    ],
                )

        run()
    assert len(tried) > 15, tried
