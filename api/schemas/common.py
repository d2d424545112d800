"""The base classes of every API body, and the problem (error) body."""

from typing import Annotated

from ninja import Schema
from pydantic import AfterValidator, BaseModel, ConfigDict, Field


def _no_nul(value):
    # PostgreSQL text cannot hold NUL; the dashboard's forms refuse it the same way.
    if "\x00" in value:
        raise ValueError("Null characters are not allowed.")
    return value


SearchText = Annotated[str, Field(max_length=200), AfterValidator(_no_nul)]


class Strict(Schema):
    """An input: unknown fields are refused, so a typo is an error instead of a no-op."""

    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    """An output, built from keyword arguments: plain pydantic, without django-ninja's
    Schema machinery for reading Django objects (a third of a page of links' time)."""


# --- Problems ---------------------------------------------------------------------------
class FieldError(Out):
    field: str | None = Field(description="The field (dotted path for nested ones), or null.")
    code: str
    message: str
    index: int | None = Field(None, description="Bulk create: the item's position.")


class Problem(Out):
    type: str = Field(description="urn:macondo:problem:<code>")
    title: str
    status: int
    code: str
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None
