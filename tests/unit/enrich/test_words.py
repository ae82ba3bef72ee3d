"""The words and sentences the recall net and the standfirst compare (pipelines/enrich/words.py)."""

from presspipe.pipelines.enrich.words import comparable_words, reads_like_sentence


def test_words_in_any_script_casefolded_each_han_or_kana_character_a_word():
    assert comparable_words("The Harbour, re-opened!") == ["the", "harbour", "re", "opened"]
    assert comparable_words("नई योजना।") == ["नई", "योजना"]
    assert comparable_words("東京の港") == ["東", "京", "の", "港"]
    assert comparable_words("Straße STRASSE") == ["strasse", "strasse"]


def test_a_sentence_has_words_enough_and_a_closing_mark_but_not_a_guillemet():
    assert reads_like_sentence("The ferry timetable changes on Monday for the winter.", 8)
    assert reads_like_sentence('He said the ferry will run again in spring, "on time."', 8)
    assert not reads_like_sentence("The ferry timetable changes on Monday for the winter", 8)  # no closing mark
    assert not reads_like_sentence("Ferry timetable changes.", 8)  # too few words
    assert not reads_like_sentence("Lea también: el horario del ferry cambia el lunes «Invierno»", 8)
