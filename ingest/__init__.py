"""The ingest library: sources, discovery, the fetch-extract-load pipeline, WARC reading, source health.

Plain Python with no Prefect import: :mod:`flows` wraps it in Prefect flows and tasks, :mod:`cli` calls it
from the command line.
"""
