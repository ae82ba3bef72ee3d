"""Per-language span rules (spans.py) and how the combiner applies them; expected spans written by hand."""

from __future__ import annotations

import pytest

from presspipe.pipelines.enrich.entities.acronyms import find_latin_acronyms
from presspipe.pipelines.enrich.entities.combine import combine
from presspipe.pipelines.enrich.entities.mentions import Mention
from presspipe.pipelines.enrich.entities.spans import fix_organisation_span, split_into_places, strip_titles


def at(text: str, needle: str, label: str, source: str = "model", kb_id: str | None = None, occurrence: int = 0):
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(needle, start + 1)
    return Mention(start, start + len(needle), label, source, kb_id)


def surface(text: str, mention: Mention | None) -> str | None:
    return None if mention is None else text[mention.start:mention.end]


def test_titles_are_cut_from_persons_per_language():
    hindi = "तब श्री पुतिन और राष्ट्रपति व्लादिमीर पुतिन आए, गांधी जी भी"
    assert surface(hindi, strip_titles(hindi, at(hindi, "श्री पुतिन", "PERSON"), "hi")) == "पुतिन"
    assert surface(hindi, strip_titles(hindi, at(hindi, "राष्ट्रपति व्लादिमीर पुतिन", "PERSON"), "hi")) == "व्लादिमीर पुतिन"
    assert surface(hindi, strip_titles(hindi, at(hindi, "गांधी जी", "PERSON"), "hi")) == "गांधी"
    assert strip_titles(hindi, at(hindi, "श्री", "PERSON"), "hi") is None  # a title alone is no name
    english = "Prime Minister Narendra Modi met Mr. Putin; Putin's aide"
    assert surface(english, strip_titles(english, at(english, "Prime Minister Narendra Modi", "PERSON"), "en")) == "Narendra Modi"
    assert surface(english, strip_titles(english, at(english, "Mr. Putin", "PERSON"), "en")) == "Putin"
    assert surface(english, strip_titles(english, at(english, "Putin's", "PERSON"), "en")) == "Putin"
    # other labels and other languages' titles are left alone
    assert surface(english, strip_titles(english, at(english, "Mr. Putin", "ORG"), "en")) == "Mr. Putin"
    assert surface(hindi, strip_titles(hindi, at(hindi, "श्री पुतिन", "PERSON"), "en")) == "श्री पुतिन"


def test_organisation_heads_relabel_and_trim():
    text = "सिंगापुर के ISEAS-यूसुफ इशाक संस्थान और संयुक्त राष्ट्र सुरक्षा परिषद प्रतिबंधों का"
    institute = fix_organisation_span(text, at(text, "ISEAS-यूसुफ इशाक संस्थान", "LOC"), "hi", frozenset())
    assert (surface(text, institute), institute.label) == ("ISEAS-यूसुफ इशाक संस्थान", "ORG")
    council = fix_organisation_span(text, at(text, "संयुक्त राष्ट्र सुरक्षा परिषद प्रतिबंधों", "ORG"), "hi", frozenset())
    assert surface(text, council) == "संयुक्त राष्ट्र सुरक्षा परिषद"
    english = "the Security Council sanctions and the Bank of America"
    trimmed = fix_organisation_span(english, at(english, "the Security Council sanctions", "ORG"), "en", frozenset())
    assert surface(english, trimmed) == "the Security Council"
    kept = fix_organisation_span(english, at(english, "Bank of America", "ORG"), "en", frozenset())
    assert surface(english, kept) == "Bank of America"


@pytest.mark.parametrize(("language", "text", "model_text", "organisation"), [
    ("hi", "कल भारत-नेपाल जल अनुसंधान केंद्र ने बताया", "भारत-नेपाल जल अनुसंधान केंद्र", "भारत-नेपाल जल अनुसंधान केंद्र"),
    ("hi", "तटीय अध्ययन केन्द्र के निदेशक", "तटीय अध्ययन केन्द्र", "तटीय अध्ययन केन्द्र"),
    ("en", "the Harbour Research Centre said", "Harbour Research Centre", "Harbour Research Centre"),
    ("en", "at the Lakeside Cancer Center today", "Lakeside Cancer Center", "Lakeside Cancer Center"),
    ("ru", "Ботанический центр Приморья сообщил", "Ботанический центр", "Ботанический центр"),
])
def test_a_centre_is_a_kind_of_organisation_in_every_language(language, text, model_text, organisation):
    """"Centre" names a kind of body (research centres, cancer centres) like "institute" does; a model that reads
    one as a place is corrected to ORG by its head (the rule reads a name's last word: head-initial French names such
    as "Centre d'études …" are not relabelled by it, as "Institut …" is not)."""
    fixed = fix_organisation_span(text, at(text, model_text, "LOC"), language, frozenset())
    assert (surface(text, fixed), fixed.label) == (organisation, "ORG")


def test_a_model_span_made_of_places_is_the_places():
    text = "कि वियतनाम रूसी संघ के साथ"
    model = at(text, "वियतनाम रूसी संघ", "ORG")
    places = [at(text, "वियतनाम", "LOC", "gazetteer", "iso3166:VN"), at(text, "रूसी संघ", "LOC", "gazetteer", "iso3166:RU")]
    assert [surface(text, place) for place in split_into_places(model, places, text)] == ["वियतनाम", "रूसी संघ"]
    entities = combine(text, [model], places, language="hi")
    assert [(e.text, e.label, e.kb_id) for e in entities] == [("वियतनाम", "LOC", "iso3166:VN"), ("रूसी संघ", "LOC", "iso3166:RU")]
    other = "दिल्ली विश्वविद्यालय में"
    assert split_into_places(at(other, "दिल्ली विश्वविद्यालय", "ORG"), [at(other, "दिल्ली", "LOC", "gazetteer")], other) is None


def test_a_person_cut_to_one_word_by_a_place_is_dropped():
    text = "जिसमें प्योंगयांग आर्थिक सहायता"
    person = at(text, "प्योंगयांग आर्थिक", "PERSON")
    place = at(text, "प्योंगयांग", "LOC", "gazetteer", "tz:Asia/Pyongyang")
    assert [(e.text, e.label) for e in combine(text, [person], [place], language="hi")] == [("प्योंगयांग", "LOC")]


def test_geonames_cities_never_overrule_or_cut_a_model_person():
    text = "Президент Владимир Путин прибыл. Charlotte said."
    putin = at(text, "Владимир Путин", "PERSON")
    vladimir = at(text, "Владимир", "LOC", "gazetteer", "geonames:473247")
    charlotte_person = at(text, "Charlotte", "PERSON")
    charlotte_city = at(text, "Charlotte", "LOC", "gazetteer", "geonames:4460243")
    entities = combine(text, [putin, charlotte_person], [vladimir, charlotte_city], language="ru")
    assert [(e.text, e.label) for e in entities][:2] == [("Владимир Путин", "PERSON"), ("Charlotte", "PERSON")]
    country = at(text, "Charlotte", "LOC", "gazetteer", "iso3166:XX")  # a country's name still wins its tie
    assert [(e.text, e.label) for e in combine(text, [charlotte_person], [country])] == [("Charlotte", "LOC")]


def test_latin_acronyms_in_a_text_of_another_script_fill_gaps_only():
    text = "14वीं APEC आर्थिक बैठक, ISEAS-यूसुफ इशाक संस्थान, G20"
    assert [text[m.start:m.end] for m in find_latin_acronyms(text)] == ["APEC", "ISEAS"]
    institute = at(text, "ISEAS-यूसुफ इशाक संस्थान", "ORG")
    entities = combine(text, [institute], [], acronyms=find_latin_acronyms(text), language="hi")
    assert [(e.text, e.label) for e in entities] == [("APEC", "ORG"), ("ISEAS-यूसुफ इशाक संस्थान", "ORG")]


def test_the_first_word_of_a_three_word_name_is_an_alias_unless_shared():
    text = "किम जोंग उन ने कहा। बाद में किम ने दोहराया।"
    entities = combine(text, [at(text, "किम जोंग उन", "PERSON")], [], language="hi")
    assert [(e.text, e.normalized, e.source) for e in entities] == [
        ("किम जोंग उन", "किम जोंग उन", "model"), ("किम", "किम जोंग उन", "propagation")]
    shared = "गुयेन फु ट्रोंग और गुयेन खाक गियांग मिले; गुयेन ने कहा"
    entities = combine(shared, [at(shared, "गुयेन फु ट्रोंग", "PERSON"), at(shared, "गुयेन खाक गियांग", "PERSON")], [])
    assert [e.text for e in entities] == ["गुयेन फु ट्रोंग", "गुयेन खाक गियांग"]


def test_a_place_the_model_ran_on_into_the_next_word_is_the_place():
    text = "वियतनाम-रूस उष्णकटिबंधीय जंगल"  # a forest: no organisation head after the pair
    run_on = at(text, "रूस उष्णकटिबंधीय", "LOC")
    places = [at(text, "वियतनाम", "LOC", "gazetteer", "iso3166:VN"), at(text, "रूस", "LOC", "gazetteer", "iso3166:RU")]
    assert [(e.text, e.label) for e in combine(text, [run_on], places, language="hi")] == [
        ("वियतनाम", "LOC"), ("रूस", "LOC")]
    centre = "वियतनाम-रूस उष्णकटिबंधीय केंद्र"  # a centre is an organisation head: the pair names that body
    run_on = at(centre, "रूस उष्णकटिबंधीय", "LOC")
    places = [at(centre, "वियतनाम", "LOC", "gazetteer"), at(centre, "रूस", "LOC", "gazetteer")]
    assert [(e.text, e.label) for e in combine(centre, [run_on], places, language="hi")] == [(centre, "ORG")]
    region = "दक्षिण अफ्रीका में"  # a place inside a longer place name that does not start with it is left alone
    south_africa = at(region, "दक्षिण अफ्रीका", "LOC")
    assert [e.text for e in combine(region, [south_africa], [at(region, "अफ्रीका", "LOC", "gazetteer")])] == ["दक्षिण अफ्रीका"]


def test_learnt_organisation_heads_are_read():
    from presspipe.pipelines.enrich.entities import spans

    english = "the Crimson Band played"
    band = fix_organisation_span(english, at(english, "Crimson Band", "LOC"), "en", frozenset())
    assert "Band" not in spans.ORGANISATION_NOUNS["en"]  # only the learnt list (training/lexicon.py) has it
    assert (surface(english, band), band.label) == ("Crimson Band", "ORG")


def test_an_organisation_whose_head_is_a_generic_word_is_dropped_in_hindi_only():
    from presspipe.pipelines.enrich.entities.spans import common_words, has_generic_head, is_common_phrase

    # What the learnt lists (training/lexicon.py, HiNER's training split) say about these words.
    assert {"उद्योग", "सेवा", "स्वास्थ्य"} <= common_words("hi")
    assert has_generic_head(["ऑटोमोटिव", "उद्योग"], "hi")  # "industry" never ends an organisation there
    assert not has_generic_head(["स्वास्थ्य", "सेवा"], "hi")  # "service" does (बीबीसी हिंदी सेवा)
    assert not has_generic_head(["अमेरिकी", "दूतावास"], "hi")
    assert is_common_phrase(["स्वास्थ्य", "सेवा"], "hi")
    assert not is_common_phrase(["यूरेशियन", "आर्थिक", "संघ"], "hi")  # यूरेशियन is no common word
    assert common_words("en") == frozenset() and not is_common_phrase(["health", "care"], "en")

    text = "सहयोग के क्षेत्रों में ऑटोमोटिव उद्योग और अमेरिकी दूतावास"
    model = [at(text, "ऑटोमोटिव उद्योग", "ORG"), at(text, "अमेरिकी दूतावास", "ORG")]
    assert [(e.text, e.label) for e in combine(text, model, [], language="hi")] == [("अमेरिकी दूतावास", "ORG")]
    assert [e.text for e in combine(text, model, [], language="")] == ["ऑटोमोटिव उद्योग", "अमेरिकी दूतावास"]
    industry = at(text, "ऑटोमोटिव उद्योग", "LOC")  # only organisations are judged by their head
    assert [e.text for e in combine(text, [industry], [], language="hi")] == ["ऑटोमोटिव उद्योग"]


def test_a_word_that_heads_organisations_is_never_a_generic_head():
    """"कंपनी" (company) is a common word of the training split that ends no organisation there, and an organisation
    head of ORGANISATION_NOUNS: the company stays, whether the model read it as an organisation or a place."""
    from presspipe.pipelines.enrich.entities.spans import common_words, has_generic_head

    assert "कंपनी" in common_words("hi") and not has_generic_head(["टाटा", "मोटर्स", "कंपनी"], "hi")
    text = "कल टाटा मोटर्स कंपनी ने नई कार दिखाई"
    for label in ("ORG", "LOC"):
        found = combine(text, [at(text, "टाटा मोटर्स कंपनी", label)], [], language="hi")
        assert [(e.text, e.label) for e in found] == [("टाटा मोटर्स कंपनी", "ORG")], label


def _bilateral(text: str, model_text: str, model_label: str = "LOC", places=("रूस", "वियतनाम")):
    found = [at(text, place, "LOC", "gazetteer") for place in places if place in text]
    return combine(text, [at(text, model_text, model_label)], found, language="hi")


def test_a_model_span_over_a_bilateral_pair_of_places_is_the_body_the_text_names():
    from presspipe.pipelines.enrich.entities.spans import bilateral_organisation

    text = "व्यापार पर रूस-वियतनाम अंतर-सरकारी समिति की पिछली बैठक में"
    # the model reads the first place and stops at the hyphen; the organisation head ends the body's name
    assert [(e.text, e.label, e.source) for e in _bilateral(text, "रूस-")] == [
        ("रूस-वियतनाम अंतर-सरकारी समिति", "ORG", "model")]
    assert [(e.text, e.label) for e in _bilateral("रूस-वियतनाम समिति, और", "वियतनाम", "ORG")] == [
        ("रूस-वियतनाम समिति", "ORG")]  # no word between the pair and the head; punctuation after the head is cut
    assert bilateral_organisation(text, at(text, "व्यापार", "ORG"), [], "hi") is None  # no places, no body
    assert bilateral_organisation(text, at(text, "रूस-", "LOC"), [at(text, "रूस", "LOC", "gazetteer"),
                                                                  at(text, "वियतनाम", "LOC", "gazetteer")], "en") is None


@pytest.mark.parametrize(("text", "model_text"), [
    ("भारत-पाकिस्तान सीमा पर समिति बनी", "भारत"),  # a border, and the head comes after a function word
    ("रूस-वियतनाम के बीच समिति बनी", "रूस"),  # function word between the pair and the head
    ("रूस-वियतनाम, समिति बनी", "रूस"),  # punctuation between them
    ("रूस-वियतनाम व्यापार, ऊर्जा समिति", "रूस"),  # punctuation after a word between them
    ("रूस-वियतनाम व्यापार निवेश ऊर्जा समिति", "रूस"),  # three words before the head: too far
    ("रूस वियतनाम अंतर-सरकारी समिति", "रूस"),  # not hyphen-joined
    ("रूस-वियतनाम अंतर-सरकारी समिति", "अंतर-सरकारी"),  # the model span does not touch the pair
])
def test_a_pair_of_places_not_followed_closely_by_an_organisation_head_is_left_alone(text, model_text):
    entities = _bilateral(text, model_text, places=("रूस", "वियतनाम", "भारत", "पाकिस्तान"))
    assert "समिति" not in " ".join(e.text for e in entities), [(e.text, e.label) for e in entities]


@pytest.mark.parametrize(("caches", "read", "message"), [
    (("_learnt_heads", "organisation_heads"), lambda spans: spans.organisation_heads("en"), "organisation head list"),
    (("_common_word_lists",), lambda spans: spans.common_words("hi"), "common-word list"),
])
def test_a_missing_packaged_word_list_is_an_error(monkeypatch, tmp_path, caches, read, message):
    from presspipe.pipelines.enrich.entities import EntityConfigError, spans

    def clear() -> None:
        for name in caches:
            getattr(spans, name).cache_clear()

    clear()
    monkeypatch.setattr(spans.resources, "files", lambda package: tmp_path)  # a package without data/
    try:
        with pytest.raises(EntityConfigError, match=message):
            read(spans)
    finally:
        monkeypatch.undo()
        clear()
