"""The normalised search text of the directory (§5.1; English and either Chinese script).

One search box finds English names in any case and Chinese names in either script: the stored column and
the query both go through NFKC (full-width letters and digits become plain), case-folding and OpenCC's
Traditional → Simplified conversion. Simplified is the target because that conversion is close to
one-to-one per character, so a substring of a name converts the same way as the whole name does.
On PostgreSQL the column carries a `GIN (search_text gin_trgm_ops)` index (migration 0004), which a
`contains` (LIKE '%…%') of three characters or more uses.
"""

import re
import unicodedata
from functools import lru_cache

_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def normalise(text):
    """NFKC, case-folded, Traditional → Simplified, runs of white space made one space."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", str(text)).casefold()
    text = _converter().convert(text)
    return _SPACES.sub(" ", text).strip()


def search_text_for(*parts):
    """The stored column: every name of the record, normalised, separated so no match spans two."""
    return " | ".join(normalise(p) for p in parts if p)
