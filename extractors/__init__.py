"""Pure extraction: bytes or text in, frozen dataclasses out.

No network, no database, no scheduler: everything here can run in any worker
process and be tested on saved pages.
"""

from extractors.article import ARTICLE_EXTRACTOR_VERSION, extract_article
from extractors.errors import ExtractionError, NotAnArticle
from extractors.facts import EXTRACTOR_VERSION as FACTS_EXTRACTOR_VERSION
from extractors.facts import extract_facts, tag_topics
from extractors.models import FACT_TYPES, Article, Fact

# What produced a stored article and its facts; rows with another version are
# re-extracted from their stored pages by `newsfacts reextract`.
EXTRACTOR_VERSION = f"{ARTICLE_EXTRACTOR_VERSION}+{FACTS_EXTRACTOR_VERSION}"

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
