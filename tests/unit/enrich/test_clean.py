from __future__ import annotations

import pytest
from lxml import html as lxml_html

from presspipe.pipelines.enrich.clean import (
    clean_paragraphs,
    is_caption_line,
    is_edge_furniture,
    find_prune_targets,
    is_image_file_line,
    read_also_kind,
    trim_edge_furniture,
)

BODY = [f"Paragraph number {n} of the article says something different about the city budget." for n in range(6)]


@pytest.mark.parametrize(
    "line",
    [
        "रूसी राष्ट्रपति मार्च में शपथ लेंगे। फोटो: स्पुतनिक",
        "The minister arrives in Hanoi. Photo: Reuters",
        "Xe buýt điện chạy thử trên phố Kim Mã. Ảnh: TTXVN",
        "Ảnh: TTXVN",
        "Der Lesesaal wurde renoviert. Foto: dpa",
        "Так будет выглядеть аллея. Фото: пресс-служба",
        "昨年の読書会の様子（写真：市立図書館提供）",
        "Bañistas en la playa. (Foto: EFE)",
        "Putin in Hanoi, June 20, 2024. REUTERS/Minh Hoang",
        "Crowds at the opening (Photo by Jane Smith)",
    ],
)
def test_caption_lines(line):
    assert is_caption_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "He said the photo was taken in 2001 and has never been published before.",
        "The photo: a rare record of the old harbour, he wrote, deserves a place in the museum because it shows the town before the war.",
        "Những bức ảnh ghi lại cảnh ra khơi lúc bình minh.",
        "Ảnh đoạt giải nhất chụp một cụ bà đang vá lưới dưới mái hiên trong cơn mưa chiều.",
        "The photos of empty quays that circulated online had shown how much the town depends on the port, she added.",
        "कई लोगों ने अपने मोहल्ले की तस्वीरें सोशल मीडिया पर भी साझा कीं।",
    ],
)
def test_paragraphs_about_photos_are_not_captions(line):
    assert not is_caption_line(line)
    assert not is_image_file_line(line)
    assert read_also_kind(line) is None


@pytest.mark.parametrize("line", ["bee putin 17151391638251627662991.jpeg", "IMG_2024.JPG", "https://cdn.example/a/b.webp?w=640"])
def test_image_file_lines(line):
    assert is_image_file_line(line)


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("यह भी पढ़ें: गर्मी में पानी की किल्लत", "inline"),
        ("Read also: Bridge repairs to close the crossing", "inline"),
        ("Xem thêm: Tuyến metro chạy thử", "inline"),
        ("Lire aussi : Les prix des billets vont-ils augmenter ?", "inline"),
        ("Читайте также: Трамвайную линию продлят", "inline"),
        ("Lesen Sie auch: Museumsnacht lockt Besucher", "inline"),
        ("Baca juga: Tarif angkutan umum tidak naik", "inline"),
        ("Baca juga Tarif angkutan umum tidak naik", "inline"),
        ("Lee también: Alerta por medusas", "inline"),
        ("READ MORE: Village hall roof to be replaced", "inline"),
        ("Xem thêm:", "bare"),
        ("Related", "bare"),
        ("Read more about it in the annual report, the minister said on Tuesday.", None),
        ("Related industries grew by four percent last year, according to the report.", None),
    ],
)
def test_read_also_lines(line, kind):
    assert read_also_kind(line) == kind


def test_trailing_repeated_headline_runs_are_removed_with_teasers():
    run = ["Headline one about the port", "Headline one about the port", "Teaser of story one.",
           "Headline two", "Headline two", "Teaser of story two."]
    result = clean_paragraphs(BODY + run)
    assert result.paragraphs == tuple(BODY)
    assert result.related_blocks_removed == 2


def test_run_without_teaser_and_paragraphs_sharing_words_stay():
    sharing = "Headline one about the port was also the subject of a council debate, said the mayor."
    paragraphs = BODY[:3] + [sharing] + BODY[3:] + ["Headline one about the port", "Headline one about the port"]
    result = clean_paragraphs(paragraphs)
    assert result.paragraphs == tuple(BODY[:3] + [sharing] + BODY[3:])
    assert result.related_blocks_removed == 1


def test_repeats_in_the_middle_are_not_related_blocks():
    paragraphs = BODY[:2] + ["Same line", "Same line"] + BODY[2:]
    assert clean_paragraphs(paragraphs).paragraphs == tuple(paragraphs)


def test_bare_marker_takes_the_headlines_after_it():
    paragraphs = BODY[:3] + ["Read also:", "Short related headline"] + BODY[3:]
    result = clean_paragraphs(paragraphs)
    assert result.paragraphs == tuple(BODY)
    assert result.related_blocks_removed == 1


def _target_text(targets) -> str:
    return " ".join(" ".join(element.itertext()) for element in targets.captions + targets.related + targets.navigation)


def test_prune_targets_are_cms_captions_and_related_boxes():
    tree = lxml_html.document_fromstring(
        "<html><body><article>"
        "<p>Kept paragraph one.</p>"
        '<div class="wp-caption"><img src="a.jpg"><p class="wp-caption-text">Caption A. Photo: X</p></div>'
        '<table><tr><td><img src="b.jpg"></td></tr><tr><td class="image_caption">Caption B. Ảnh: Y</td></tr></table>'
        "<figure><img src='c.jpg'><figcaption>Caption C</figcaption></figure>"
        '<p>Caption D text. <span class="credit">Foto: Z</span></p>'
        '<div class="related-news"><a href="/1">Related one</a> <a href="/2">Related two</a></div>'
        "<p>Kept paragraph two.</p>"
        "</article></body></html>"
    )
    targets = find_prune_targets(tree)
    text = _target_text(targets)
    assert "Kept paragraph one." not in text and "Kept paragraph two." not in text
    for gone in ("Caption A", "Caption B", "Caption C", "Caption D", "Related one"):
        assert gone in text
    assert len(targets.captions) >= 4 and len(targets.related) == 1


def test_prune_targets_spare_large_containers_with_unlucky_classes():
    long_text = " ".join(["This is real article text."] * 60)
    tree = lxml_html.document_fromstring(
        f'<html><body><div class="article-with-related-links"><p>{long_text}</p><p>{long_text}</p></div>'
        f'<div class="has-caption-style"><p>{long_text}</p><p>{long_text}</p><p>{long_text}</p></div></body></html>'
    )
    targets = find_prune_targets(tree)
    assert len(targets.captions) == 0 and len(targets.related) == 0
    assert "real article text" not in _target_text(targets)
    assert tree.text_content().count("real article text") == 300


def test_edge_furniture_only_at_the_edges():
    paragraphs = ("By Jane Roe", "Published 12/06/2024 08:30", *BODY, "Short fragment", *BODY[:1], "© 2024 Example Media")
    trimmed = trim_edge_furniture(paragraphs)
    assert trimmed == (*BODY, "Short fragment", BODY[0])
    assert not is_edge_furniture(BODY[0])


# Scraped text of the seeds' shape in other languages and scripts (own-written): a headline, a dateline, the story,
# then related-article teasers, each headline twice in a row (image title + link) followed by its one-paragraph teaser.
_TEASER_CASES = {
    "es": ("El puerto de Valdemora reabre tras la huelga", "VALDEMORA",
           ["VALDEMORA: Los estibadores del puerto de Valdemora volvieron al trabajo el martes tras nueve días de huelga.",
            "El acuerdo prevé una subida salarial del cuatro por ciento y la contratación de doscientos trabajadores.",
            "La patronal dijo que las pérdidas acumuladas superan los treinta millones de euros."],
           [("El Gobierno aprueba el plan de puertos", "El plan prevé invertir mil millones en diez años en los muelles."),
            ("Los camioneros anuncian nuevas protestas", "Los transportistas protestarán el lunes por el precio del gasóleo.")]),
    "ru": ("Порт Вальдемора возобновил работу после забастовки", "ВАЛЬДЕМОРА",
           ["ВАЛЬДЕМОРА: Докеры порта Вальдемора вернулись к работе во вторник после девяти дней забастовки.",
            "Соглашение предусматривает повышение зарплаты на четыре процента и наём двухсот новых работников.",
            "По словам работодателей, накопленные убытки превышают тридцать миллионов евро."],
           [("Правительство одобрило план развития портов", "План предусматривает инвестиции в миллиард евро за десять лет."),
            ("Водители грузовиков объявили новые протесты", "Перевозчики выйдут на протест в понедельник из-за цен на топливо.")]),
    "vi": ("Cảng Valdemora hoạt động trở lại sau đình công", "VALDEMORA",
           ["VALDEMORA: Công nhân bốc xếp cảng Valdemora đã trở lại làm việc hôm thứ Ba sau chín ngày đình công.",
            "Thỏa thuận gồm mức tăng lương bốn phần trăm và tuyển thêm hai trăm lao động.",
            "Giới chủ cho biết thiệt hại tích lũy vượt quá ba mươi triệu euro."],
           [("Chính phủ thông qua kế hoạch phát triển cảng biển", "Kế hoạch dự kiến đầu tư một tỷ euro trong mười năm."),
            ("Tài xế xe tải tuyên bố biểu tình mới", "Các nhà vận tải sẽ biểu tình vào thứ Hai vì giá nhiên liệu.")]),
    "ja": ("バルデモラ港、ストライキ後に再開", None,
           ["港湾労働者は九日間のストライキの後、火曜日に仕事に戻った。", "合意には四パーセントの賃上げと二百人の新規採用が含まれる。",
            "経営側は累積損失が三千万ユーロを超えると述べた。"],
           [("政府、港湾整備計画を承認", "計画は十年間で十億ユーロの投資を見込み、岸壁を近代化する。"),
            ("トラック運転手が新たな抗議を表明", "運送業者は燃料価格と通行料をめぐり月曜日に抗議する。")]),
}


@pytest.mark.parametrize("language", sorted(_TEASER_CASES))
def test_teasers_after_repeated_related_headlines_go_in_any_language(language):
    from presspipe.pipelines.enrich.record import Provenance, enrich_article

    from .conftest import FIXED_TIME, make_raw

    title, dateline, story, blocks = _TEASER_CASES[language]
    lines = [title, *story] + [line for headline, teaser in blocks for line in (headline, headline, teaser)]
    article = enrich_article(make_raw("\n".join(lines).encode("utf-8"), content_type="text/plain"),
                             provenance=Provenance(), processed_at=FIXED_TIME)
    body = [story[0].removeprefix(f"{dateline}: ") if dateline else story[0], *story[1:]]
    assert list(article.paragraphs) == body
    assert article.related_blocks_removed == len(blocks)
    assert article.title == title and article.dateline == dateline
