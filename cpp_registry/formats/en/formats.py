"""English as written in Hong Kong: the day first, the 24-hour clock (cpp_registry/formats/__init__.py)."""

DATE_FORMAT = "j M Y"  # 27 Nov 2026
TIME_FORMAT = "H:i"  # 07:03
DATETIME_FORMAT = "j M Y, H:i"  # 27 Nov 2026, 07:03
YEAR_MONTH_FORMAT = "F Y"  # November 2026
MONTH_DAY_FORMAT = "j F"  # 27 November
SHORT_DATE_FORMAT = "d/m/Y"  # 27/11/2026
SHORT_DATETIME_FORMAT = "d/m/Y H:i"  # 27/11/2026 07:03
FIRST_DAY_OF_WEEK = 0  # Sunday, as Hong Kong's calendars print it

# What a form reads: the ISO date first (the admin's date boxes write it), then the day before the month —
# never the American month first (11/12/2026 is 11 December here).
DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # 2026-11-27
    "%d/%m/%Y",  # 27/11/2026
    "%d %b %Y",  # 27 Nov 2026
    "%d %B %Y",  # 27 November 2026
]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",  # 2026-11-27 07:03:59
    "%Y-%m-%d %H:%M:%S.%f",  # 2026-11-27 07:03:59.000200
    "%Y-%m-%d %H:%M",  # 2026-11-27 07:03
    "%d/%m/%Y %H:%M:%S",  # 27/11/2026 07:03:59
    "%d/%m/%Y %H:%M",  # 27/11/2026 07:03
]
