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
# Mainland usage after the script conversion, applied in this order: a longer phrase before the words in it
# (资料夹 and 补交资料 before 资料, 剔选方格 before 剔选), and the ordinance's real name after 资料 → 信息.
PHRASES = {
    "工作天": "工作日",
    "登入": "登录",
    "电邮地址": "电子邮箱地址",
    "或电邮至": "或发送电子邮件至",
    "电邮": "电子邮件",
    "帐户": "账户",
    "建立账户": "创建账户",
    "建立时间": "创建时间",
    "建立者": "创建者",
    "用户名称": "用户名",
    "网络位址": "网络地址",
    "上载": "上传",
    "档案": "文件",
    "CSV 档": "CSV 文件",
    "JSON 档": "JSON 文件",
    "「": "“",
    "」": "”",
    "储存": "保存",
    "主页": "首页",
    "范本": "模板",
    "资料夹": "文件夹",
    "补交资料": "补交材料",
    "所需资料": "所需材料",
    "澄清的资料": "澄清的材料",
    "提供以下资料": "提供以下材料",
    "资料": "信息",
    "《个人信息（私隐）条例》": "《个人资料（私隐）条例》",
    "下载": "下载",
    "讯息": "消息",
    "剔选方格": "勾选复选框",
    "剔选": "勾选",
    "甚么": "什么",
    "字元": "字符",
    "须要": "需要",
    "哪间": "哪家",
    "应用程式": "应用程序",
    "联络": "联系",
    "垃圾邮件匣": "垃圾邮件箱",
    "现时显示": "当前显示",
    "你现时以": "你当前以",
    "现时": "目前",
    "产生新的": "生成新的",
    "列印": "打印",
    "搜寻": "搜索",
    "连结": "链接",
    "开启": "打开",
    "是次": "本次",
    "导览": "导航",
    "谁人": "谁",
    "合约": "合同",
    "自订": "自定",
    "撷取": "提取",
    "汇入": "导入",
    "设定": "设置",
    "登出": "退出登录",
    "阅览": "查看",
    "真确": "真实",
    "最少": "至少",
    "职衔": "职务",
    "纪录": "记录",
    "请不理会": "请忽略",
    "履历": "简历",
    "文件名称": "文件名",
    "选单": "菜单",
    "连国家代码": "带国家代码",
    "次序": "顺序",
    "纯文字": "纯文本",
    "将来的日子": "未来的日期",
    "数分钟": "几分钟",
    "使用者": "用户",
    "贴上网址": "粘贴网址",
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
