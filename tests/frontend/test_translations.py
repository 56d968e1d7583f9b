"""Chinese is the default language: every message of the pages has a finished translation."""

import gettext
import re
from pathlib import Path

PO = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def _entries(text: str) -> list[str]:
    return [block for block in text.split("\n\n") if "msgid" in block and "#~" not in block]


def _joined(block: str, keyword: str) -> str:
    """The text of `msgid`/`msgstr...` in a block, its continuation lines joined."""
    parts = re.findall(rf'^{keyword}(?:\[\d+\])? "(.*)"\n((?:".*"\n?)*)', block + "\n", re.M)
    return "".join(first + "".join(re.findall(r'"(.*)"', rest)) for first, rest in parts)


def test_every_chinese_message_is_translated_and_none_is_fuzzy():
    untranslated, fuzzy = [], []
    for block in _entries(PO.read_text(encoding="utf-8")):
        msgid = _joined(block, "msgid")
        if not msgid:
            continue  # the header
        if re.search(r"^#,.*\bfuzzy\b", block, re.M):
            fuzzy.append(msgid)
        if not _joined(block, "msgstr"):
            untranslated.append(msgid)
    assert untranslated == []
    assert fuzzy == []


def test_the_compiled_catalogue_matches_its_source():
    """The committed .mo was compiled from the committed .po (`make messages`)."""
    with PO.with_suffix(".mo").open("rb") as mo:
        catalogue = gettext.GNUTranslations(mo)
    for block in _entries(PO.read_text(encoding="utf-8")):
        msgid, msgstr = _joined(block, "msgid"), _joined(block, "msgstr")
        if msgid and "msgid_plural" not in block and not re.search(r"^msgctxt", block, re.M):
            expected = msgstr.encode().decode("unicode_escape").encode("latin-1").decode()
            assert (
                catalogue.gettext(
                    msgid.encode().decode("unicode_escape").encode("latin-1").decode()
                )
                == expected
            ), msgid
