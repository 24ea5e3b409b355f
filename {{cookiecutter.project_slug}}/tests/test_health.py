from fastapi.testclient import TestClient

from app.core.config import HEALTH_PATH, READY_PATH, Settings
from app.main import create_app


def test_health_reports_ok(client: TestClient) -> None:
    response = client.get(HEALTH_PATH)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


{% if cookiecutter.database == 'postgres' -%}
def test_ready_once_started_with_the_database(db_client: TestClient) -> None:
    response = db_client.get(READY_PATH)
{%- else -%}
def test_ready_once_started(client: TestClient) -> None:
    response = client.get(READY_PATH)
{%- endif %}
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_not_ready_before_startup(settings: Settings) -> None:
    client = TestClient(create_app(settings))  # no `with`: the lifespan start-up never ran
    response = client.get(READY_PATH)
    assert response.status_code == 503
    assert response.json() == {"status": "starting"}


def test_health_path_is_the_one_probed_in_infrastructure() -> None:
    assert HEALTH_PATH == "{{ cookiecutter._health_check_path }}"
