"""A lake whose data path is an S3 bucket: moto's S3 server on a loopback port, a real PostgreSQL catalog.

DuckDB's httpfs extension talks S3 to the server as it would to any S3-compatible
store (path-style URLs, no TLS, credentials from the AWS_* variables), so what is
tested is the product's own path: the secret made from the environment, Parquet
files written to and read from the bucket, page bodies in the archive folder,
loads that never duplicate, trend views, and the housekeeping.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.postgres import free_port
from warehouse import lake as lake_module
from warehouse import list_trends, load_pages, maintain, query_trend, reader

sys.path.insert(0, str(Path(__file__).with_name("lake_worker.py").parent))
from lake_worker import page

BUCKET = "news-lake"


@pytest.fixture
def s3_lake(postgres: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Any]]:
    """A lake location on a fresh bucket of a moto S3 server, and a boto3 client of that server."""
    import boto3
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    for key, value in {
        "AWS_ACCESS_KEY_ID": "newsfacts-test",
        "AWS_SECRET_ACCESS_KEY": "newsfacts-test-secret",
        "AWS_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": endpoint,
    }.items():
        monkeypatch.setenv(key, value)
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    name = f"lake_s3_{free_port()}"
    postgres.create_database(name)
    archive = tmp_path / "pages"
    location = f"ducklake:postgres:{postgres.dsn(name)}?data_path=s3://{BUCKET}/lake/&archive_path={archive}"
    try:
        yield location, s3
    finally:
        lake_module.close_all()
        postgres.drop_database(name)
        server.stop()


def _keys(s3: Any) -> list[str]:
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix="lake/")
    return [item["Key"] for item in listed.get("Contents", [])]


def test_a_lake_on_a_bucket_loads_reads_and_tidies(s3_lake: tuple[str, Any], tmp_path: Path) -> None:
    location, s3 = s3_lake
    for batch in range(3):
        load_pages(location, [page(n) for n in range(batch * 5, batch * 5 + 5)], run_id=f"r{batch}")
    load_pages(location, [page(n) for n in range(5)], run_id="again")  # a re-run duplicates nothing
    keys = _keys(s3)
    assert keys and all(key.endswith(".parquet") for key in keys)  # the data is in the bucket
    assert any((tmp_path / "pages").rglob("*"))  # the page bodies in the archive folder
    with reader(location) as con:
        counts = con.execute(
            "SELECT (SELECT count(*) FROM pages), (SELECT count(DISTINCT url) FROM pages),"
            " (SELECT count(*) FROM facts)"
        ).fetchone()
    assert counts == (15, 15, 30)
    trends = {name: query_trend(location, name).rows for name, _ in list_trends(location)}
    assert trends
    done = maintain(location, keep_days=0)
    assert done is not None and done.snapshots_after < done.snapshots_before
    assert {name: query_trend(location, name).rows for name, _ in list_trends(location)} == trends
