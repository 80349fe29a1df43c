"""URL converters the apps share: a reference number such as APP-2027-00001 or CASE-2027-00001."""

from django.urls import register_converter


def register_reference(name: str, prefix: str) -> None:
    """Register `<name:…>` matching PREFIX-year-number, the reference numbers the portal gives out."""

    class ReferenceConverter:
        regex = rf"{prefix}-[0-9]{{4}}-[0-9]{{5,}}"

        def to_python(self, value: str) -> str:
            return value

        def to_url(self, value: str) -> str:
            return value

    register_converter(ReferenceConverter, name)
