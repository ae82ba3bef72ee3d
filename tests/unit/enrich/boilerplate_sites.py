"""Generated sites for the boilerplate tests: 20-50 articles per site, several scripts, shared blocks placed before
the body, in the middle and at the end, with the expected clean paragraphs known by construction."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timezone

from presspipe.schemas.records import Article, Entity, Source

FIXED = datetime(2024, 6, 20, tzinfo=timezone.utc)

# Letters per script, to write words that look like the script (content is random, meaning is irrelevant here).
_ALPHABETS = {
    "latin": "abcdefghijklmnoprstuvwyz",
    "cyrillic": "абвгдежзиклмнопрстуфхцчшыэюя",
    "devanagari": "कखगघचछजझटठडढणतथदधनपफबभमयरलवशसह",
    "arabic": "ابتثجحخدذرزسشصضطظعغفقكلمنهوي",
}
_HAN = "日本東京大阪政府市議会経済新聞記者発表今年予算学校病院鉄道空港選挙警察裁判"


@dataclass(frozen=True)
class SiteSpec:
    domain: str
    script: str
    before: tuple[str, ...]  # site lines printed before the body of every article
    middle: tuple[str, ...]  # inserted in the middle of every article
    end: tuple[str, ...]  # after the body


SITES = (
    SiteSpec("www.harbour-times.co.uk", "latin",
             before=("Follow us on all channels",),
             middle=("Sign up to our morning briefing",),
             end=("Related stories", "Already a subscriber? Log in here")),
    SiteSpec("novosti.example", "cyrillic",
             before=("Подписывайтесь на наш канал",),
             middle=("Реклама",),
             end=("Читайте нас в мессенджерах", "Все права защищены © 2024")),
    SiteSpec("samachar.example", "devanagari",
             before=("ताज़ा ख़बरों के लिए हमें फ़ॉलो करें",),
             middle=("विज्ञापन",),
             end=("संबंधित ख़बरें",)),
    SiteSpec("shimbun.example", "han",
             before=("公式アカウントをフォロー",),
             middle=("広告",),
             end=("関連記事", "会員登録はこちら")),
    SiteSpec("akhbar.example", "arabic",
             before=("تابعونا على قنواتنا",),
             middle=("إعلان",),
             end=("اقرأ المزيد من الأخبار",)),
)


def _word(rng: random.Random, script: str) -> str:
    if script == "han":
        return "".join(rng.choices(_HAN, k=rng.randint(2, 4)))
    return "".join(rng.choices(_ALPHABETS[script], k=rng.randint(3, 9)))


def prose(rng: random.Random, script: str, words: int = 30) -> str:
    """A unique body paragraph: long (above the candidate length) in every script."""
    separator = "" if script == "han" else " "
    return separator.join(_word(rng, script) for _ in range(words)) + ("。" if script == "han" else ".")


def short_line(rng: random.Random, script: str) -> str:
    """A unique short paragraph (a subheading): a candidate, but never repeated."""
    separator = "" if script == "han" else " "
    return separator.join(_word(rng, script) for _ in range(3))


@dataclass(frozen=True)
class GeneratedArticle:
    article: Article
    expected_paragraphs: tuple[str, ...]  # what must survive


def make_article(article_id: str, url: str | None, paragraphs: list[str], entities: tuple[Entity, ...] = ()) -> Article:
    body = "\n\n".join(paragraphs)
    return Article(
        id=article_id, url=url, canonical_url=url, source=Source("files", "tests"), title=None, dateline=None,
        body=body, paragraphs=tuple(paragraphs), language="xx", language_confidence=1.0, declared_language=None,
        published_at=None, fetched_at=FIXED, processed_at=FIXED, authors=(), site_name=None, description=None,
        entities=entities, captions_removed=0, related_blocks_removed=0, word_count=len(body.split()),
        content_hash="h", raw_topic=None, raw_partition=None, raw_offset=None, pipeline_version="test",
    )


def generate_site(spec: SiteSpec, seed: int, count: int | None = None) -> list[GeneratedArticle]:
    """``count`` (default 20-50) articles; every one carries the site's shared blocks. The expected paragraphs are
    the article's own: its prose and its subheadings (unique short lines)."""
    rng = random.Random(f"{spec.domain}:{seed}")
    count = count or rng.randint(20, 50)
    articles = []
    for number in range(count):
        own = [prose(rng, spec.script) for _ in range(rng.randint(3, 8))]
        own.insert(rng.randrange(1, len(own)), short_line(rng, spec.script))
        middle = len(own) // 2
        paragraphs = [*spec.before, *own[:middle], *spec.middle, *own[middle:], *spec.end]
        url = f"https://{spec.domain}/news/{seed}-{number}.html"
        articles.append(GeneratedArticle(make_article(f"{spec.domain}-{seed}-{number}", url, paragraphs), tuple(own)))
    return articles
