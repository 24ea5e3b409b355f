"""Example API route: a validated request model in, a response model out.

Copy this file to start a new concern; pydantic rejects bad input with a 422 listing each problem.
"""
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from app.api.errors import BODY_ERRORS

router = APIRouter(prefix="/greetings", tags=["greetings"], responses=BODY_ERRORS)

Language = Literal["en", "es", "fr", "de"]

SALUTATIONS: dict[str, str] = {"en": "Hello", "es": "Hola", "fr": "Bonjour", "de": "Hallo"}


class GreetingRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=64, examples=["Ada"])
    language: Language = "en"


class Greeting(BaseModel):
    message: str
    language: Language


@router.post("", response_model=Greeting)
async def create_greeting(request: GreetingRequest) -> Greeting:
    """Greet someone by name in the language asked for."""
    return Greeting(message=f"{SALUTATIONS[request.language]}, {request.name}!", language=request.language)
