#!/usr/bin/env python
"""Fill each Simplified-Chinese catalogue from its Traditional-Chinese sibling, and compile it.

    .venv/bin/python scripts/zh_hans_from_hant.py [--all]

For every catalogue folder (locale/, <app>/locale/), each zh_Hans entry that is empty or fuzzy (all of
them with --all) takes its zh_Hant translation converted by OpenCC (Hong Kong → mainland script) and then
the mainland wording below. Read the result over before committing; fix a wording here, not by hand, so
that the next run keeps it. Needs polib (pip install polib) — a developer tool, not a dependency.
"""

import sys
from pathlib import Path

import opencc
import polib

ROOT = Path(__file__).resolve().parent.parent
# Mainland usage after the script conversion.
PHRASES = {
    "工作天": "工作日",
    "登入": "登录",
    "电邮地址": "电子邮箱地址",
    "电邮": "电子邮件",
    "帐户": "账户",
    "网络位址": "网络地址",
    "上载": "上传",
    "档案": "文件",
    "「": "“",
    "」": "”",
    "储存": "保存",
    "主页": "首页",
    "范本": "模板",
    "资料": "信息",
    "下载": "下载",
}
_converter = opencc.OpenCC("hk2s")


def to_simplified(text):
    text = _converter.convert(text)
    for hk, mainland in PHRASES.items():
        text = text.replace(hk, mainland)
    return text


def main(refill_all):
    folders = [ROOT / "locale", *sorted(ROOT.glob("*/locale"))]
    for folder in folders:
        hant_path = folder / "zh_Hant" / "LC_MESSAGES" / "django.po"
        hans_path = folder / "zh_Hans" / "LC_MESSAGES" / "django.po"
        if not hant_path.exists() or not hans_path.exists() or ".venv" in str(folder):
            continue
        hant = {(e.msgctxt, e.msgid): e for e in polib.pofile(str(hant_path))}
        hans = polib.pofile(str(hans_path))
        filled = 0
        for entry in hans:
            source = hant.get((entry.msgctxt, entry.msgid))
            if source is None or "fuzzy" in source.flags:
                continue
            if not (refill_all or not entry.translated() or "fuzzy" in entry.flags):
                continue
            if entry.msgid_plural:
                entry.msgstr_plural = {k: to_simplified(v) for k, v in source.msgstr_plural.items()}
            else:
                entry.msgstr = to_simplified(source.msgstr)
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
            filled += 1
        if filled:
            hans.save()
            hans.save_as_mofile(str(hans_path.with_suffix(".mo")))
        print(f"{folder.relative_to(ROOT)}: {filled} filled, {len(hans.untranslated_entries())} untranslated")


if __name__ == "__main__":
    main("--all" in sys.argv)
