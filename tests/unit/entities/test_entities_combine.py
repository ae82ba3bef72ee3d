from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from presspipe.pipelines.enrich.entities.combine import combine, resolve_overlaps
from presspipe.pipelines.enrich.entities.mentions import Mention


def span(text, needle, label, source="model", kb_id=None, occurrence=0):
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(needle, start + 1)
    return Mention(start, start + len(needle), label, source, kb_id)


def test_longest_span_wins_and_no_overlap():
    text = "वियतनाम-रूस उष्णकटिबंधीय केंद्र में"
    org = span(text, "वियतनाम-रूस उष्णकटिबंधीय केंद्र", "ORG")
    loc = span(text, "वियतनाम", "LOC", "gazetteer", "iso3166:VN")
    entities = combine(text, [org], [loc])
    assert [(e.text, e.label) for e in entities] == [("वियतनाम-रूस उष्णकटिबंधीय केंद्र", "ORG")]


def test_gazetteer_label_wins_for_places_on_equal_span():
    text = "हनोई में बैठक"
    entities = combine(text, [span(text, "हनोई", "PERSON")], [span(text, "हनोई", "LOC", "gazetteer", "geo:hanoi")])
    assert [(e.label, e.kb_id, e.source) for e in entities] == [("LOC", "geo:hanoi", "gazetteer")]


def test_model_label_kept_against_gazetteer_org_but_kb_id_attached_when_agreeing():
    text = "संयुक्त राष्ट्र ने कहा"
    model = span(text, "संयुक्त राष्ट्र", "ORG")
    gazetteer = span(text, "संयुक्त राष्ट्र", "ORG", "gazetteer", "iso3166:UN")
    (entity,) = combine(text, [model], [gazetteer])
    assert (entity.label, entity.kb_id, entity.source) == ("ORG", "iso3166:UN", "model")


def test_person_last_word_propagates_with_the_full_name_as_normalized():
    text = "रूसी राष्ट्रपति व्लादिमीर पुतिन आए। बाद में पुतिन ने कहा। पुतिनवाद नहीं।"
    entities = combine(text, [span(text, "व्लादिमीर पुतिन", "PERSON")], [])
    assert [(e.text, e.label, e.normalized, e.source) for e in entities] == [
        ("व्लादिमीर पुतिन", "PERSON", "व्लादिमीर पुतिन", "model"),
        ("पुतिन", "PERSON", "व्लादिमीर पुतिन", "propagation"),
    ]


def test_model_found_short_form_gets_longest_normalized():
    text = "व्लादिमीर पुतिन और पुतिन"
    entities = combine(text, [span(text, "व्लादिमीर पुतिन", "PERSON"), span(text, "पुतिन", "PERSON", occurrence=1)], [])
    assert [e.normalized for e in entities] == ["व्लादिमीर पुतिन", "व्लादिमीर पुतिन"]
    assert entities[1].source == "model"


def test_shared_last_word_of_two_people_is_not_propagated():
    text = "अन्ना पेत्रोवा और मारिया पेत्रोवा मिलीं; पेत्रोवा ने कहा"
    entities = combine(text, [span(text, "अन्ना पेत्रोवा", "PERSON"), span(text, "मारिया पेत्रोवा", "PERSON")], [])
    assert [e.text for e in entities] == ["अन्ना पेत्रोवा", "मारिया पेत्रोवा"]


def test_exact_repeats_missed_by_the_model_are_propagated():
    text = "एपीईसी शिखर सम्मेलन और फिर एपीईसी बैठक, एपीईसीवाद"
    entities = combine(text, [span(text, "एपीईसी", "ORG")], [])
    assert [(e.start, e.source) for e in entities] == [(0, "model"), (text.index("एपीईसी", 1), "propagation")]
    assert {e.normalized for e in entities} == {"एपीईसी"}


def test_propagation_can_be_disabled():
    text = "एपीईसी और एपीईसी"
    assert len(combine(text, [span(text, "एपीईसी", "ORG")], [], propagate=False)) == 1


def test_resolve_overlaps_is_leftmost_among_equal_lengths():
    chosen = resolve_overlaps([Mention(2, 6, "LOC", "model"), Mention(0, 4, "ORG", "model")])
    assert [(m.start, m.end) for m in chosen] == [(0, 4)]


alphabet = st.sampled_from(list("अआकखगपुतिनरूसवियम ्ीा।॥ ,.abcXYZ\u200c"))


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(alphabet, min_size=1, max_size=60),
    raw=st.lists(st.tuples(st.integers(0, 60), st.integers(1, 12), st.sampled_from(["PERSON", "ORG", "LOC"]),
                           st.sampled_from(["model", "gazetteer"])), max_size=12),
)
def test_offsets_always_index_the_text_and_spans_never_overlap(text, raw):
    mentions = [Mention(min(s, len(text)), min(s + n, len(text)), label, source) for s, n, label, source in raw]
    model = [m for m in mentions if m.source == "model"]
    gazetteer = [m for m in mentions if m.source != "model"]
    entities = combine(text, model, gazetteer)
    previous_end = 0
    for entity in entities:
        assert text[entity.start:entity.end] == entity.text
        assert entity.start >= previous_end and entity.end > entity.start
        previous_end = entity.end


def test_edge_punctuation_is_trimmed_from_model_spans():
    text = "रूस-वियतनाम समिति"
    (entity,) = combine(text, [Mention(0, 4, "ORG", "model")], [], propagate=False)
    assert (entity.text, entity.start, entity.end) == ("रूस", 0, 3)


def test_person_span_running_into_a_place_is_cut_at_the_place():
    text = "अखिलेश यादव हनोई पहुंचे"
    person = span(text, "अखिलेश यादव हनोई", "PERSON")
    place = span(text, "हनोई", "LOC", "gazetteer", "iso3166-2:VN-HN")
    assert [(e.text, e.label) for e in combine(text, [person], [place])] == [("अखिलेश यादव", "PERSON"), ("हनोई", "LOC")]
    organisation = span(text, "अखिलेश यादव हनोई", "ORG")
    assert [(e.text, e.label) for e in combine(text, [organisation], [place])] == [("अखिलेश यादव हनोई", "ORG")]


def test_model_mislabel_of_a_person_alias_is_overruled_but_gazetteer_labels_are_kept():
    text = "व्लादिमीर पुतिन आए। पुतिन ने कहा। जॉर्जिया पहुंचे।"
    entities = combine(text, [span(text, "व्लादिमीर पुतिन", "PERSON"), span(text, "पुतिन", "LOC", occurrence=1)], [])
    assert [(e.text, e.label, e.normalized, e.source) for e in entities][1] == ("पुतिन", "PERSON", "व्लादिमीर पुतिन", "propagation")
