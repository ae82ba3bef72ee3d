"""The benchmark corpus: seeded, generated news pages that weigh what real ones weigh.

Real news pages are 20-300 KB of HTML, of which the article is a few KB: the rest is navigation (mega-menus,
section lists, footers), sidebars ("most read", widgets), inline scripts and styles, JSON-LD and hydration state.
Extraction cost follows that markup, so the generator reproduces it: an article of 5-25 paragraphs written from the
word lists below (composed for this benchmark, never copied from any source), wrapped in one of five CMS layouts
with captions, related-article boxes and "read also" lines, then padded with layout furniture up to a page weight
drawn log-uniformly between 20 and 300 KB.

Pages are a pure function of ``(seed, index)``: :func:`generate_page` never depends on how many pages are asked for,
so a cache of ``N`` pages serves any run that needs at most ``N``. :func:`load_corpus` keeps generated pages under
``<cache dir>/presspipe-bench/corpus-v<GENERATOR_VERSION>-seed<seed>/`` and only generates what is missing.
"""

from __future__ import annotations

import json
import math
import os
import random
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

#: Bump whenever generated output changes, so stale caches are never reused.
GENERATOR_VERSION = 3
FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "html"
MIN_PAGE_BYTES = 20 * 1024
MAX_PAGE_BYTES = 300 * 1024


@dataclass(frozen=True)
class Vocabulary:
    """Words of one language, enough for langdetect's n-gram profiles to recognise it, and names to tag."""

    code: str
    function_words: tuple[str, ...]
    content_words: tuple[str, ...]
    people: tuple[str, ...]
    places: tuple[str, ...]
    organisations: tuple[str, ...]
    sentence_end: str
    photo_credit: str  # caption credit marker, e.g. "Photo"
    read_also: str
    related_title: str
    sections: tuple[str, ...]
    capitalise: bool = True


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


VOCABULARIES: dict[str, Vocabulary] = {
    "en": Vocabulary(
        "en",
        _words("the of and to in a that is for on with as was at by from it be this have are were which has not but "
               "they will its an after over also more than their about had would into this said been could who"),
        _words("government minister council city officials report budget election police court water river bridge "
               "school students hospital doctors market prices energy workers union plan project residents village "
               "weather storm season farmers harvest company investors bank growth inflation transport railway "
               "station airport museum festival team match coach players victory record history committee "
               "parliament decision agreement talks border security families children community service public "
               "spokesman statement week month morning evening year announced confirmed expected reported "
               "increase decline support opposition local national regional international new major"),
        ("Sarah Whitfield", "James Okafor", "Emily Carter", "Daniel Brooks", "Priya Raman", "Thomas Hale"),
        ("London", "Manchester", "Boston", "Chicago", "Toronto", "Sydney", "Dublin", "Edinburgh"),
        ("World Health Organization", "United Nations", "Bank of England", "European Commission"),
        ".", "Photo", "Read also", "Related stories",
        ("News", "World", "Business", "Sport", "Culture", "Science", "Opinion", "Travel", "Health", "Technology"),
    ),
    "fr": Vocabulary(
        "fr",
        _words("le la les de des du et à en un une que qui dans pour sur avec par au aux est sont a ont été plus "
               "mais pas ne se sa son ses leur cette ce il elle ils nous selon après lors depuis"),
        _words("gouvernement ministre conseil ville maire rapport budget élection police tribunal rivière pont "
               "école élèves hôpital médecins marché prix énergie ouvriers syndicat projet habitants village "
               "météo tempête saison agriculteurs récolte entreprise banque croissance transport gare aéroport "
               "musée festival équipe match entraîneur joueurs victoire histoire commission assemblée décision "
               "accord négociations frontière sécurité familles enfants communauté service public porte-parole "
               "déclaration semaine mois matin soir année annoncé confirmé prévu hausse baisse soutien région"),
        ("Claire Dubois", "Julien Moreau", "Amélie Laurent", "Nicolas Bernard", "Sophie Lefèvre", "Hugo Martin"),
        ("Paris", "Lyon", "Marseille", "Bordeaux", "Lille", "Toulouse", "Nantes", "Strasbourg"),
        ("Assemblée nationale", "Banque de France", "Commission européenne", "Croix-Rouge"),
        ".", "Photo", "Lire aussi", "Sur le même sujet",
        ("Actualité", "Monde", "Économie", "Sport", "Culture", "Sciences", "Opinions", "Voyage", "Santé", "Médias"),
    ),
    "de": Vocabulary(
        "de",
        _words("der die das und in den von zu mit sich des auf für ist im dem nicht ein eine als auch es an "
               "werden aus er hat dass sie nach wird bei noch wie einem über einen so zum war haben nur oder"),
        _words("Regierung Minister Stadtrat Bürgermeister Bericht Haushalt Wahl Polizei Gericht Fluss Brücke "
               "Schule Schüler Krankenhaus Ärzte Markt Preise Energie Arbeiter Gewerkschaft Projekt Einwohner "
               "Dorf Wetter Sturm Saison Landwirte Ernte Unternehmen Bank Wachstum Verkehr Bahnhof Flughafen "
               "Museum Mannschaft Spiel Trainer Spieler Sieg Geschichte Ausschuss Bundestag Entscheidung "
               "Vereinbarung Gespräche Grenze Sicherheit Familien Kinder Gemeinde öffentlichen Sprecher "
               "Erklärung Woche Monat Morgen Abend Jahr angekündigt bestätigt erwartet Anstieg Rückgang Unterstützung"),
        ("Anna Schneider", "Lukas Becker", "Miriam Hoffmann", "Jonas Wagner", "Katrin Vogel", "Felix Braun"),
        ("Berlin", "Hamburg", "München", "Köln", "Leipzig", "Dresden", "Frankfurt", "Stuttgart"),
        ("Deutsche Bahn", "Bundesagentur für Arbeit", "Europäische Zentralbank", "Rotes Kreuz"),
        ".", "Foto", "Lesen Sie auch", "Mehr zum Thema",
        ("Nachrichten", "Politik", "Wirtschaft", "Sport", "Kultur", "Wissen", "Meinung", "Reise", "Gesundheit", "Region"),
    ),
    "es": Vocabulary(
        "es",
        _words("el la los las de del y a en un una que por con para es son fue han se su sus al lo como más "
               "pero no este esta según tras durante desde entre sobre también muy"),
        _words("gobierno ministro ayuntamiento ciudad alcalde informe presupuesto elecciones policía tribunal río "
               "puente escuela alumnos hospital médicos mercado precios energía trabajadores sindicato proyecto "
               "vecinos pueblo tiempo tormenta temporada agricultores cosecha empresa banco crecimiento "
               "transporte estación aeropuerto museo festival equipo partido entrenador jugadores victoria "
               "historia comisión congreso decisión acuerdo negociaciones frontera seguridad familias niños "
               "comunidad servicio público portavoz declaración semana mes mañana noche año anunció confirmó"),
        ("Lucía Fernández", "Javier Morales", "Carmen Ruiz", "Diego Navarro", "Elena Castro", "Pablo Ortega"),
        ("Madrid", "Barcelona", "Valencia", "Sevilla", "Bilbao", "Zaragoza", "Málaga", "Granada"),
        ("Banco de España", "Cruz Roja", "Comisión Europea", "Naciones Unidas"),
        ".", "Foto", "Lee también", "Te puede interesar",
        ("Noticias", "Internacional", "Economía", "Deportes", "Cultura", "Ciencia", "Opinión", "Viajes", "Salud", "Local"),
    ),
    "ru": Vocabulary(
        "ru",
        _words("и в не на что с по к из за от для о как это он она они его ее также после уже было были будет "
               "при этом который которые по словам однако более чем до года"),
        _words("правительство министр совет город мэр доклад бюджет выборы полиция суд река мост школа ученики "
               "больница врачи рынок цены энергия рабочие профсоюз проект жители деревня погода шторм сезон "
               "фермеры урожай компания банк рост транспорт вокзал аэропорт музей фестиваль команда матч "
               "тренер игроки победа история комиссия парламент решение соглашение переговоры граница "
               "безопасность семьи дети общество служба заявление неделя месяц утром вечером объявил "
               "подтвердил ожидается увеличение снижение поддержка региональный международный"),
        ("Анна Смирнова", "Дмитрий Орлов", "Елена Кузнецова", "Игорь Волков", "Ольга Морозова", "Сергей Павлов"),
        ("Москва", "Санкт-Петербург", "Казань", "Новосибирск", "Екатеринбург", "Самара", "Владивосток"),
        ("Центральный банк", "Министерство финансов", "Красный Крест", "Организация Объединенных Наций"),
        ".", "Фото", "Читайте также", "По теме",
        ("Новости", "Мир", "Экономика", "Спорт", "Культура", "Наука", "Мнения", "Путешествия", "Здоровье", "Общество"),
    ),
    "vi": Vocabulary(
        "vi",
        _words("của và là các có những được cho với trong này đã không một người khi đến theo từ về như tại "
               "cũng sẽ đang nhiều hơn sau trước để vào năm"),
        _words("chính phủ bộ trưởng hội đồng thành phố báo cáo ngân sách bầu cử công an tòa án sông cầu "
               "trường học sinh bệnh viện bác sĩ thị trường giá năng lượng công nhân dự án người dân làng "
               "thời tiết bão mùa nông dân thu hoạch doanh nghiệp ngân hàng tăng trưởng giao thông nhà ga "
               "sân bay bảo tàng lễ hội đội bóng trận đấu huấn luyện viên cầu thủ chiến thắng lịch sử "
               "quyết định thỏa thuận đàm phán biên giới an ninh gia đình trẻ em cộng đồng dịch vụ công "
               "tuyên bố tuần tháng buổi sáng buổi tối cho biết xác nhận dự kiến tăng giảm hỗ trợ"),
        ("Nguyễn Văn An", "Trần Thị Mai", "Lê Minh Tuấn", "Phạm Thu Hà", "Hoàng Đức Long", "Vũ Thanh Hương"),
        ("Hà Nội", "Thành phố Hồ Chí Minh", "Đà Nẵng", "Hải Phòng", "Cần Thơ", "Huế", "Nha Trang"),
        ("Ngân hàng Nhà nước", "Bộ Y tế", "Liên Hợp Quốc", "Hội Chữ thập đỏ"),
        ".", "Ảnh", "Xem thêm", "Tin liên quan",
        ("Thời sự", "Thế giới", "Kinh doanh", "Thể thao", "Giải trí", "Khoa học", "Sức khỏe", "Du lịch", "Pháp luật", "Giáo dục"),
        capitalise=True,
    ),
    "hi": Vocabulary(
        "hi",
        _words("के में की है और से को का ने पर यह भी एक हैं था थी कि इस लिए तक साथ बाद कहा गया किया होगा "
               "रहे रहा अब जो वह उन्होंने अपने"),
        _words("सरकार मंत्री परिषद शहर महापौर रिपोर्ट बजट चुनाव पुलिस अदालत नदी पुल स्कूल छात्र अस्पताल "
               "डॉक्टर बाजार कीमतें ऊर्जा मजदूर संघ परियोजना निवासी गांव मौसम तूफान किसान फसल कंपनी बैंक "
               "विकास परिवहन स्टेशन हवाई अड्डा संग्रहालय उत्सव टीम मैच कोच खिलाड़ी जीत इतिहास समिति संसद "
               "फैसला समझौता बातचीत सीमा सुरक्षा परिवार बच्चे समुदाय सेवा सार्वजनिक प्रवक्ता बयान सप्ताह "
               "महीने सुबह शाम वर्ष घोषणा पुष्टि उम्मीद वृद्धि गिरावट समर्थन क्षेत्रीय अंतरराष्ट्रीय"),
        ("नरेंद्र मोदी", "अमित शाह", "प्रिया शर्मा", "राहुल वर्मा", "सुनीता यादव", "व्लादिमीर पुतिन"),
        ("भारत", "दिल्ली", "मुंबई", "कोलकाता", "वियतनाम", "हनोई", "रूस", "लखनऊ"),
        ("भारतीय रिजर्व बैंक", "संयुक्त राष्ट्र", "विश्व स्वास्थ्य संगठन", "चुनाव आयोग"),
        "।", "फोटो", "यह भी पढ़ें", "संबंधित खबरें",
        ("देश", "दुनिया", "बिजनेस", "खेल", "मनोरंजन", "टेक", "राज्य", "शहर", "स्वास्थ्य", "शिक्षा"),
        capitalise=False,
    ),
}
LANGUAGES = tuple(VOCABULARIES)
STYLES = ("wordpress", "portal", "vncms", "layout_table", "hydrated")
_CREDITS = ("Reuters", "AFP", "AP", "EPA", "Getty Images", "TTXVN", "PTI", "dpa", "EFE", "ТАСС")
_CHARSETS = {"ru": "windows-1251", "de": "iso-8859-1", "fr": "iso-8859-1", "es": "iso-8859-1"}


@dataclass(frozen=True)
class CorpusPage:
    """One page as a connector would fetch it: bytes, declared content type and charset, and what was generated."""

    name: str
    url: str
    language: str
    style: str
    content_type: str
    charset: str | None
    body: bytes
    #: The article's paragraphs as generated (ground truth for the quality benchmark); empty for the fixtures.
    reference: tuple[str, ...] = ()


# --- text -----------------------------------------------------------------------------------------------------------


def _sentence(rng: random.Random, vocab: Vocabulary) -> str:
    words: list[str] = []
    for _ in range(rng.randint(9, 22)):
        roll = rng.random()
        if roll < 0.45:
            words.append(rng.choice(vocab.function_words))
        elif roll < 0.93:
            words.append(rng.choice(vocab.content_words))
        elif roll < 0.96:
            words.append(rng.choice(vocab.people))
        elif roll < 0.985:
            words.append(rng.choice(vocab.places))
        else:
            words.append(rng.choice(vocab.organisations))
    if rng.random() < 0.15:
        words.insert(rng.randrange(len(words)), str(rng.randint(2, 2024)))
    text = " ".join(words)
    if vocab.capitalise:
        text = text[0].upper() + text[1:]
    if rng.random() < 0.2:
        comma = rng.randrange(3, len(words) - 2)
        parts = text.split(" ")
        parts[comma] += ","
        text = " ".join(parts)
    return text + vocab.sentence_end


def _paragraph(rng: random.Random, vocab: Vocabulary) -> str:
    return " ".join(_sentence(rng, vocab) for _ in range(rng.randint(2, 5)))


def _headline(rng: random.Random, vocab: Vocabulary) -> str:
    sentence = _sentence(rng, vocab).rstrip(".।")
    return " ".join(sentence.split()[: rng.randint(6, 11)])


def _slug(rng: random.Random) -> str:
    return "-".join("".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randint(3, 9)))
                    for _ in range(rng.randint(4, 8)))


# --- page furniture -------------------------------------------------------------------------------------------------


def _identifier(rng: random.Random) -> str:
    return rng.choice("abcdefghijklmnopqrstuvwxyz_$") + "".join(rng.choices("abcdefghijklmnopqrstuvwxyz0123456789", k=rng.randint(1, 5)))


def _script_blob(rng: random.Random, size: int) -> str:
    """Minified-looking JavaScript of about ``size`` characters (analytics, ad loaders, bundles)."""
    pieces: list[str] = []
    total = 0
    while total < size:
        a, b, c = (_identifier(rng) for _ in range(3))
        piece = rng.choice((
            f"function {a}({b},{c}){{return {b}&&{b}.{c}?{b}.{c}({rng.randint(0, 999)}):{c}||null}}",
            f"var {a}=document.querySelectorAll('.{b}-{c}');for(var i=0;i<{a}.length;i++){{{a}[i].dataset.{b}='{rng.randint(1, 99999)}'}}",
            f"window.{a}=window.{a}||[];{a}.push({{event:'{b}',slot:'{c}-{rng.randint(100, 999)}',sizes:[[300,250],[728,90]]}});",
            f"!function(e,t){{var n=e.createElement(t);n.async=1;n.src='https://cdn.example/{a}/{b}.js?v={rng.randint(1, 9999)}';e.head.appendChild(n)}}(document,'script');",
            f"{a}.prototype.{b}=function({c}){{this._{c}=({c}|0)+{rng.randint(1, 64)};return this}};",
        ))
        pieces.append(piece)
        total += len(piece)
    return "".join(pieces)


def _style_blob(rng: random.Random, size: int) -> str:
    pieces: list[str] = []
    total = 0
    while total < size:
        piece = (f".{_identifier(rng)}-{_identifier(rng)}{{margin:{rng.randint(0, 32)}px {rng.randint(0, 32)}px;"
                 f"color:#{rng.randint(0, 0xFFFFFF):06x};font-size:{rng.randint(10, 28)}px}}")
        pieces.append(piece)
        total += len(piece)
    return "".join(pieces)


def _link_list(rng: random.Random, vocab: Vocabulary, count: int, css: str, long_titles: bool = False) -> str:
    items = []
    for _ in range(count):
        label = _headline(rng, vocab) if long_titles else rng.choice(vocab.sections) + (
            "" if rng.random() < 0.5 else " " + rng.choice(vocab.content_words))
        items.append(f'<li class="{css}-item"><a href="/{_slug(rng)}" title="{label}">{label}</a></li>')
    return f'<ul class="{css}">' + "".join(items) + "</ul>"


def _mega_menu(rng: random.Random, vocab: Vocabulary) -> str:
    columns = "".join(
        f'<div class="menu-col"><span class="menu-head">{section}</span>{_link_list(rng, vocab, rng.randint(6, 14), "sub-menu")}</div>'
        for section in vocab.sections
    )
    return f'<nav class="main-navigation" role="navigation"><div class="mega-menu">{columns}</div></nav>'


def _sidebar(rng: random.Random, vocab: Vocabulary) -> str:
    return ('<aside class="sidebar"><div class="widget most-read"><h4>' + rng.choice(vocab.sections) + "</h4>"
            + _link_list(rng, vocab, rng.randint(5, 10), "most-read-list", long_titles=True)
            + '</div><div class="widget ad-slot" id="ad-' + str(rng.randint(1, 99)) + '"><script>'
            + _script_blob(rng, 600) + "</script></div></aside>")


def _footer(rng: random.Random, vocab: Vocabulary, site: str) -> str:
    groups = "".join(_link_list(rng, vocab, rng.randint(5, 12), "footer-links") for _ in range(rng.randint(3, 6)))
    return (f'<footer class="site-footer"><div class="footer-grid">{groups}</div>'
            f'<p class="copyright">© 2024 {site}</p></footer>')


def _padding_block(rng: random.Random, vocab: Vocabulary) -> str:
    """One unit of page weight outside the article: more navigation, sidebars, scripts, tracking state."""
    kind = rng.random()
    if kind < 0.25:
        return f"<script>{_script_blob(rng, rng.randint(2000, 9000))}</script>"
    if kind < 0.33:
        return f'<script type="application/json" id="{_identifier(rng)}">' + json.dumps(
            {"ads": [{"slot": _identifier(rng), "sizes": [[300, 250]], "targeting": {"section": rng.choice(vocab.sections)}}
                     for _ in range(rng.randint(10, 40))]}, ensure_ascii=False) + "</script>"
    if kind < 0.4:
        return f"<style>{_style_blob(rng, rng.randint(1500, 6000))}</style>"
    if kind < 0.7:
        return _sidebar(rng, vocab)
    return ('<div class="section-teasers">' + "".join(
        f'<div class="teaser"><a href="/{_slug(rng)}"><img src="/img/{_slug(rng)}.jpg" alt="">'
        f'<h3>{_headline(rng, vocab)}</h3></a><span class="teaser-date">{rng.randint(1, 28)}.{rng.randint(1, 12)}.2024</span></div>'
        for _ in range(rng.randint(6, 16))) + "</div>")


# --- article body per CMS -------------------------------------------------------------------------------------------


def _caption(rng: random.Random, vocab: Vocabulary) -> str:
    return f"{_headline(rng, vocab)}{vocab.sentence_end} {vocab.photo_credit}: {rng.choice(_CREDITS)}"


def _related_items(rng: random.Random, vocab: Vocabulary) -> str:
    return "".join(f'<li><a href="/{_slug(rng)}">{_headline(rng, vocab)}</a></li>' for _ in range(rng.randint(2, 5)))


def _article_body(rng: random.Random, vocab: Vocabulary, style: str, paragraphs: list[str]) -> str:
    parts: list[str] = []
    figure_at = {rng.randrange(1, len(paragraphs)) for _ in range(rng.randint(1, 3))}
    read_also_at = rng.randrange(2, len(paragraphs)) if len(paragraphs) > 4 and rng.random() < 0.6 else -1
    for index, paragraph in enumerate(paragraphs):
        if index in figure_at:
            image = f'<img src="https://cdn.example/{_slug(rng)}.jpg" alt="{_headline(rng, vocab)}" width="800" height="450">'
            if style == "wordpress":
                parts.append(f'<div class="wp-caption aligncenter" style="width: 810px">{image}'
                             f'<p class="wp-caption-text">{_caption(rng, vocab)}</p></div>')
            elif style in ("vncms", "layout_table"):
                parts.append(f'<table class="image center"><tbody><tr><td>{image}</td></tr>'
                             f'<tr><td class="image_caption">{_caption(rng, vocab)}</td></tr></tbody></table>')
            else:
                parts.append(f"<figure>{image}<figcaption>{_caption(rng, vocab)}</figcaption></figure>")
        if index == read_also_at:
            parts.append(f'<p><strong>{vocab.read_also}:</strong> <a href="/{_slug(rng)}">{_headline(rng, vocab)}</a></p>')
        if style == "layout_table":
            parts.append(f'<font face="Arial" size="2">{paragraph}</font><br><br>')
        else:
            parts.append(f"<p>{paragraph}</p>")
    related_css = {"wordpress": "yarpp-related", "vncms": "box-tinlienquan", "portal": "related-articles",
                   "layout_table": "related", "hydrated": "read-more-box"}[style]
    parts.append(f'<div class="{related_css}"><h3>{vocab.related_title}</h3><ul>{_related_items(rng, vocab)}</ul></div>')
    return "\n".join(parts)


def _page(rng: random.Random, index: int, language: str, style: str) -> CorpusPage:
    vocab = VOCABULARIES[language]
    site = f"{rng.choice(('daily', 'news', 'courier', 'post', 'herald', 'times'))}{rng.randint(1, 40)}.example"
    section = rng.choice(vocab.sections)
    url = f"https://www.{site}/{_slug(rng)}/{_slug(rng)}-{index}.html"
    title = _headline(rng, vocab)
    author = rng.choice(vocab.people)
    published = datetime(2024, 1, 1, tzinfo=timezone.utc) + timedelta(minutes=rng.randint(0, 525_000))
    paragraphs = [_paragraph(rng, vocab) for _ in range(rng.randint(5, 25))]
    body = _article_body(rng, vocab, style, paragraphs)
    charset = _CHARSETS.get(language, "utf-8") if rng.random() < 0.15 else "utf-8"
    date_meta = (f'<meta property="article:published_time" content="{published.isoformat()}">'
                 if rng.random() < 0.8 else "")
    head = (f'<head><meta charset="{charset}"><title>{title} - {site}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<meta name="description" content="{_headline(rng, vocab)}">'
            f'<meta property="og:title" content="{title}"><meta property="og:site_name" content="{site}">'
            f'<meta property="og:url" content="{url}"><link rel="canonical" href="{url}">'
            f'<meta name="author" content="{author}">{date_meta}'
            + "".join(f'<link rel="stylesheet" href="https://static.{site}/css/{_slug(rng)}.css">' for _ in range(rng.randint(2, 6)))
            + f"<style>{_style_blob(rng, rng.randint(1000, 8000))}</style>"
            + f"<script>{_script_blob(rng, rng.randint(1500, 6000))}</script>"
            + '<script type="application/ld+json">' + json.dumps({
                "@context": "https://schema.org", "@type": "NewsArticle", "headline": title,
                "datePublished": published.isoformat(), "author": {"@type": "Person", "name": author},
                "publisher": {"@type": "Organization", "name": site}}, ensure_ascii=False) + "</script></head>")
    header = f'<header class="site-header"><div class="logo"><a href="/">{site}</a></div>{_mega_menu(rng, vocab)}</header>'
    byline = f'<div class="byline"><span class="author">{author}</span> <time datetime="{published.isoformat()}">{published:%d.%m.%Y %H:%M}</time></div>'
    if style == "layout_table":
        article = (f'<table width="100%" cellpadding="0"><tr><td class="leftnav" width="160">'
                   f'{_link_list(rng, vocab, 20, "leftmenu")}</td><td class="content"><h1>{title}</h1>{byline}'
                   f"{body}</td></tr></table>")
    elif style == "hydrated":
        state = {"article": {"id": index, "title": title, "section": section,
                             "tags": [rng.choice(vocab.content_words) for _ in range(8)],
                             "teasers": [_headline(rng, vocab) for _ in range(rng.randint(10, 30))]}}
        article = (f'<div id="__next"><main><article class="story"><h1 class="story-title">{title}</h1>{byline}'
                   f'<div class="story-body">{body}</div></article></main></div>'
                   f'<script id="__NEXT_DATA__" type="application/json">{json.dumps(state, ensure_ascii=False)}</script>')
    else:
        article = (f'<div class="container"><main id="content"><article class="post"><h1 class="entry-title">{title}</h1>'
                   f'{byline}<div class="entry-content">{body}</div></article></main></div>')
    target = int(math.exp(rng.uniform(math.log(MIN_PAGE_BYTES), math.log(MAX_PAGE_BYTES))))
    footer = _footer(rng, vocab, site)
    html_start = f'<!DOCTYPE html><html lang="{language}">{head}<body class="single {style}">{header}'
    before: list[str] = []
    after: list[str] = []
    size = len((html_start + article + footer).encode("utf-8"))
    while size < target:
        block = _padding_block(rng, vocab)
        if size + len(block.encode("utf-8")) > MAX_PAGE_BYTES:
            break
        (before if rng.random() < 0.3 else after).append(block)
        size += len(block.encode("utf-8"))
    html = html_start + "".join(before) + article + "".join(after) + footer + "</body></html>"
    encoded = html.encode(charset, errors="xmlcharrefreplace")
    return CorpusPage(name=f"gen-{index:05d}", url=url, language=language, style=style,
                      content_type=f"text/html; charset={charset}", charset=charset, body=encoded,
                      reference=tuple(paragraphs))


def generate_page(seed: int, index: int) -> CorpusPage:
    """Page ``index`` of the corpus ``seed``; independent of every other page."""
    rng = random.Random(f"presspipe-bench:{seed}:{index}")
    return _page(rng, index, LANGUAGES[index % len(LANGUAGES)], rng.choice(STYLES))


def cache_root() -> Path:
    return Path(os.environ.get("PRESSPIPE_BENCH_CACHE") or Path(tempfile.gettempdir()) / "presspipe-bench")


def _corpus_dir(seed: int) -> Path:
    return cache_root() / f"corpus-v{GENERATOR_VERSION}-seed{seed}"


def load_corpus(count: int, seed: int = 0) -> list[CorpusPage]:
    """The first ``count`` generated pages, from the cache where present (written atomically, page by page)."""
    directory = _corpus_dir(seed)
    directory.mkdir(parents=True, exist_ok=True)
    pages: list[CorpusPage] = []
    for index in range(count):
        meta_path = directory / f"{index:05d}.json"
        body_path = directory / f"{index:05d}.html"
        if meta_path.exists() and body_path.exists():
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            meta["reference"] = tuple(meta.get("reference", ()))
            pages.append(CorpusPage(body=body_path.read_bytes(), **meta))
            continue
        page = generate_page(seed, index)
        for path, data in ((body_path, page.body), (meta_path, json.dumps(
                {k: v for k, v in page.__dict__.items() if k != "body"}, ensure_ascii=False).encode("utf-8"))):
            temporary = path.with_suffix(path.suffix + ".tmp")
            temporary.write_bytes(data)
            temporary.replace(path)
        pages.append(page)
    return pages


def fixture_pages() -> list[CorpusPage]:
    """The hand-written HTML fixtures of the enrichment tests, as they are (small pages, odd charsets)."""
    pages = []
    for path in sorted(FIXTURES.glob("*.html")):
        expected = json.loads(path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8"))
        pages.append(CorpusPage(name=f"fixture-{path.stem}", url=f"https://fixtures.example/{path.stem}.html",
                                language=expected.get("language", "und"), style="fixture",
                                content_type="text/html", charset=None, body=path.read_bytes()))
    return pages


def benchmark_corpus(count: int, seed: int = 0) -> list[CorpusPage]:
    """``count`` generated pages followed by the fixtures."""
    return load_corpus(count, seed) + fixture_pages()
