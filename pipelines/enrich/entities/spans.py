"""Per-language span rules applied to model mentions before they are merged (see ``combine``).

What a downstream user must be able to trust: a PERSON span is the name, not the name plus a title; an ORG span
ends where the organisation's name ends; a span the model built out of two places is the two places. The rules:

* **Titles** (:data:`TITLES`): leading honorifics and offices are cut from PERSON spans (``श्री पुतिन`` →
  ``पुतिन``, ``President Putin`` → ``Putin``), trailing honorifics too (Hindi ``गांधी जी``). A span that is
  nothing but a title is dropped. HiNER puts ``श्री`` inside its PERSON spans; presspipe does not, so that
  ``normalized`` (the fullest form in the document) is a name a reader can link.
* **Organisation heads** (:func:`organisation_heads`: the generic nouns of :data:`ORGANISATION_NOUNS`, ``संस्थान``,
  ``परिषद``, ``University``, and the heads ``training/lexicon.py`` learns from the training corpora): a model
  LOC or PERSON span ending in one is an ORG (``ISEAS-यूसुफ इशाक संस्थान``, an institute, was tagged LOC); one word
  after the last head of an ORG span is cut when it cannot belong to the name: an oblique-plural common noun in
  Hindi (``… सुरक्षा परिषद प्रतिबंधों``: the sanctions are not part of the Security Council) or a lowercase word in
  a cased script (``Security Council sanctions``), never a gazetteer name.
* **Generic phrases** (:func:`common_words`, learnt from the training split by ``training/lexicon.py``: words that
  occur there mostly outside entities, ``उद्योग`` industry, ``सेवा`` service): a model ORG span whose head (last word)
  is a common word that never ends an organisation in the training data is not an organisation and is dropped
  (``ऑटोमोटिव उद्योग``, "automotive industry"); a model ORG span made of nothing but common words
  (:func:`is_common_phrase`: ``स्वास्थ्य सेवा``, "health care", but also ``केंद्र सरकार``, which HiNER labels ORG)
  stands only if the model's second opinion confirms it (``spacy_backend``). Languages without a learnt list
  (all but Hindi) are left alone.
* **Bilateral bodies** (:func:`bilateral_organisation`): a model span over a hyphen-joined pair of gazetteer places
  (``रूस-वियतनाम``) that the text continues, through at most :data:`BILATERAL_MAXIMUM_WORDS` words that are neither
  function words nor punctuation, to an organisation head (above) is the ORG ``रूस-वियतनाम अंतर-सरकारी समिति``:
  the model reads the first place and stops at the hyphen.
* **Possessives** (English): a trailing ``'s`` / ``’s`` is not part of a name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from types import MappingProxyType

from .errors import EntityConfigError
from .mentions import Mention, is_word_character, spacy_stop_words

#: Titles and honorifics that precede a name, per base language (lowercased; a trailing "." is optional).
TITLES: Mapping[str, frozenset[str]] = MappingProxyType({
    "hi": frozenset({
        "श्री", "श्रीमती", "सुश्री", "श्रीमान", "कुमारी", "डॉ", "डॉक्टर", "प्रो", "प्रोफेसर", "प्रोफ़ेसर", "स्व", "स्वर्गीय",
        "राष्ट्रपति", "उपराष्ट्रपति", "प्रधानमंत्री", "प्रधान मंत्री", "मुख्यमंत्री", "मंत्री", "महासचिव", "राजदूत",
        "जनरल", "कर्नल", "मेजर", "कैप्टन", "न्यायमूर्ति", "सांसद", "विधायक", "महामहिम", "राजा", "रानी", "शेख़", "शेख",
        "मिस्टर", "मिसेज", "सर",
    }),
    "en": frozenset({
        "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "sir", "dame", "lord", "lady", "president",
        "vice president", "prime minister", "chancellor", "minister", "secretary", "senator", "sen", "rep",
        "representative", "governor", "gov", "mayor", "general", "gen", "colonel", "col", "lieutenant", "lt",
        "captain", "capt", "sgt", "sergeant", "judge", "justice", "king", "queen", "prince", "princess", "pope",
        "rev", "reverend", "father", "sister", "brother", "chairman", "ceo",
    }),
    "fr": frozenset({"m", "mme", "mlle", "dr", "me", "président", "présidente", "ministre", "général", "monsieur",
                     "madame", "mademoiselle", "maître"}),
    "ru": frozenset({"г-н", "г-жа", "господин", "госпожа", "президент", "премьер-министр", "министр", "генерал",
                     "доктор", "профессор"}),
})

#: Honorifics that follow a name (``गांधी जी``).
TRAILING_HONORIFICS: Mapping[str, frozenset[str]] = MappingProxyType({"hi": frozenset({"जी", "साहब", "साहिब"})})

#: Hindi oblique-plural endings (``-ों``, ``-ओं``): a noun so inflected after an organisation's head word is what
#: the organisation did or has, not part of its name.
_HINDI_OBLIQUE_PLURAL = re.compile(r"(?:ों|ओं)$")

_WORD = re.compile(r"\S+")
_POSSESSIVE = re.compile(r"['’][sS]$")


def _words(text: str, start: int, end: int) -> list[tuple[int, int]]:
    return [(start + match.start(), start + match.end()) for match in _WORD.finditer(text[start:end])]


def _is_title(word: str, language: str) -> bool:
    return word.lower().rstrip(".") in TITLES.get(language, ())


def strip_titles(text: str, mention: Mention, language: str) -> Mention | None:
    """A PERSON mention without leading titles and trailing honorifics; ``None`` if only titles remain."""
    if mention.label != "PERSON":
        return mention
    words = _words(text, mention.start, mention.end)
    titles = TITLES.get(language, frozenset())
    trailing = TRAILING_HONORIFICS.get(language, frozenset())
    first, last = 0, len(words)
    while first < last:
        word = text[words[first][0]:words[first][1]]
        two = f"{word} {text[words[first + 1][0]:words[first + 1][1]]}" if first + 1 < last else None
        if two is not None and two.lower().rstrip(".") in titles:
            first += 2
        elif _is_title(word, language):
            first += 1
        else:
            break
    while last > first and text[words[last - 1][0]:words[last - 1][1]] in trailing:
        last -= 1
    if first >= last:
        return None
    start, end = words[first][0], words[last - 1][1]
    if language == "en" and (match := _POSSESSIVE.search(text, start, end)) is not None and match.start() > start:
        end = match.start()
    if (start, end) == (mention.start, mention.end):
        return mention
    return Mention(start, end, mention.label, mention.source, mention.kb_id)


#: The generic nouns that name kinds of organisation, per language; the training corpora add the heads they
#: attest (``data/organisation_heads.json``: team and party names, ``कांग्रेस``, ``Records``...).
ORGANISATION_NOUNS: Mapping[str, frozenset[str]] = MappingProxyType({
    "hi": frozenset({"संस्थान", "संस्था", "विश्वविद्यालय", "परिषद", "समिति", "मंत्रालय", "न्यायालय", "अदालत", "बैंक",
                     "पार्टी", "दूतावास", "आयोग", "संगठन", "निगम", "कंपनी", "एजेंसी", "बोर्ड", "विभाग", "प्राधिकरण",
                     "अकादमी", "फाउंडेशन", "फ़ाउंडेशन", "महासंघ", "परिसंघ", "सचिवालय", "कांग्रेस", "केंद्र", "केन्द्र"}),
    "en": frozenset({"Institute", "University", "Council", "Committee", "Ministry", "Court", "Bank", "Party", "Embassy",
                     "Agency", "Commission", "Association", "Union", "Federation", "Foundation", "Corporation",
                     "Company", "Inc", "Inc.", "Ltd", "Ltd.", "Group", "Board", "Department", "Authority", "Academy",
                     "Organisation", "Organization", "Society", "League", "College", "Parliament", "Secretariat",
                     "Centre", "Center"}),
    "fr": frozenset({"Institut", "Université", "Conseil", "Comité", "Ministère", "Cour", "Tribunal", "Banque", "Parti",
                     "Ambassade", "Agence", "Commission", "Association", "Union", "Fédération", "Fondation", "Centre"}),
    "ru": frozenset({"институт", "университет", "совет", "комитет", "министерство", "суд", "банк", "партия",
                     "посольство", "агентство", "комиссия", "ассоциация", "союз", "федерация", "фонд", "центр"}),
})


def _packaged_list(file_name: str, what: str) -> dict:
    """A word list ``training/lexicon.py`` writes into the package's ``data/``: a missing file is a broken install,
    said as such, not a silently weaker rule."""
    path = resources.files(__package__).joinpath("data", file_name)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise EntityConfigError(f"the {what} {path} is missing from the package "
                                "(written by `python -m training.lexicon`)") from error


@lru_cache(maxsize=1)
def _learnt_heads() -> Mapping[str, frozenset[str]]:
    """The heads of ``data/organisation_heads.json``, which ships in the package."""
    data = _packaged_list("organisation_heads.json", "organisation head list")
    return MappingProxyType({language: frozenset(words) for language, words in data["heads"].items()})


@lru_cache(maxsize=64)
def organisation_heads(language: str) -> frozenset[str]:
    """Words that end organisation names in ``language``: :data:`ORGANISATION_NOUNS` and the learnt heads."""
    return ORGANISATION_NOUNS.get(language, frozenset()) | _learnt_heads().get(language, frozenset())


@lru_cache(maxsize=1)
def _common_word_lists() -> Mapping[str, tuple[frozenset[str], frozenset[str]]]:
    """``data/common_words.json`` (written by ``training/lexicon.py``), per language: (common words, those of them
    that end an organisation in the training data)."""
    data = _packaged_list("common_words.json", "common-word list")
    return MappingProxyType({language: (frozenset(lists["common"]), frozenset(lists["ends_organisation"]))
                             for language, lists in data["languages"].items()})


def common_words(language: str) -> frozenset[str]:
    """Words the training data of ``language`` uses mostly outside entities (empty: no list for the language)."""
    lists = _common_word_lists().get(language)
    return lists[0] if lists is not None else frozenset()


def has_generic_head(words: list[str], language: str) -> bool:
    """The last word is a common word that never ends an organisation in the training data (``उद्योग``) and no
    organisation head either: what :func:`organisation_heads` names (``कंपनी``) ends organisations whatever the
    training split happened to hold."""
    lists = _common_word_lists().get(language)
    return (bool(words) and lists is not None and words[-1] in lists[0] and words[-1] not in lists[1]
            and words[-1] not in organisation_heads(language))


def is_common_phrase(words: list[str], language: str) -> bool:
    """Every word is a common word of ``language`` (``स्वास्थ्य सेवा``): a reading of such a span as an
    organisation needs more than the greedy model's word for it."""
    common = common_words(language)
    return bool(words) and bool(common) and all(word in common for word in words)


def is_generic_organisation(text: str, mention: Mention, language: str) -> bool:
    """A model ORG mention whose head is a common word that never ends an organisation: not an organisation."""
    if mention.label != "ORG":
        return False
    words = [text[start:end] for start, end in _words(text, mention.start, mention.end)]
    return has_generic_head(words, language)


def _cannot_continue_a_name(word: str, language: str) -> bool:
    if language == "hi":
        return _HINDI_OBLIQUE_PLURAL.search(word) is not None
    first_letter = next((character for character in word if character.isalpha()), "")
    return bool(first_letter) and first_letter.islower()


def fix_organisation_span(text: str, mention: Mention, language: str, places: frozenset[tuple[int, int]]) -> Mention:
    """Organisation-head rules (module docstring): relabel a LOC/PERSON ending in a head; cut one trailing word
    after an ORG's last head. ``places`` are the gazetteer's spans, which are never cut off."""
    heads = organisation_heads(language)
    if not heads:
        return mention
    words = _words(text, mention.start, mention.end)
    if not words:
        return mention
    last_word = text[words[-1][0]:words[-1][1]]
    if mention.label in ("LOC", "PERSON") and last_word in heads and len(words) > 1:
        return Mention(mention.start, mention.end, "ORG", mention.source, mention.kb_id)
    if mention.label == "ORG" and len(words) >= 3:
        before_last = text[words[-2][0]:words[-2][1]]
        if (before_last in heads and last_word not in heads and words[-1] not in places
                and _cannot_continue_a_name(last_word, language)):
            return Mention(mention.start, words[-2][1], mention.label, mention.source, mention.kb_id)
    return mention


#: Most words between a bilateral pair of places (``रूस-वियतनाम``) and the organisation head that ends the body's name.
BILATERAL_MAXIMUM_WORDS = 2

#: Hyphen-minus, hyphen and non-breaking hyphen: what joins the two places of a bilateral name.
_HYPHENS = frozenset("-\u2010\u2011")


def _word_core(word: str) -> str:
    """The word up to its first character that is neither a word character nor an inner hyphen (``समिति,`` →
    ``समिति``)."""
    for index, character in enumerate(word):
        if not (is_word_character(character) or (character in _HYPHENS and 0 < index < len(word) - 1)):
            return word[:index]
    return word


def bilateral_organisation(text: str, mention: Mention, places: list[Mention], language: str) -> Mention | None:
    """The ORG a model mention stands in for when it overlaps a hyphen-joined pair of places (``रूस-वियतनाम``)
    that the text continues to an organisation head within :data:`BILATERAL_MAXIMUM_WORDS` words, none of them a
    function word (spaCy's stop words) or cut by punctuation (``रूस-वियतनाम अंतर-सरकारी समिति``); else ``None``.

    A pair followed by anything else (``भारत-पाकिस्तान सीमा``, a border; ``रूस-यूक्रेन युद्ध``, a war) is left
    alone: the organisation head is what makes the phrase a body."""
    heads = organisation_heads(language)
    if not heads or not places:
        return None
    function_words = spacy_stop_words(language)
    starting_at: dict[int, Mention] = {}
    for place in places:
        if place.start not in starting_at or place.length > starting_at[place.start].length:
            starting_at[place.start] = place
    for first in places:
        if first.end >= len(text) or text[first.end] not in _HYPHENS:
            continue
        second = starting_at.get(first.end + 1)
        if second is None or not (mention.start < second.end and first.start < mention.end):
            continue
        if second.end >= len(text) or not text[second.end].isspace():
            continue
        for index, (start, end) in enumerate(_words(text, second.end, min(len(text), second.end + 400))):
            if index > BILATERAL_MAXIMUM_WORDS:
                break
            word = text[start:end]
            core = _word_core(word)
            if core in heads:
                return Mention(first.start, start + len(core), "ORG", mention.source, None)
            if core != word or not core or core.lower() in function_words:
                break
    return None


def split_into_places(mention: Mention, places: list[Mention], text: str) -> list[Mention] | None:
    """The gazetteer places a model span consists of, if it is nothing but two or more of them separated by
    whitespace or punctuation (``वियतनाम रूसी संघ`` tagged ORG is Vietnam and the Russian Federation); else None."""
    inside = sorted((place for place in places if mention.start <= place.start and place.end <= mention.end),
                    key=lambda place: (place.start, -place.length))
    chosen: list[Mention] = []
    cursor = mention.start
    for place in inside:
        if place.start < cursor:
            continue
        if any(character.isalnum() for character in text[cursor:place.start]):
            return None
        chosen.append(place)
        cursor = place.end
    if len(chosen) < 2 or any(character.isalnum() for character in text[cursor:mention.end]):
        return None
    return chosen
