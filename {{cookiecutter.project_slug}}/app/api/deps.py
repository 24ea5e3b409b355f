"""Request dependencies shared by the routers."""
from typing import Annotated

from fastapi import Depends, Request
{%- if cookiecutter.database == 'postgres' %}
from sqlalchemy.ext.asyncio import AsyncSession
{%- endif %}

from app.core.config import Settings
{%- if cookiecutter.database == 'postgres' %}
from app.database import database_session
{%- endif %}


def app_settings(request: Request) -> Settings:
    """The settings the running app was created with."""
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(app_settings)]
{%- if cookiecutter.database == 'postgres' %}
SessionDep = Annotated[AsyncSession, Depends(database_session)]
{%- endif %}
