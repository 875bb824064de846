"""Form fields and query parameters as pages and routes declare them (issue 9).

One shared layer: the parsing itself (ASCII digits within ranges, days within
2000-01-01..2100-12-31) is plain Python in `domain/input_bounds.py`, where services can
use it too; this module re-exports it with the FastAPI shapes every page and route
declares its fields with, so a form's text limit or a row id's range is written once.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Form, Path, Query

from returnflow.domain.input_bounds import (
    FIRST_DAY,
    LAST_DAY,
    MAX_AMOUNT,
    MAX_LINE_NO,
    MAX_PAGE,
    MAX_QUANTITY,
    MAX_ROW_ID,
    cents,
    day,
    day_range,
    digits,
    line_no,
    numbered_field,
    optional_day,
    optional_row_id,
    quantity,
    row_id,
    whole_number,
)

__all__ = [
    "FIRST_DAY",
    "LAST_DAY",
    "MAX_AMOUNT",
    "MAX_LINE_NO",
    "MAX_PAGE",
    "MAX_QUANTITY",
    "MAX_ROW_ID",
    "DayQuery",
    "FormList",
    "FormText",
    "RowId",
    "ShortFormText",
    "cents",
    "day",
    "day_range",
    "digits",
    "line_no",
    "numbered_field",
    "optional_day",
    "optional_row_id",
    "quantity",
    "row_id",
    "whole_number",
]

# Free text in page forms: one definition, two sizes (notes and reasons; short codes).
FormText = Annotated[str, Form(max_length=2000)]
ShortFormText = Annotated[str, Form(max_length=200)]
FormList = Annotated[list[str], Form(default_factory=list)]
# a table row's number in a path, as in the API
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
# a day in an API query string
DayQuery = Annotated[date | None, Query(ge=FIRST_DAY, le=LAST_DAY)]
