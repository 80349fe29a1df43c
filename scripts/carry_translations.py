#!/usr/bin/env python
"""Carry translations over after `make messages` when strings moved between catalogues.

`makemessages --no-obsolete` files each string under the catalogue of the folder that now holds it; a
string that moved (from an app into the core, from one app to another) arrives empty or "fuzzy" in its new
catalogue. This fills every such entry with the translation the same string had in any catalogue at a git
revision (default HEAD), and prints what it could not fill. Run `make messages` again afterwards to
normalise the files, then compile.

    .venv/bin/python scripts/carry_translations.py [REV]
"""

import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ["locale", "directory/locale", "committee/locale", "applications/locale", "complaints/locale"]
LANGUAGES = ("zh_Hant", "zh_Hans")


def known_translations(language, revision):
    known = {}
    for folder in FOLDERS:
        path = f"{folder}/{language}/LC_MESSAGES/django.po"
        try:
            text = subprocess.check_output(["git", "show", f"{revision}:{path}"], cwd=ROOT, text=True)  # noqa: S603, S607
        except subprocess.CalledProcessError:
            continue
        for entry in polib.pofile(text):
            if "fuzzy" in entry.flags:
                continue
            if entry.msgid_plural and entry.msgstr_plural.get(0):
                known.setdefault((entry.msgctxt, entry.msgid, True), dict(entry.msgstr_plural))
            elif entry.msgstr:
                known.setdefault((entry.msgctxt, entry.msgid, False), entry.msgstr)
    return known


def main(revision="HEAD"):
    for language in LANGUAGES:
        known = known_translations(language, revision)
        for folder in FOLDERS:
            path = ROOT / folder / language / "LC_MESSAGES" / "django.po"
            catalogue = polib.pofile(str(path))
            filled, missing = 0, []
            for entry in catalogue:
                if entry.obsolete:
                    continue
                fuzzy = "fuzzy" in entry.flags
                empty = not entry.msgstr_plural.get(0) if entry.msgid_plural else not entry.msgstr
                if not (empty or fuzzy):
                    continue
                value = known.get((entry.msgctxt, entry.msgid, bool(entry.msgid_plural)))
                if value is None:
                    missing.append(entry.msgid)
                    continue
                if entry.msgid_plural:
                    entry.msgstr_plural = dict(value)
                else:
                    entry.msgstr = value
                if fuzzy:
                    entry.flags.remove("fuzzy")
                filled += 1
            catalogue.save(str(path))
            print(f"{folder} {language}: {filled} carried over; still to translate: {missing or 'none'}")


if __name__ == "__main__":
    main(*sys.argv[1:])
