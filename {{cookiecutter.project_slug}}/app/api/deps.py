"""Request dependencies shared by the routers."""
from typing import Annotated

from fastapi import Depends, Request

from app.core.config import Settings


def app_settings(request: Request) -> Settings:
    """The settings the running app was created with."""
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(app_settings)]
