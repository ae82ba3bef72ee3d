"""Languages langdetect does not know: the second opinion (lingua) and when it is asked.

The sentences are written for these tests (news-style, about the same event in each language, ~300 characters, the
length of a short article's first paragraphs); the expected languages are the languages they are written in. The real
pages are read from the shared data folder (never copied here); their expected languages are their publishers'.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from presspipe.pipelines.enrich.errors import LanguageDetectionError
from presspipe.pipelines.enrich.language import (
    CONFUSED_WITH,
    Candidate,
    LanguageSettings,
    default_detector,
    identify_language,
    langdetect_knows,
)
from presspipe.pipelines.enrich.record import Provenance, enrich_article
from presspipe.pipelines.enrich.second_opinion import LinguaSecondOpinion, lingua_detector
from presspipe.schemas.records import Article

from .conftest import FIXED_TIME, make_raw

# Languages langdetect lacks.
ICELANDIC = ("Ríkisstjórnin kynnti í gær nýja áætlun um uppbyggingu íbúðarhúsnæðis í Reykjavík og á landsbyggðinni. "
             "Forsætisráðherra sagði að framkvæmdir ættu að hefjast strax í vor og að þúsundir nýrra íbúða yrðu "
             "tilbúnar innan þriggja ára. Verkalýðsfélögin fögnuðu tillögunum en sveitarfélögin segja að fjármagnið "
             "dugi ekki til.")
FAROESE = ("Landsstýrið legði í gjár fram nýggja ætlan um at byggja fleiri bústaðir í Tórshavn og úti á bygd. "
           "Løgmaður segði, at arbeiðið skal byrja longu í vár, og at fleiri hundrað nýggjar íbúðir verða lidnar "
           "innan trý ár. Fakfeløgini fegnaðust um uppskotið, men kommunurnar siga, at peningarnir ikki røkka.")
ZULU = ("Uhulumeni umemezele izolo uhlelo olusha lokwakha izindlu eThekwini nasezindaweni zasemakhaya. UNgqongqoshe "
        "uthe umsebenzi uzoqala ngokushesha ngonyaka ozayo, kanti izinkulungwane zemindeni zizothola amakhaya "
        "amasha. Izinyunyana zamukele lesi simemezelo, kodwa omasipala bathi imali ayanele.")
XHOSA = ("Urhulumente ubhengeze izolo isicwangciso esitsha sokwakha izindlu eMonti nakwiilali ezikufutshane. "
         "UMphathiswa uthe umsebenzi uza kuqala kwangoko kulo nyaka uzayo, kwaye amawaka eentsapho aya kufumana "
         "amakhaya amatsha. Imibutho yabasebenzi yamkele esi sibhengezo, kodwa oomasipala bathi imali ayonelanga.")
SESOTHO = ("Mmuso o phatlaladitse maobane morero o motjha wa ho aha matlo Maseru le metseng e haufi. Letona le itse "
           "mosebetsi o tla qala kapele selemong se tlang, mme malapa a dikete a tla fumana matlo a matjha. Mekgatlo "
           "ya basebetsi e amohetse phatlalatso ena, empa bomasepala ba re tjhelete ha e a lekana.")
SETSWANA = ("Puso e phasaladitse maabane leano le lesha la go aga matlo kwa Gaborone le mo metseng e e gaufi. Tona o "
            "rile tiro e tla simolola ka bonako ngwaga o o tlang, mme malapa a dikete a tla bona matlo a masha. "
            "Mekgatlho ya badiri e amogetse kitsiso e, mme makgotla a re madi ga a lekane.")
SHONA = ("Hurumende yakazivisa nezuro chirongwa chitsva chekuvaka dzimba dzakawanda muHarare nomumaruwa. Gurukota "
         "rakati basa richatanga nokukurumidza gore rinouya, uye zviuru zvemhuri zvichawana dzimba itsva. Masangano "
         "evashandi akagamuchira chiziviso ichi, asi makanzuru anoti mari haina kukwana.")
MALAY = ("Kerajaan mengumumkan semalam satu rancangan baharu untuk membina lebih banyak rumah mampu milik di Kuala "
         "Lumpur dan di kawasan luar bandar. Menteri berkata kerja-kerja pembinaan akan bermula secepat mungkin tahun "
         "depan, dan ribuan keluarga dijangka menerima kunci rumah baharu mereka. Kesatuan sekerja menyambut baik "
         "pengumuman itu, tetapi pihak berkuasa tempatan berkata peruntukan tersebut tidak mencukupi.")
BASQUE = ("Gobernuak atzo etxebizitza gehiago eraikitzeko plan berri bat aurkeztu zuen Bilbon eta herri txikietan. "
          "Ministroak esan zuen lanak datorren udaberrian hasiko direla eta milaka familiak etxe berriak izango "
          "dituztela hiru urteko epean. Sindikatuek proposamena ongi etorri zuten, baina udalek diote dirua ez dela "
          "nahikoa.")
IRISH = ("D'fhógair an rialtas inné plean nua chun níos mó tithe a thógáil i mBaile Átha Cliath agus faoin tuath. "
         "Dúirt an tAire go dtosóidh an obair go luath an bhliain seo chugainn, agus go bhfaighidh na mílte teaghlach "
         "tithe nua. Chuir na ceardchumainn fáilte roimh an bhfógra, ach deir na comhairlí áitiúla nach leor an "
         "t-airgead.")
# Their neighbours that langdetect knows: the second opinion must leave them alone.
SWAHILI = ("Serikali ilitangaza jana mpango mpya wa kujenga nyumba nyingi za bei nafuu jijini Dar es Salaam na katika "
           "maeneo ya vijijini. Waziri alisema ujenzi utaanza haraka iwezekanavyo mwaka ujao, na maelfu ya familia "
           "wanatarajiwa kupokea funguo za nyumba zao mpya. Vyama vya wafanyakazi vimekaribisha tangazo hilo, lakini "
           "halmashauri za miji zinasema fedha hizo hazitoshi.")
INDONESIAN = ("Pemerintah kemarin mengumumkan rencana baru untuk membangun lebih banyak rumah murah di Jakarta dan di "
              "daerah pedesaan. Menteri mengatakan pembangunan akan dimulai secepatnya tahun depan, dan ribuan "
              "keluarga diperkirakan akan menerima kunci rumah baru mereka. Serikat pekerja menyambut baik pengumuman "
              "itu, tetapi pemerintah daerah mengatakan anggarannya tidak cukup.")
BOKMAL = ("Regjeringen la i går fram en ny plan for å bygge flere boliger i Oslo og i distriktene. Statsministeren sa "
          "at arbeidet skal begynne allerede i vår, og at tusenvis av nye leiligheter skal være ferdige innen tre år. "
          "Fagforeningene ønsket forslaget velkommen, men kommunene sier at pengene ikke strekker til.")
NYNORSK = ("Regjeringa la i går fram ein ny plan for å byggje fleire bustader i Oslo og i distrikta. Statsministeren "
           "sa at arbeidet skal starte alt i vår, og at tusenvis av nye leilegheiter skal vere ferdige innan tre år. "
           "Fagforeiningane ønskte forslaget velkomen, men kommunane seier at pengane ikkje strekk til.")
DANISH = ("Regeringen fremlagde i går en ny plan for at bygge flere boliger i København og i provinsen. "
          "Statsministeren sagde, at arbejdet skal begynde allerede til foråret, og at tusindvis af nye lejligheder "
          "skal være færdige inden for tre år. Fagforeningerne hilste forslaget velkommen, men kommunerne siger, at "
          "pengene ikke rækker.")
ENGLISH = ("The government announced yesterday a new plan to build more affordable homes in the capital and in rural "
           "areas. The minister said construction would begin as soon as possible next year, and thousands of "
           "families are expected to receive the keys to their new homes.")

LACKING = {"is": ICELANDIC, "zu": ZULU, "xh": XHOSA, "st": SESOTHO, "tn": SETSWANA, "sn": SHONA, "ms": MALAY,
           "eu": BASQUE}
KNOWN = {"sw": SWAHILI, "id": INDONESIAN, "no": BOKMAL, "da": DANISH, "en": ENGLISH}


@dataclass
class RecordingOpinion:
    """The real second opinion, recording what it was asked (to prove when it is, and is not, consulted)."""

    asked: list[frozenset[str]] = field(default_factory=list)
    inner: LinguaSecondOpinion = field(default_factory=LinguaSecondOpinion)

    def knows(self, language: str) -> bool:
        return self.inner.knows(language)

    def rank(self, text: str, languages: frozenset[str]) -> list[Candidate]:
        self.asked.append(languages)
        return self.inner.rank(text, languages)


@dataclass(frozen=True)
class FixedOpinion:
    ranked: tuple[Candidate, ...]

    def knows(self, language: str) -> bool:
        return True

    def rank(self, text: str, languages: frozenset[str]) -> list[Candidate]:
        return list(self.ranked)


def identify(text: str, declared: str | None = None, **kwargs):
    return identify_language(text, declared=declared, detector=default_detector(), **kwargs)


@pytest.mark.parametrize("language", sorted(LACKING))
def test_languages_langdetect_lacks_are_identified_by_the_second_opinion(language):
    result = identify(LACKING[language])
    assert (result.language, result.source) == (language, "lingua")
    assert result.confidence >= 0.8


@pytest.mark.parametrize("language", sorted(LACKING))
def test_langdetect_alone_gets_them_wrong(language):
    """Why the second opinion exists, and that the stand-in table holds what was measured (langdetect's answer)."""
    alone = identify(LACKING[language], settings=LanguageSettings(second_opinion=False))
    assert alone.language != language and not langdetect_knows(language)
    stand_ins = [stand_in for stand_in, lacking in CONFUSED_WITH.items() if language in lacking]
    assert alone.language in stand_ins or alone.language == "und"


@pytest.mark.parametrize("language", sorted(KNOWN))
def test_languages_langdetect_knows_keep_its_answer(language):
    result = identify(KNOWN[language])
    assert (result.language, result.source) == (language, "langdetect")


def test_nynorsk_stays_langdetect_norwegian():
    assert identify(NYNORSK).language == identify(BOKMAL).language == "no"


def test_second_opinion_is_asked_only_for_stand_ins_and_among_their_languages_only():
    opinion = RecordingOpinion()
    for text in (ENGLISH, DANISH):
        identify(text, second_opinion=opinion)
    identify(ENGLISH, declared="en", second_opinion=opinion)
    assert opinion.asked == []
    identify(ZULU, declared="en", second_opinion=opinion)
    identify(ICELANDIC, second_opinion=opinion)
    assert opinion.asked == [frozenset({"sw", "zu", "xh", "st", "tn", "sn", "lg"}), frozenset({"nb", "nn", "is"})]


def test_zulu_page_declaring_english_is_zulu():
    result = identify(ZULU, declared="en")
    assert (result.language, result.source) == ("zu", "lingua")


def test_declared_language_langdetect_lacks_is_confirmed_by_the_second_opinion():
    opinion = RecordingOpinion()
    result = identify(IRISH, declared="ga", second_opinion=opinion)  # langdetect alone: en
    assert (result.language, result.source) == ("ga", "lingua")
    assert "ga" in opinion.asked[0] and "en" in opinion.asked[0]


def test_declared_language_langdetect_lacks_is_overridden_when_the_text_contradicts_it():
    assert (identify(XHOSA, declared="zu").language, identify(XHOSA, declared="zu").source) == ("xh", "lingua")
    norwegian = identify(BOKMAL, declared="is")
    assert (norwegian.language, norwegian.source) == ("no", "langdetect")
    english = identify(ENGLISH, declared="ga")
    assert (english.language, english.source) == ("en", "langdetect")


def test_declared_language_no_detector_knows_is_trusted():
    result = identify(FAROESE, declared="fo")
    assert (result.language, result.confidence, result.source) == ("fo", 0.0, "declared")
    assert identify(FAROESE).language != "fo"  # undeclared, nobody can tell (lingua's nearest: Icelandic)


def test_unsure_second_opinion_keeps_the_declaration_or_langdetect():
    unsure = FixedOpinion((Candidate("zu", 0.6), Candidate("xh", 0.4)))
    assert identify(ZULU, second_opinion=unsure).language == "sw"  # langdetect's answer, as before
    declared = identify(ZULU, declared="xh", second_opinion=unsure)
    assert (declared.language, declared.confidence, declared.source) == ("xh", 0.4, "declared")


def test_second_opinion_can_be_switched_off():
    result = identify(ZULU, declared="is", settings=LanguageSettings(second_opinion=False))
    assert (result.language, result.source) == ("sw", "langdetect")


def test_undetermined_langdetect_with_a_stand_in_candidate_asks_the_second_opinion():
    alone = identify(SESOTHO, settings=LanguageSettings(second_opinion=False))
    assert alone.language == "und"
    assert identify(SESOTHO).language == "st"


def test_same_answers_in_any_order():
    texts = [ZULU, ICELANDIC, SWAHILI, MALAY, XHOSA, INDONESIAN]
    forward = [identify(text) for text in texts]
    backward = [identify(text) for text in reversed(texts)]
    assert forward == backward[::-1]


def test_lingua_detectors_are_built_once_per_language_set():
    assert lingua_detector(frozenset({"zu", "xh"})) is lingua_detector(frozenset({"xh", "zu"}))
    with pytest.raises(ValueError):
        lingua_detector(frozenset({"zu", "fo"}))  # lingua lacks Faroese


def test_lingua_failure_is_a_language_stage_error(monkeypatch):
    class Broken:
        def compute_language_confidence_values(self, text):
            raise RuntimeError("model file unreadable")

    from presspipe.pipelines.enrich import second_opinion

    monkeypatch.setattr(second_opinion, "lingua_detector", lambda languages: Broken())
    with pytest.raises(LanguageDetectionError) as raised:
        LinguaSecondOpinion().rank(ZULU, frozenset({"zu", "xh"}))
    assert raised.value.stage == "language"


# --- real pages (publishers' languages) -------------------------------------------------------------------------

PUBLISHER_PAGES = {
    "za/EyethuNews": "zu", "za/Ilanga": "zu", "za/Isolezwe": "zu", "za/IsolezweLesiXhosa": "xh",
    "tz/HabariLeo": "sw", "id/MediaIndonesia": "id", "no/NRK": "no", "za/TimesLive": "en",
}


def _page(shared_dir: Path, key: str) -> Path:
    country, publisher = key.split("/")
    pages = sorted((shared_dir / "data" / "news-pages" / country).glob(f"{publisher}_*.html.gz"))
    if not pages:
        pytest.skip(f"no page of {key} in the shared data")
    return pages[0]


@pytest.mark.parametrize("key", sorted(PUBLISHER_PAGES))
def test_real_pages_get_their_publishers_language(shared_dir, key):
    article = enrich_article(make_raw(_page(shared_dir, key).read_bytes()), provenance=Provenance(),
                             processed_at=FIXED_TIME)
    expected = PUBLISHER_PAGES[key]
    assert article.language == expected
    assert article.language_source == ("langdetect" if langdetect_knows(expected) else "lingua")
    decoded = Article.decode(article.encode())  # the field survives the wire format
    assert (decoded.language, decoded.language_source) == (expected, article.language_source)


def test_lingua_is_not_loaded_for_pages_that_do_not_need_it():
    """A worker that only meets languages langdetect knows never imports lingua (nor loads its models)."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from presspipe.pipelines.enrich.language import default_detector, identify_language\n"
        f"result = identify_language({ENGLISH!r}, declared='en', detector=default_detector())\n"
        "assert result.language == 'en', result\n"
        "print('lingua' in sys.modules)\n"
        f"identify_language({ZULU!r}, declared='en', detector=default_detector())\n"
        "print('lingua' in sys.modules)\n"
    )
    shown = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.split()
    assert shown == ["False", "True"]


def test_every_language_offered_to_lingua_is_one_it_knows():
    """A stand-in table naming a language lingua lacks would fail every page it applies to."""
    opinion = LinguaSecondOpinion()
    for stand_in, lacking in CONFUSED_WITH.items():
        assert all(opinion.knows(code) for code in lacking), stand_in
        assert not any(langdetect_knows(code) for code in lacking), stand_in
