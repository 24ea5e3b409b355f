"""Error responses the API documents beside FastAPI's own 422, so clients and fuzzers know them."""
from typing import Any

from pydantic import BaseModel


class ErrorDetail(BaseModel):
    detail: str


BODY_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorDetail, "description": "The body could not be read (for example, it is not UTF-8)"},
    413: {"model": ErrorDetail, "description": "The body is larger than APP_MAX_BODY_BYTES"},
}
