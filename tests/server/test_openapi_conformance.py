"""The OpenAPI schema is usable by schemathesis: cases generated from it (multipart bodies included) get
answers that match the documented shapes (2xx bodies and the one error shape). Random bytes are
schema-valid uploads but not images or audio, so the "valid data is accepted" check is left out."""

import schemathesis
from hypothesis import HealthCheck, given, settings
from starlette.testclient import TestClient

from makeittalk_server.app import create_app
from makeittalk_server.config import Settings


def test_answers_match_the_schema():
    app = create_app(Settings(warm=False))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    seen = {}
    with TestClient(app):
        ops = [r.ok() for r in schema.get_all_operations()]
        for op in ops:
            @settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck), database=None)
            @given(case=op.as_strategy())
            def check(case):
                resp = case.call()
                seen.setdefault(op.label, set()).add(resp.status_code)
                assert resp.status_code < 500, (op.label, resp.text[:300])
                case.validate_response(resp, excluded_checks=[schemathesis.checks.positive_data_acceptance])

            check()
    assert len(ops) == 7
    assert seen["POST /v1/jobs"] == {422} and seen["GET /v1/jobs/{job_id}"] == {404}
