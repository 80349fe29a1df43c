"""Simplified Chinese: the same dates as the Traditional (cpp_registry/formats/__init__.py)."""

from cpp_registry.formats.zh_Hant.formats import (  # noqa: F401 (Django reads these names from this module)
    DATE_FORMAT,
    DATETIME_FORMAT,
    FIRST_DAY_OF_WEEK,
    MONTH_DAY_FORMAT,
    SHORT_DATE_FORMAT,
    SHORT_DATETIME_FORMAT,
    TIME_FORMAT,
    YEAR_MONTH_FORMAT,
)
