"""What is deployed: the image tag and the commit it was built from."""
from fastapi import APIRouter
from pydantic import BaseModel

from app.api.deps import SettingsDep
from app.core.config import VERSION_PATH

router = APIRouter(tags=["meta"])


class VersionInfo(BaseModel):
    service: str
    environment: str
    image_tag: str
    git_sha: str


@router.get(VERSION_PATH, response_model=VersionInfo)
async def version(settings: SettingsDep) -> VersionInfo:
    """The deployed image tag (the git SHA in CI-built images) and build commit."""
    return VersionInfo(
        service=settings.service_name,
        environment=settings.environment,
        image_tag=settings.image_tag,
        git_sha=settings.git_sha,
    )
