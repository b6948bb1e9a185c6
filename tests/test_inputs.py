"""Library tests of reading inputs: compression, globs, stdin, line splitting, hostile bytes."""

from __future__ import annotations

import gzip
import json
import os
import random
import subprocess
import sys

import pytest
import zstandard

from interact_cli.errors import InputError
from interact_cli.inputs import resolve_inputs
from interact_cli.validation import validate

from .conftest import DOCUMENTED, documented_lines

GOOD = documented_lines()[0]


def run(*paths: str):
    return validate(list(paths), max_problems=1000)


def counts(result) -> tuple[int, int, int, int]:
    s = result.summary
    assert s.lines == s.valid + s.invalid + s.blank
    return s.lines, s.valid, s.invalid, s.blank


def write(tmp_path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_plain_gzip_and_zstd_give_the_same_counts(tmp_path):
    data = DOCUMENTED.read_bytes()
    plain = write(tmp_path, "a.ndjson", data)
    gz = write(tmp_path, "a.ndjson.gz", gzip.compress(data))
    zst = write(tmp_path, "a.ndjson.zst", zstandard.ZstdCompressor().compress(data))
    assert counts(run(plain)) == counts(run(gz)) == counts(run(zst)) == (7, 6, 1, 0)


def test_compression_is_found_by_content_not_name(tmp_path):
    data = DOCUMENTED.read_bytes()
    disguised = write(tmp_path, "export.ndjson", gzip.compress(data))
    assert counts(run(disguised)) == (7, 6, 1, 0)


def test_multi_member_gzip_and_multi_frame_zstd_are_read_whole(tmp_path):
    data = DOCUMENTED.read_bytes()
    gz = write(tmp_path, "m.gz", gzip.compress(data) + gzip.compress(data))
    compressor = zstandard.ZstdCompressor()
    zst = write(tmp_path, "m.zst", compressor.compress(data) + compressor.compress(data))
    assert counts(run(gz)) == counts(run(zst)) == (14, 12, 2, 0)


def test_blank_crlf_and_bom_lines(tmp_path):
    data = b"\xef\xbb\xbf" + GOOD + b"\r\n\r\n  \t \n\n" + GOOD + b"\r\n" + GOOD
    result = run(write(tmp_path, "x.ndjson", data))
    assert counts(result) == (6, 3, 0, 3)
    assert result.problems == []


def test_a_bom_later_in_the_file_is_an_error(tmp_path):
    result = run(write(tmp_path, "x.ndjson", GOOD + b"\n\xef\xbb\xbf" + GOOD + b"\n"))
    assert counts(result) == (2, 1, 1, 0)
    assert [(p.line, p.code) for p in result.problems] == [(2, "invalid-json")]


def test_a_lone_carriage_return_is_not_a_line_break(tmp_path):
    result = run(write(tmp_path, "x.ndjson", GOOD + b"\r" + GOOD + b"\n"))
    assert counts(result) == (1, 0, 1, 0)


def test_glob_is_expanded_by_the_tool_in_sorted_order(tmp_path):
    for name in ("b.ndjson", "a.ndjson", "c.txt"):
        write(tmp_path, name, GOOD + b"\n")
    result = run(str(tmp_path / "*.ndjson"))
    assert [os.path.basename(f.path) for f in result.files] == ["a.ndjson", "b.ndjson"]
    assert counts(result) == (2, 2, 0, 0)


def test_several_files_are_counted_apart_and_together(tmp_path):
    a = write(tmp_path, "a.ndjson", GOOD + b"\n\n")
    b = write(tmp_path, "b.ndjson", b"{}\n" + GOOD + b"\n")
    result = run(a, b)
    assert [(f.lines, f.valid, f.invalid, f.blank) for f in result.files] == [
        (2, 1, 0, 1),
        (2, 1, 1, 0),
    ]
    assert counts(result) == (4, 2, 1, 1)
    assert [(os.path.basename(p.file), p.line) for p in result.problems][:1] == [("b.ndjson", 1)]


def test_stdin_is_read_when_the_path_is_a_dash():
    command = [sys.executable, "-m", "interact_cli", "validate", "-", "-f", "json"]
    data = gzip.compress(GOOD + b"\n{}\n")
    found = subprocess.run(command, input=data, capture_output=True, timeout=60)
    result = json.loads(found.stdout)
    summary = result["summary"]
    assert (summary["lines"], summary["valid"], summary["invalid"], summary["blank"]) == (
        2,
        1,
        1,
        0,
    )
    assert result["files"][0]["path"] == "<stdin>" and found.returncode == 1


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda d: str(d / "missing.ndjson"), "no such file"),
        (lambda d: str(d), "is a directory"),
        (lambda d: str(d / "nothing-*.ndjson"), "no file matches"),
    ],
    ids=["missing", "directory", "empty-glob"],
)
def test_unusable_paths_raise_input_error_naming_the_path(tmp_path, setup, message):
    spec = setup(tmp_path)
    with pytest.raises(InputError, match=message) as caught:
        resolve_inputs([spec])
    assert spec in str(caught.value)


def test_corrupt_gzip_raises_input_error(tmp_path):
    data = gzip.compress(DOCUMENTED.read_bytes() * 50)
    path = write(tmp_path, "bad.ndjson.gz", data[: len(data) // 2])
    with pytest.raises(InputError, match=r"bad\.ndjson\.gz"):
        run(path)


def test_gz_name_without_gzip_content_is_an_input_error(tmp_path):
    path = write(tmp_path, "plain.gz", GOOD + b"\n")
    with pytest.raises(InputError, match="not a gzip file"):
        run(path)


def test_corrupt_zstd_raises_input_error(tmp_path):
    data = zstandard.ZstdCompressor().compress(os.urandom(1000) * 20)
    path = write(tmp_path, "bad.zst", data[:8] + b"\x00" * 40)
    with pytest.raises(InputError, match=r"bad\.zst"):
        run(path)


def test_a_5_mb_line_is_judged_not_crashed(tmp_path):
    huge = b'{"pad":"' + b"x" * (5 * 1024 * 1024) + b'",' + GOOD[1:]
    result = run(write(tmp_path, "big.ndjson", huge + b"\n" + GOOD + b"\n"))
    assert counts(result) == (2, 2, 0, 0)


def test_100000_levels_of_nesting_is_too_deep(tmp_path):
    deep = b"[" * 100_000 + b"]" * 100_000
    deep_object = b'{"a":' * 100_000 + b"1" + b"}" * 100_000
    result = run(write(tmp_path, "deep.ndjson", deep + b"\n" + deep_object + b"\n"))
    assert counts(result) == (2, 0, 2, 0)
    assert {p.code for p in result.problems} == {"too-deep"}


def test_1000_levels_of_nesting_are_accepted_and_1001_are_too_deep(tmp_path):
    def line(levels: int) -> bytes:
        return GOOD[:-1] + b',"pad":' + b"[" * (levels - 1) + b"]" * (levels - 1) + b"}"

    result = run(write(tmp_path, "deep.ndjson", line(1000) + b"\n" + line(1001) + b"\n"))
    assert counts(result) == (2, 1, 1, 0)
    assert [(p.line, p.code) for p in result.problems] == [(2, "too-deep")]


def test_random_bytes_and_invalid_utf8_never_crash(tmp_path):
    rng = random.Random(42)
    junk = b"\n".join(
        bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300))) for _ in range(300)
    )
    junk += b"\n" + GOOD[:-1] + b',"x":"\xc3\x28"}' + b"\n\x00\x00\n"
    result = run(write(tmp_path, "junk.ndjson", junk))
    lines, valid, invalid, blank = counts(result)
    assert lines == junk.count(b"\n")  # the file ends with a newline
    assert valid == 0 and invalid + blank == lines
