"""Money figures in English, Japanese and Korean text, as full numbers.

FACTS.md wants the figure as printed, as a full number in its first-stated
currency: ``$2.9B`` -> 2.9e9 USD, ``2兆2600億円`` -> 2.26e12 JPY, ``29억 달러(약
4조 원)`` -> 2.9e9 USD. The grammar (number, multiplier, currency, ranges,
"up to", a restatement in brackets) is here; every word and symbol comes from
``data/amounts.toml``. Patterns are compiled once per process.

Two readings are deliberate:
- a range keeps its upper figure (``$1-2 billion`` -> 2e9), the same reading
  FACTS.md gives "up to";
- a figure restating the previous one in another currency (``(about 4
  trillion won)``, ``, or about ¥440 billion``) is dropped, so the first-stated
  currency wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from extractors.facts.errors import RulesError
from extractors.facts.resources import load_table, string_list
from extractors.models import Amount

AMOUNTS_FILE = "amounts.toml"
_DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
# "42-point-one billion won": the decimals spelled out, as Yonhap's English service writes them.
_SPELLED_DECIMALS = rf"-point(?:(?:-(?:{'|'.join(_DIGIT_WORDS)}))+|-\d+)"
_NUMBER = rf"\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+|{_SPELLED_DECIMALS})?"
_CJK_NUMBER = r"\d[\d,]*(?:\.\d+)?"
_CJK_PART = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s?([千천百백十십])?\s?([兆조億억万만])?")
_DIGIT = re.compile(r"\d")  # every figure pattern below needs one, but the worded ones
_BIG_WORD = re.compile(r"(?i)illion\b")  # ... which need a "million", "billion" or "trillion"


@dataclass(frozen=True, slots=True)
class _Vocabulary:
    western: re.Pattern[str]
    suffix_only: re.Pattern[str]
    worded: re.Pattern[str] | None
    number_words: dict[str, float]
    cjk: re.Pattern[str]
    prefix_currencies: dict[str, str]
    suffix_currencies: dict[str, str]
    multipliers: dict[str, float]
    glued: dict[str, float]
    cjk_units: dict[str, float]
    cjk_small: dict[str, float]
    cjk_currencies: dict[str, str]
    bare_currency: dict[str, str]
    bare_stop: re.Pattern[str]
    up_to: re.Pattern[str]
    restatement_gap: re.Pattern[str]


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


def _number_table(table: dict[str, Any], key: str) -> dict[str, float]:
    section = table.get(key, {})
    if not isinstance(section, dict):
        raise RulesError(f"[{key}] must be a table", path=AMOUNTS_FILE)
    return {str(k): float(v) for k, v in section.items()}


def _string_table(table: dict[str, Any], key: str) -> dict[str, str]:
    section = table.get(key, {})
    if not isinstance(section, dict):
        raise RulesError(f"[{key}] must be a table", path=AMOUNTS_FILE)
    return {str(k): str(v) for k, v in section.items()}


@cache
def _vocabulary() -> _Vocabulary:
    table = load_table(AMOUNTS_FILE)
    prefix = _string_table(table, "prefix_currencies")
    suffix = _string_table(table, "suffix_currencies")
    multipliers = _number_table(table, "multipliers")
    glued = _number_table(table, "glued_multipliers")
    cjk_units = _number_table(table, "cjk_units")
    cjk_small = _number_table(table, "cjk_small_units")
    cjk_currencies = _string_table(table, "cjk_currencies")
    bare = table.get("bare_cjk", {})
    bare_currency = {k: str(v) for k, v in bare.items() if isinstance(v, str)}
    bare_stop_words = string_list(bare, "not_followed_by", path=AMOUNTS_FILE)
    qualifiers = table.get("qualifiers", {})
    up_to_words = string_list(qualifiers, "up_to", path=AMOUNTS_FILE)
    restatement = table.get("restatement", {})
    openers = string_list(restatement, "openers", path=AMOUNTS_FILE)
    fillers = string_list(restatement, "fillers", path=AMOUNTS_FILE)

    pre = rf"(?<![A-Za-z])(?P<pre>{_alternation(list(prefix))})"
    words, letters = _alternation(list(multipliers)), "".join(glued)
    mult = rf"(?:\s?-?(?P<mW>{words})(?![A-Za-z])|(?P<mG>[{letters}])(?![A-Za-z]))"
    mult2 = rf"(?:\s?-?(?P<mW2>{words})(?![A-Za-z])|(?P<mG2>[{letters}])(?![A-Za-z]))"
    post = rf"(?P<post>{_alternation(list(suffix))})(?![A-Za-z])"
    second = rf"(?:\s?(?:-|–|to)\s?(?:{_alternation(list(prefix))})?\s?(?P<n2>{_NUMBER}){mult2})"
    western = re.compile(rf"{pre}\s?(?P<n1>{_NUMBER}){mult}?{second}?(?:\s(?:of\s)?{post})?")
    suffix_only = re.compile(
        rf"(?<![\w$€£¥₩₹.,])(?P<n1>{_NUMBER})(?:\s?-?(?P<mW>{_alternation(list(multipliers))})(?![A-Za-z]))?"
        rf"(?:\s?(?:-|–|to)\s?(?P<n2>{_NUMBER})\s?-?(?P<mW2>{_alternation(list(multipliers))})(?![A-Za-z]))?"
        rf"\s{post}"
    )
    number_words = {word: value for word, value in _number_table(table, "number_words").items()}
    big = [word for word, scale in multipliers.items() if scale >= 1e6 and word.isalpha()]
    worded = (
        re.compile(
            rf"(?<![\w-])(?P<w>{_alternation(list(number_words))})\s(?P<mW>{_alternation(big)})(?![A-Za-z])"
            rf"\s(?:of\s)?{post}"
        )
        if number_words and big
        else None
    )
    units = "".join(cjk_units)
    small = "".join(cjk_small)
    cjk_figure = (
        # "1천347억": a small unit may lead straight into the next digits of the same group
        rf"(?:{_CJK_NUMBER})\s?(?:[{small}](?=\s?\d)|[{small}]?\s?[{units}])"
        rf"(?:\s?(?:{_CJK_NUMBER})\s?[{small}]?\s?[{units}]?)*"
        rf"|(?:{_CJK_NUMBER})\s?[{small}]?"
    )
    cjk = re.compile(
        rf"(?<![\d.,])(?P<f1>{cjk_figure})(?:\s?[~〜～\-–]\s?(?P<f2>{cjk_figure}))?"
        rf"(?:\s?(?P<cur>{_alternation(list(cjk_currencies))}))?"
    )
    gap = (
        rf"^\s*(?:[{''.join(re.escape(o) for o in openers)}]|,?\s*or\b|,\s*)"
        rf"\s*(?:(?:{_alternation(fillers)})\s*)*$"
    )
    return _Vocabulary(
        western=western,
        suffix_only=suffix_only,
        worded=worded,
        number_words=number_words,
        cjk=cjk,
        prefix_currencies=prefix,
        suffix_currencies=suffix,
        multipliers=multipliers,
        glued=glued,
        cjk_units=cjk_units,
        cjk_small=cjk_small,
        cjk_currencies=cjk_currencies,
        bare_currency=bare_currency,
        bare_stop=re.compile(rf"\s?(?:{_alternation(bare_stop_words)})"),
        up_to=re.compile(rf"(?:{_alternation(up_to_words)})\s*$", re.IGNORECASE),
        restatement_gap=re.compile(gap, re.IGNORECASE),
    )


def find_amounts(text: str, start: int = 0, end: int | None = None, *, language: str = "en") -> list[Amount]:
    """Money figures in ``text[start:end]``, first-stated currency only, in order.

    ``text`` should already be width-folded (``textforms.fold_width``); offsets
    are into ``text``.
    """
    vocab = _vocabulary()
    stop = len(text) if end is None else end
    found: list[Amount] = []
    if vocab.worded is not None and _BIG_WORD.search(text, start, stop):
        for match in vocab.worded.finditer(text, start, stop):  # "ten billion euros"
            value = vocab.number_words[match.group("w")] * vocab.multipliers[match.group("mW")]
            currency = vocab.suffix_currencies[match.group("post")]
            found.append(Amount(value=value, currency=currency, start=match.start(), end=match.end()))
    if not _DIGIT.search(text, start, stop):
        return [_with_ceiling(vocab, text, figure, start) for figure in found]
    for match in vocab.western.finditer(text, start, stop):
        if (figure := _western_amount(vocab, match, prefixed=True)) is not None:
            found.append(figure)
    for match in vocab.suffix_only.finditer(text, start, stop):
        if (figure := _western_amount(vocab, match, prefixed=False)) is not None:
            found.append(figure)
    for match in vocab.cjk.finditer(text, start, stop):
        if (figure := _cjk_amount(vocab, text, match, language, stop)) is not None:
            found.append(figure)
    found = _drop_overlaps(found)
    found = [_with_ceiling(vocab, text, figure, start) for figure in found]
    return _drop_restatements(vocab, text, found)


def _western_amount(vocab: _Vocabulary, match: re.Match[str], *, prefixed: bool) -> Amount | None:
    groups = match.groupdict()
    currency = None
    if prefixed:
        currency = vocab.prefix_currencies[groups["pre"]]
    if groups.get("post"):
        named = vocab.suffix_currencies[groups["post"]]
        # "$2 billion CAD": a bare dollar sign takes the code written after the figure
        currency = named if currency is None or groups.get("pre") == "$" else currency
    if currency is None:
        return None
    scale_1 = _scale(vocab, groups.get("mW"), groups.get("mG"))
    scale_2 = _scale(vocab, groups.get("mW2"), groups.get("mG2"))
    first = _number(groups["n1"])
    value = first * (scale_1 or scale_2 or 1.0)
    if groups.get("n2"):
        value = max(value, _number(groups["n2"]) * (scale_2 or scale_1 or 1.0))
    if not prefixed and not (scale_1 or scale_2) and ("," not in groups["n1"] or value < 10000):
        return None  # "in 2019 won" in prose, not money
    return Amount(value=value, currency=currency, start=match.start(), end=match.end())


def _number(written: str) -> float:
    """A western figure as a float: "1,950,000" and "42-point-one" included."""
    whole, _, spelled = written.replace(",", "").partition("-point-")
    if not spelled or spelled.isdigit():
        return float(whole + "." + spelled if spelled else whole)
    return float(whole + "." + "".join(str(_DIGIT_WORDS.index(word)) for word in spelled.split("-")))


def _scale(vocab: _Vocabulary, word: str | None, glued: str | None) -> float | None:
    if word:
        return vocab.multipliers[word]
    if glued:
        return vocab.glued[glued]
    return None


def _cjk_amount(
    vocab: _Vocabulary, text: str, match: re.Match[str], language: str, stop: int
) -> Amount | None:
    figure = match.group("f1")
    currency_word = match.group("cur")
    has_unit = any(unit in figure for unit in vocab.cjk_units)
    if currency_word:
        currency = vocab.cjk_currencies[currency_word]
    elif language in vocab.bare_currency and has_unit and figure.rstrip()[-1] in "조억":
        if vocab.bare_stop.match(text, match.end(), stop):
            return None
        currency = vocab.bare_currency[language]
    else:
        return None
    value = _cjk_value(vocab, figure)
    if match.group("f2"):
        high = _cjk_value(vocab, match.group("f2"))
        if not any(unit in figure for unit in vocab.cjk_units) and high:
            # "1~2조원": the unit on the second figure applies to the first
            value = max(value, high)
        value = max(value, high)
    if value <= 0:
        return None
    return Amount(value=value, currency=currency, start=match.start(), end=match.end())


def _cjk_value(vocab: _Vocabulary, figure: str) -> float:
    """ "19억7천8백만" is 19 × 10^8 + (7천 + 8백) × 10^4: small units add up until a big unit applies."""
    total = group = 0.0
    for number, small, unit in _CJK_PART.findall(figure):
        group += float(number.replace(",", "")) * (vocab.cjk_small[small] if small else 1.0)
        if unit:
            total += group * vocab.cjk_units[unit]
            group = 0.0
    return total + group


def _drop_overlaps(found: list[Amount]) -> list[Amount]:
    kept: list[Amount] = []
    for figure in sorted(found, key=lambda a: (a.start, -(a.end - a.start))):
        if kept and figure.start < kept[-1].end:
            continue
        kept.append(figure)
    return kept


def _with_ceiling(vocab: _Vocabulary, text: str, figure: Amount, floor: int) -> Amount:
    before = text[max(floor, figure.start - 16) : figure.start]
    after = text[figure.end : figure.end + 6]
    if vocab.up_to.search(before) or after.lstrip("をの").startswith("上限"):
        return Amount(figure.value, figure.currency, figure.start, figure.end, up_to=True)
    return figure


def _drop_restatements(vocab: _Vocabulary, text: str, found: list[Amount]) -> list[Amount]:
    kept: list[Amount] = []
    previous: Amount | None = None
    for figure in found:
        restates = (
            previous is not None
            and figure.start - previous.end <= 24
            and figure.currency != previous.currency
            and vocab.restatement_gap.match(text[previous.end : figure.start]) is not None
        )
        if not restates:
            kept.append(figure)
        previous = figure
    return kept
