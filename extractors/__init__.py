"""Pure extraction: bytes or text in, frozen dataclasses out.

No network, no database, no scheduler: everything here can run in any worker
process and be tested on saved pages.
"""

from extractors.article import extract_article
from extractors.errors import ExtractionError, NotAnArticle
from extractors.facts import EXTRACTOR_VERSION, extract_facts, tag_topics
from extractors.models import FACT_TYPES, Article, Fact

__all__ = [
    "EXTRACTOR_VERSION",
    "FACT_TYPES",
    "Article",
    "ExtractionError",
    "Fact",
    "NotAnArticle",
    "extract_article",
    "extract_facts",
    "tag_topics",
]
