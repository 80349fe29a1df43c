"""Dates and times as Hong Kong reads them (settings.FORMAT_MODULE_PATH), in each language of the portal.

Django's own English formats are American ("Nov. 27, 2026, 7:03 a.m.", 11/27/2026); Hong Kong writes the
day first and the time on the 24-hour clock: "27 Nov 2026", "27 Nov 2026, 07:03", "27/11/2026" in English
and "2026年11月27日", "2026年11月27日 07:03" in Chinese. What a module here does not set (for example the
separators of numbers) comes from Django's module for the language.
"""
