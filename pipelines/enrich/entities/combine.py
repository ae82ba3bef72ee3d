"""Merge model and gazetteer mentions into a document's entities, then propagate within the document.

Contract of :func:`combine` (pure):

* output spans are sorted, non-overlapping, and ``text[start:end] == entity.text``;
* model spans first go through the per-language rules of :mod:`.spans` (a span over a bilateral pair of places that
  runs on to an organisation head becomes that body, titles cut from persons, organisation head words, a span made
  of two or more gazetteer places replaced by them, ORG spans with a generic head dropped);
* a model PERSON span that begins or ends with a gazetteer place (not a GeoNames city: ``Владимир``) is cut
  at the place (a one-word remainder is dropped); a model LOC span that begins with one and runs on past it
  (``रूस उष्णकटिबंधीय``) is that place (HiNER dev: +0.0004 F1);
* overlaps: the longest span wins; on an exact tie of span, the gazetteer wins when it says LOC (except a
  GeoNames city against a model PERSON or ORG: ``Charlotte``) or the name comes from a user list (watch-lists are explicit), otherwise the model's label stands and
  takes the gazetteer's ``kb_id`` if both agree on the label;
* letter-name acronyms (:mod:`.acronyms`, ``source="acronym"``): on a tie the model or gazetteer
  mention of the same span keeps its label (``वीवीएस`` can be a person's initials); a longer model
  ORG span containing an acronym gives way to it (``एपीईसी शिखर सम्मेलन`` → ``एपीईसी``: HiNER labels
  a summit named after an organisation as one ORG, but the organisation is the entity a reader
  links; measured F1-neutral on HiNER, see ``training/hindi_ner.py``); other longer spans win;
* propagation (``source="propagation"``): (a) every further whole-word occurrence of a found entity
  string that no entity covers gets the same label, ``normalized`` and ``kb_id``; (b) the last word
  of a multi-word PERSON (``पुतिन`` of ``व्लादिमीर पुतिन``, ``ट्रोंग`` of ``गुयेन फू ट्रोंग`` —
  the word by which both Russian and Vietnamese names are shortened), and the first word of a name of
  three or more words (``किम`` of ``किम जोंग उन``: East Asian family names come first), is the same
  person wherever it stands alone, unless two different persons of the document share that word; a
  model mention of that word with another label is relabelled PERSON (one sense per document);
* ``normalized`` is the longest form of the entity in the document, NFC, whitespace collapsed: a
  mention equal to a longer entity's last word, or to an entity string found elsewhere, shares it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from presspipe.schemas.records import Entity

from .gazetteer import CITY_KB_PREFIX
from .spans import (bilateral_organisation, fix_organisation_span, is_generic_organisation, split_into_places,
                    strip_titles)
from .mentions import SOURCE_MODEL, SOURCE_PROPAGATION, SOURCE_USER_LIST, Mention, is_word_character, on_word_boundaries

#: Shortest alias (in letters and marks) that propagation will look for on its own.
MINIMUM_ALIAS_CHARACTERS = 3


def normalize_surface(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _is_weak_place(mention: Mention) -> bool:
    """A GeoNames city: many are also people's names or words, so they never overrule the model."""
    return mention.kb_id is not None and mention.kb_id.startswith(CITY_KB_PREFIX)


def _wins_tie(candidate: Mention, incumbent: Mention) -> bool:
    """For two mentions of the same span: does ``candidate`` replace ``incumbent``?"""
    candidate_is_model = candidate.source == SOURCE_MODEL
    incumbent_is_model = incumbent.source == SOURCE_MODEL
    if candidate_is_model == incumbent_is_model:
        return False
    gazetteer, model = (incumbent, candidate) if candidate_is_model else (candidate, incumbent)
    # A GeoNames city (``Charlotte``, ``Victoria``, ``Jackson``) is too often also a person's name to overrule the
    # model, which read the context; countries, regions and CLDR cities are not.
    weak_place = _is_weak_place(gazetteer) and model.label != "LOC"
    gazetteer_wins = (gazetteer.label == "LOC" and not weak_place) or gazetteer.source == SOURCE_USER_LIST
    return (gazetteer is candidate) == gazetteer_wins


def resolve_overlaps(mentions: Iterable[Mention]) -> list[Mention]:
    """Longest first, then leftmost; ties on the same span follow :func:`_wins_tie`."""
    by_span: dict[tuple[int, int], Mention] = {}
    kb_for_span: dict[tuple[int, int, str], str] = {}
    for mention in mentions:
        if mention.end <= mention.start:
            continue
        span = (mention.start, mention.end)
        if mention.kb_id is not None:
            kb_for_span.setdefault((mention.start, mention.end, mention.label), mention.kb_id)
        incumbent = by_span.get(span)
        if incumbent is None or _wins_tie(mention, incumbent):
            by_span[span] = mention
    chosen: list[Mention] = []
    taken = bytearray()
    for mention in sorted(by_span.values(), key=lambda m: (-m.length, m.start)):
        if len(taken) < mention.end:
            taken.extend(b"\0" * (mention.end - len(taken)))
        if any(taken[mention.start:mention.end]):
            continue
        taken[mention.start:mention.end] = b"\1" * mention.length
        if mention.kb_id is None and (key := (mention.start, mention.end, mention.label)) in kb_for_span:
            mention = Mention(mention.start, mention.end, mention.label, mention.source, kb_for_span[key])
        chosen.append(mention)
    chosen.sort(key=lambda m: m.start)
    return chosen


@dataclass(frozen=True)
class _Identity:
    label: str
    normalized: str
    kb_id: str | None


def _alias_characters(word: str) -> int:
    return sum(1 for character in word if unicodedata.category(character)[0] in "LM")


def _alias_words(surface: str) -> list[str]:
    """The words a person's name is shortened to: the last word of a name of two or more words (``पुतिन``), and
    the first word of a name of three or more, where East Asian names put the family name (``किम`` of
    ``किम जोंग उन``); words shorter than :data:`MINIMUM_ALIAS_CHARACTERS` never stand alone."""
    words = [word for word in re.split(r"\s+", surface) if word]
    candidates = ([words[-1]] if len(words) >= 2 else []) + ([words[0]] if len(words) >= 3 else [])
    return [word for word in candidates if _alias_characters(word) >= MINIMUM_ALIAS_CHARACTERS]


def _identities(text: str, mentions: list[Mention]) -> tuple[dict[str, _Identity], dict[str, _Identity]]:
    """Surface string → identity, and PERSON last word → identity (ambiguous last words dropped)."""
    surfaces: dict[str, _Identity] = {}
    for mention in sorted(mentions, key=lambda m: -m.length):
        surface = normalize_surface(text[mention.start:mention.end])
        surfaces.setdefault(surface, _Identity(mention.label, surface, mention.kb_id))
    aliases: dict[str, _Identity] = {}
    ambiguous: set[str] = set()
    for surface, identity in surfaces.items():
        if identity.label != "PERSON":
            continue
        for alias in _alias_words(surface):
            if alias in ambiguous:
                continue
            known = aliases.get(alias)
            if known is None:
                aliases[alias] = identity
            elif not (known.normalized in surface or surface in known.normalized):
                ambiguous.add(alias)
                del aliases[alias]
    surfaces.update(aliases)  # a person's last word means that person throughout the document
    return surfaces, aliases


def _relabel_person_alias(text: str, mention: Mention, aliases: dict[str, _Identity]) -> Mention:
    """A model mention spelled like a known person's last word is that person (one sense per
    document): the model calling a later ``पुतिन`` a place after ``व्लादिमीर पुतिन`` is overruled.
    Gazetteer and user-list mentions keep their label."""
    if mention.source != SOURCE_MODEL or mention.label == "PERSON":
        return mention
    identity = aliases.get(normalize_surface(text[mention.start:mention.end]))
    if identity is None:
        return mention
    return Mention(mention.start, mention.end, "PERSON", SOURCE_PROPAGATION, identity.kb_id)


def _occurrences(text: str, needle: str) -> Iterable[tuple[int, int]]:
    start = text.find(needle)
    while start != -1:
        end = start + len(needle)
        if on_word_boundaries(text, start, end):
            yield start, end
        start = text.find(needle, start + 1)


def _is_edge_junk(character: str) -> bool:
    # whitespace, punctuation (``रूस-``, quotes) and separators never start or end a name
    return unicodedata.category(character)[0] in "PZC" or character.isspace()


def _trimmed(text: str, mention: Mention) -> Mention | None:
    """The mention without surrounding whitespace or punctuation; ``None`` if it holds no letter."""
    start, end = max(mention.start, 0), min(mention.end, len(text))
    while start < end and _is_edge_junk(text[start]):
        start += 1
    while end > start and _is_edge_junk(text[end - 1]):
        end -= 1
    if not any(unicodedata.category(character)[0] == "L" for character in text[start:end]):
        return None
    if (start, end) == (mention.start, mention.end):
        return mention
    return Mention(start, end, mention.label, mention.source, mention.kb_id)


def _split_person_from_places(text: str, model: list[Mention], gazetteer: list[Mention]) -> list[Mention]:
    """A model PERSON span that begins or ends with a gazetteer place is cut before/after the place.

    A small model often runs a name on into the next word (``अखिलेश यादव हनोई पहुंचे``); a person's
    name ending in a country or city name is much rarer in news than a name followed by one.
    ORG spans are left alone: organisations often contain places (``दिल्ली विश्वविद्यालय``).
    A cut that leaves a single word is dropped: a model that read ``प्योंगयांग आर्थिक`` ("Pyongyang economic")
    as one person was not reading a name, and the word left over (``आर्थिक``) is not one either (a real name
    found elsewhere in the document comes back through propagation).
    """
    # GeoNames cities are too often also given names (Владимир, Victoria) to cut a person's name.
    places = [m for m in gazetteer if m.label == "LOC" and not _is_weak_place(m)]
    result = []
    for mention in model:
        if mention.label == "PERSON":
            cut = False
            for place in places:
                if place.start == mention.start and place.end < mention.end:
                    mention = Mention(place.end, mention.end, mention.label, mention.source, mention.kb_id)
                    cut = True
                elif place.end == mention.end and place.start > mention.start:
                    mention = Mention(mention.start, place.start, mention.label, mention.source, mention.kb_id)
                    cut = True
            if cut and len(text[mention.start:mention.end].split()) < 2:
                continue
        elif mention.label == "LOC":
            # A place the model ran on into the next word (``रूस उष्णकटिबंधीय``, "Russia tropical") is the place.
            leading = [place for place in places if place.start == mention.start and place.end < mention.end]
            if leading:
                mention = max(leading, key=lambda place: place.length)
        result.append(mention)
    return result


def _apply_span_rules(text: str, model: list[Mention], gazetteer: list[Mention], language: str) -> list[Mention]:
    """The per-language rules of :mod:`.spans` on model mentions: bilateral bodies, titles off, organisation heads,
    place lists, generic heads."""
    places = [mention for mention in gazetteer if mention.label == "LOC"]
    place_spans = frozenset((place.start, place.end) for place in places)
    result = []
    for mention in model:
        trimmed = _trimmed(text, mention)
        if trimmed is None:
            continue
        bilateral = bilateral_organisation(text, trimmed, places, language)
        if bilateral is not None:
            result.append(bilateral)
            continue
        mention = strip_titles(text, trimmed, language)
        if mention is None:
            continue
        if mention.label != "PERSON" and split_into_places(mention, places, text) is not None:
            continue  # the gazetteer's places stand instead
        mention = fix_organisation_span(text, mention, language, place_spans)
        if is_generic_organisation(text, mention, language):
            continue  # a generic phrase (``ऑटोमोटिव उद्योग``), not an organisation
        result.append(mention)
    return result


def _without_org_spans_around_acronyms(text: str, model: list[Mention], acronyms: list[Mention]) -> list[Mention]:
    """Model ORG mentions strictly containing a letter-name acronym are dropped (the acronym stands instead).

    Latin acronyms in a text of another script (``ISEAS`` of ``ISEAS-यूसुफ इशाक संस्थान``) only fill gaps: there
    the model's longer span is the organisation's full name, not a summit named after it."""
    acronyms = [acronym for acronym in acronyms if not text[acronym.start:acronym.end].isascii()]
    if not acronyms:
        return model
    return [mention for mention in model
            if mention.label != "ORG" or not any(
                mention.start <= acronym.start and acronym.end <= mention.end and mention.length > acronym.length
                for acronym in acronyms)]


def combine(text: str, model: Iterable[Mention], gazetteer: Iterable[Mention], propagate: bool = True,
            acronyms: Iterable[Mention] = (), language: str = "") -> tuple[Entity, ...]:
    """The document's entities from the backends; see the module docstring for the rules. ``language`` (base
    code) selects the span rules of :mod:`.spans`; an unknown or empty one applies none of them."""
    gazetteer = list(gazetteer)
    acronyms = list(acronyms)
    model = _apply_span_rules(text, list(model), gazetteer, language)
    model = _without_org_spans_around_acronyms(text, _split_person_from_places(text, model, gazetteer), acronyms)
    # Acronyms come last: on an exact tie the incumbent (model or gazetteer) keeps the span.
    candidates = (_trimmed(text, mention) for mention in [*model, *gazetteer, *acronyms])
    chosen = resolve_overlaps([mention for mention in candidates if mention is not None])
    surfaces, aliases = _identities(text, chosen)
    if propagate:
        chosen = [_relabel_person_alias(text, mention, aliases) for mention in chosen]
    propagated: list[Mention] = []
    if propagate:
        covered = bytearray(len(text))
        for mention in chosen:
            covered[mention.start:mention.end] = b"\1" * mention.length
        needles: list[tuple[str, _Identity]] = list(surfaces.items())
        found: list[Mention] = []
        for needle, identity in needles:
            for start, end in _occurrences(text, needle):
                found.append(Mention(start, end, identity.label, SOURCE_PROPAGATION, identity.kb_id))
        for mention in sorted(found, key=lambda m: (-m.length, m.start)):
            if any(covered[mention.start:mention.end]):
                continue
            covered[mention.start:mention.end] = b"\1" * mention.length
            propagated.append(mention)

    entities = []
    for mention in sorted([*chosen, *propagated], key=lambda m: m.start):
        surface = normalize_surface(text[mention.start:mention.end])
        identity = surfaces.get(surface)
        if mention.label == "PERSON" and surface in aliases:
            identity = aliases[surface]
        normalized = identity.normalized if identity is not None and identity.label == mention.label else surface
        kb_id = mention.kb_id if mention.kb_id is not None else (identity.kb_id if identity and identity.label == mention.label else None)
        entities.append(Entity(
            text=text[mention.start:mention.end],
            label=mention.label,
            start=mention.start,
            end=mention.end,
            normalized=normalized,
            kb_id=kb_id,
            source=mention.source,
        ))
    return tuple(entities)


__all__ = ["combine", "resolve_overlaps", "normalize_surface", "is_word_character"]
