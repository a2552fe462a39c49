"""schemathesis against the app and its own OpenAPI schema: every generated request conforms.

In process (ASGI) over a keyword-only index, for speed; the schema is fitted to that
index (modes: keyword), so a request valid by the schema is one the server must accept.
The default checks run: no 5xx, status codes and content types documented, response
bodies valid by their schemas, 405 with ``Allow`` for undocumented methods, and more.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from web.app import create_app

MAX_EXAMPLES = 25


@pytest.fixture(scope="module")
def api_schema(keyword_index_dir):
    app = create_app(keyword_index_dir, warm_model=False, allowed_hosts=["testserver", "127.0.0.1"])
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def _operations(schema) -> list:
    return [result.ok() for result in schema.get_all_operations()]


def test_every_operation_conforms_to_its_schema(api_schema):
    # Driven through hypothesis directly: schemathesis' pytest plugin does not load under this pytest.
    operations = _operations(api_schema)
    assert len(operations) == 8, [op.label for op in operations]
    calls: dict[str, int] = {}
    for operation in operations:

        @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case) -> None:
            calls[case.operation.label] = calls.get(case.operation.label, 0) + 1
            case.call_and_validate()

        check()
    assert sum(calls.values()) >= 8 * 5, calls
    print(f"\nschemathesis: {sum(calls.values())} requests over {len(calls)} operations, 0 failures")
