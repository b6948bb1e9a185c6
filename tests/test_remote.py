"""Inputs in object storage: a real S3 endpoint (moto's server on 127.0.0.1), no cloud."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys

import pytest

from interact_cli.reporting import ReportOptions, build_report
from interact_cli.validation import validate

from .conftest import SAMPLE
from .test_threads import mixed_export

moto_server = pytest.importorskip("moto.server")
boto3 = pytest.importorskip("boto3")
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    """An S3 endpoint with a bucket of plain and gzipped exports, and the same files locally."""
    for key, value in {**CREDENTIALS, "AWS_DEFAULT_REGION": "us-east-1"}.items():
        os.environ.setdefault(key, value)
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    client.create_bucket(Bucket="exports")
    local = tmp_path_factory.mktemp("local")
    files = {
        "day/2026-10-01.ndjson": (SAMPLE / "events.ndjson").read_bytes(),
        "day/2026-10-02.ndjson": mixed_export(4),
        "day/2026-10-03.ndjson.gz": gzip.compress((SAMPLE / "broken.ndjson").read_bytes()),
    }
    for key, data in files.items():
        client.put_object(Bucket="exports", Key=key, Body=data)
        (local / key.replace("/", "_")).write_bytes(data)
    client.put_object(
        Bucket="exports", Key="cut/x.ndjson.gz", Body=files["day/2026-10-03.ndjson.gz"][:200]
    )
    odd = {"odd/empty.ndjson": b"", "odd/fake.gz": b"{}\n", "odd/a[1].ndjson": b"{}\n"}
    for key, data in odd.items():
        client.put_object(Bucket="exports", Key=key, Body=data)
    yield {"endpoint": endpoint, "local": sorted(str(p) for p in local.iterdir())}
    server.stop()


def cli(*args: str) -> subprocess.CompletedProcess:
    """interact-cli in a subprocess, with the test credentials in its environment."""
    command = [sys.executable, "-m", "interact_cli", *args]
    env = {**os.environ, **CREDENTIALS}
    return subprocess.run(command, capture_output=True, env=env, timeout=120)


def options(s3) -> dict:
    return {"endpoint_url": s3["endpoint"], "key": "testing", "secret": "testing"}


def renamed(result: dict) -> dict:
    """A result with file names reduced to their last part (keys and local names differ)."""
    for row in result.get("files", []):
        row["path"] = row["path"].rsplit("/", 1)[-1].rsplit("_", 1)[-1]
    for row in result.get("by_code", []):
        row["first_file"] = row["first_file"].rsplit("/", 1)[-1].rsplit("_", 1)[-1]
    for row in result.get("problems", []):
        row["file"] = row["file"].rsplit("/", 1)[-1].rsplit("_", 1)[-1]
    return result


@pytest.mark.parametrize("range_bytes", [9973, 64 << 10, 4 << 20])
def test_validate_and_report_over_s3_equal_the_local_run(s3, range_bytes):
    url = "s3://exports/day/*"
    got = validate([url], 1000, chunk_bytes=range_bytes, storage_options=options(s3))
    want = validate(s3["local"], 1000)
    assert renamed(got.to_dict()) == renamed(want.to_dict())
    assert got.files[0].path == "s3://exports/day/2026-10-01.ndjson"
    report = build_report(
        [url], ReportOptions(), chunk_bytes=range_bytes, storage_options=options(s3)
    )
    assert report.to_dict() == build_report(s3["local"], ReportOptions()).to_dict()


def test_the_cli_reads_s3_and_splits_its_lines_locally(s3, tmp_path):
    valid = tmp_path / "valid.ndjson"
    endpoint = f"endpoint_url={s3['endpoint']}"
    done = cli(
        "validate",
        "s3://exports/day/*.ndjson.gz",
        "--storage-option",
        endpoint,
        "--valid-out",
        str(valid),
    )
    assert done.returncode == 1, done.stderr
    assert len(valid.read_bytes().splitlines()) == 12


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("s3://no-such-bucket/x.ndjson", b"no such object"),
        ("s3://exports/day/*.csv", b"no object matches"),
        ("s3://exports/cut/x.ndjson.gz", b"compressed data ends early"),
    ],
)
def test_store_errors_are_one_line_and_exit_2(s3, url, expected):
    done = cli("report", url, "-f", "json", "--storage-option", f"endpoint_url={s3['endpoint']}")
    assert done.returncode == 2, done.stderr
    assert expected in done.stderr and done.stderr.count(b"\n") == 1, done.stderr


def test_an_unreachable_endpoint_is_one_line_and_secrets_are_never_shown():
    secret = "SUPERSECRET-do-not-print"
    done = cli(
        "validate",
        "s3://exports/x.ndjson",
        *("--storage-option", "endpoint_url=http://127.0.0.1:9"),
        *("--storage-option", f"secret={secret}", "--storage-option", "key=AKIDSECRETKEY"),
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.count(b"\n") == 1 and b"Traceback" not in done.stderr
    assert secret.encode() not in done.stderr + done.stdout
    assert b"AKIDSECRETKEY" not in done.stderr + done.stdout


def test_memory_urls_work_too():
    import fsspec

    fs = fsspec.filesystem("memory")
    fs.pipe("/exports/a.ndjson", (SAMPLE / "events.ndjson").read_bytes())
    got = validate(["memory://exports/*.ndjson"], 10).to_dict()
    assert (
        got["summary"]["lines"] == 5000 and got["files"][0]["path"] == "memory:///exports/a.ndjson"
    )


def test_without_fsspec_a_url_says_how_to_install_it(monkeypatch):
    from interact_cli.errors import InputError

    monkeypatch.setitem(sys.modules, "fsspec", None)  # as if the extra were not installed
    with pytest.raises(InputError, match=r"pip install 'interact-cli\[cluster\]'"):
        validate(["s3://exports/x.ndjson"], 10)


def test_a_denied_read_is_one_line_naming_the_object():
    from interact_cli.errors import InputError
    from interact_cli.inputs import InputSource, read_chunks

    class Denied:
        def cat_file(self, path, start=None, end=None):
            raise PermissionError("Access Denied")

    source = InputSource("s3://shop/x.ndjson", "shop/x.ndjson", 10, True, Denied(), {})
    with pytest.raises(InputError, match=r"^s3://shop/x.ndjson: cannot read: access denied$"):
        list(read_chunks(source, iter([bytearray(16)])))


def test_a_prefix_is_not_an_object(s3):
    from interact_cli.errors import InputError

    with pytest.raises(InputError, match="is a folder"):
        validate(["s3://exports/day"], 10, storage_options=options(s3))


def test_odd_objects_are_read_as_local_files_would_be(s3):
    from interact_cli.errors import InputError

    empty = validate(["s3://exports/odd/empty.ndjson"], 10, storage_options=options(s3))
    assert empty.summary.lines == 0
    literal = validate(["s3://exports/odd/a[1].ndjson"], 10, storage_options=options(s3))
    assert literal.summary.lines == 1
    with pytest.raises(InputError, match="not a gzip file"):
        validate(["s3://exports/odd/fake.gz"], 10, storage_options=options(s3))


def test_file_urls_are_local_files(tmp_path):
    from interact_cli.errors import InputError

    path = tmp_path / "e.ndjson"
    path.write_bytes((SAMPLE / "events.ndjson").read_bytes())
    assert validate([f"file://{path}"], 10).summary.lines == 5000
    with pytest.raises(InputError, match="given more than once"):
        validate([str(path), f"file://{path}"], 10)
    done = cli("report", f"file://{path}", "-f", "json", "-o", str(path))
    assert done.returncode == 2 and b"refusing to overwrite an input" in done.stderr


def test_storage_option_values_never_show_even_nested_or_malformed():
    secret = "Sup3rS3cretXYZ"
    nested = cli(
        "validate",
        "s3://exports/x.ndjson",
        "--storage-option",
        f'client_kwargs={{"endpoint_url": "bad:{secret}"}}',
    )
    malformed = cli("validate", "s3://exports/x.ndjson", "--storage-option", f"={secret}")
    odd_protocol = cli("validate", "github://x")
    for done in (nested, malformed, odd_protocol):
        assert done.returncode == 2, done.stderr
        assert done.stderr.count(b"\n") == 1 and secret.encode() not in done.stderr


def test_export_reads_s3_into_the_rows_of_a_local_run(s3, tmp_path):
    import polars as pl

    out = tmp_path / "remote.parquet"
    endpoint = f"endpoint_url={s3['endpoint']}"
    done = cli("export", "s3://exports/day/*", "--storage-option", endpoint, "-o", str(out))
    assert done.returncode == 0, done.stderr
    local = tmp_path / "local.parquet"
    assert cli("export", *s3["local"], "-o", str(local)).returncode == 0
    remote_rows, local_rows = pl.read_parquet(out), pl.read_parquet(local)
    assert remote_rows["path"].unique(maintain_order=True).to_list() == [
        "s3://exports/day/2026-10-01.ndjson",
        "s3://exports/day/2026-10-02.ndjson",
        "s3://exports/day/2026-10-03.ndjson.gz",
    ]
    assert remote_rows.drop("path").equals(local_rows.drop("path"))
