"""What the public directory shows, in the page's language and script (issue 10 §1).

- On `/zh-hans/` pages, what the register holds in Traditional characters — names, addresses, contact
  persons and their titles — is shown in Simplified characters (OpenCC `hk2s`, the Hong Kong variant; one
  converter per process). The register itself, its search text and the open data keep the characters as
  held; the provider's page shows the registered name as held beside the converted one.
- Contact lines in Chinese use full-width punctuation: 電話：2123 4567；傳真：2345 6789.
"""

from functools import lru_cache

from django.utils.translation import get_language


@lru_cache(maxsize=1)
def _hk2s():
    import opencc

    return opencc.OpenCC("hk2s")


def is_chinese() -> bool:
    return (get_language() or "en").startswith("zh")


def in_page_script(text: object) -> str:
    """`text` as held, or converted to Simplified characters on a Simplified-Chinese page."""
    if not text:
        return ""
    text = str(text)
    if get_language() != "zh-hans":
        return text
    return _simplified(text)


@lru_cache(maxsize=16384)
def _simplified(text: str) -> str:
    """The conversion, kept per process: the directory's pages show the same names again and again."""
    return _hk2s().convert(text)


def colon() -> str:
    return "：" if is_chinese() else ": "


def semicolon() -> str:
    return "；" if is_chinese() else "; "


def comma() -> str:
    return "，" if is_chinese() else ", "


def enumeration() -> str:
    """Between the items of a list in running text: 類別一、觀塘 / Category 1, Kwun Tong."""
    return "、" if is_chinese() else ", "


def labelled(label: object, value: object) -> str:
    """`Phone: 2123 4567` / `電話：2123 4567`."""
    return f"{label}{colon()}{value}"


def person_line(person: str, title: str) -> str:
    """The contact person and title, in the page's script: `Chan Tai Man, Manager` / `陳大文，經理`."""
    person, title = in_page_script(person), in_page_script(title)
    return f"{person}{comma()}{title}" if person and title else person or title


@lru_cache(maxsize=8192)
def national(e164: str | None) -> str:
    """A stored phone number (E.164 text) as the directory shows it: the national format of the
    `phonenumbers` library (`2123 4567`, `020 1234 5678`), or as stored when the library finds it invalid.

    Parsing a number costs more than the rest of a list row; a process formats each number it shows once
    (the register holds a few thousand)."""
    if not e164:
        return ""
    from phonenumber_field.phonenumber import PhoneNumber

    number = PhoneNumber.from_string(e164)
    return number.as_national if number.is_valid() else e164
