"""Traditional Chinese as written in Hong Kong (cpp_registry/formats/__init__.py)."""

DATE_FORMAT = "Y年n月j日"  # 2026年11月27日
TIME_FORMAT = "H:i"  # 07:03
DATETIME_FORMAT = "Y年n月j日 H:i"  # 2026年11月27日 07:03
YEAR_MONTH_FORMAT = "Y年n月"  # 2026年11月
MONTH_DAY_FORMAT = "n月j日"  # 11月27日
SHORT_DATE_FORMAT = "Y年n月j日"  # 2026年11月27日
SHORT_DATETIME_FORMAT = "Y年n月j日 H:i"  # 2026年11月27日 07:03
FIRST_DAY_OF_WEEK = 0  # 星期日, as Hong Kong's calendars print it
