from fastapi.testclient import TestClient

from app.core.config import VERSION_PATH, Settings


def test_version_reports_deployed_image(client: TestClient, settings: Settings) -> None:
    response = client.get(VERSION_PATH)
    assert response.status_code == 200
    assert response.json() == {
        "service": settings.service_name,
        "environment": "test",
        "image_tag": settings.image_tag,
        "git_sha": settings.git_sha,
    }
