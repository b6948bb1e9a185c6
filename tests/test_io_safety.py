"""Nothing lost, nothing injected: outputs, inputs, pipes and terminals (issue 9).

Most tests run the real CLI in a subprocess: signals, pipes, FIFOs and stdout's file
descriptor behave differently under CliRunner.
"""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import SAMPLE

EVENTS = SAMPLE / "events.ndjson"
BROKEN = SAMPLE / "broken.ndjson"
ROOT = Path(__file__).resolve().parent.parent


def cli(*args: str, input: bytes | None = None, cwd: Path | None = None, width: int = 100):
    """Run interact-cli in a subprocess; stdout and stderr captured as bytes."""
    env = {**os.environ, "COLUMNS": str(width), "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "interact_cli", *args],
        input=input,
        capture_output=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )


def shell(command: str, cwd: Path):
    """Run a shell pipeline with `CLI` standing for the interact-cli command."""
    cli_command = f"{sys.executable} -m interact_cli"
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1", "CLI": cli_command}
    return subprocess.run(
        ["bash", "-c", command], capture_output=True, cwd=cwd, env=env, timeout=120
    )


def temporaries(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".interact-cli-")]


def read_fifo_in_background(path: Path) -> tuple[threading.Thread, list[bytes]]:
    got: list[bytes] = []

    def read() -> None:
        with open(path, "rb") as stream:
            got.append(stream.read())

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread, got


# Case 1: symlinks, FIFOs and devices are outputs, not paths to replace.


def test_symlink_output_replaces_the_target_and_keeps_the_link(tmp_path):
    (tmp_path / "real.json").write_text("old")
    (tmp_path / "link.json").symlink_to("real.json")
    done = cli("report", str(EVENTS), "-f", "json", "-o", "link.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "link.json").is_symlink()
    assert (tmp_path / "real.json").read_text().startswith("{")
    assert temporaries(tmp_path) == []


def test_dangling_symlink_output_creates_its_target(tmp_path):
    (tmp_path / "link.csv").symlink_to("made.csv")
    done = cli("report", str(EVENTS), "-f", "csv", "-o", "link.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "link.csv").is_symlink()
    assert (tmp_path / "made.csv").read_text().startswith("set_id,")


def test_fifo_output_is_written_through_to_its_reader(tmp_path):
    fifo = tmp_path / "valid.fifo"
    os.mkfifo(fifo)
    thread, got = read_fifo_in_background(fifo)
    done = cli("validate", str(BROKEN), "--valid-out", str(fifo))
    thread.join(10)
    assert done.returncode == 1
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert got and got[0].count(b"\n") == 12  # the valid lines of broken.ndjson
    assert temporaries(tmp_path) == []


def test_fifo_output_of_report_reaches_its_reader(tmp_path):
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    thread, got = read_fifo_in_background(fifo)
    done = cli("report", str(EVENTS), "-f", "csv", "-o", str(fifo))
    thread.join(10)
    assert done.returncode == 0, done.stderr
    assert got and got[0].startswith(b"set_id,")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@pytest.mark.skipif(os.geteuid() != 0, reason="mknod of a character device needs root")
def test_device_output_stays_a_device(tmp_path):
    # A private copy of /dev/null (major 1, minor 3): never the machine's own.
    device = tmp_path / "null"
    os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    done = cli("validate", str(BROKEN), "--valid-out", str(device), "--invalid-out", str(device))
    assert done.returncode == 1, done.stderr
    assert stat.S_ISCHR(os.lstat(device).st_mode)
    done = cli("report", str(EVENTS), "-o", str(device))
    assert done.returncode == 0, done.stderr
    assert stat.S_ISCHR(os.lstat(device).st_mode)
    assert temporaries(tmp_path) == []


def test_dev_stdout_on_a_pipe_prints(tmp_path):
    done = cli("report", str(EVENTS), "-f", "csv", "-o", "/dev/stdout")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(b"set_id,")


# Case 2 and 3: an output that is an input, or two outputs into one file.


def test_report_refuses_to_overwrite_its_input(tmp_path):
    data = tmp_path / "m.ndjson"
    data.write_bytes(EVENTS.read_bytes())
    done = cli("report", str(data), "-f", "json", "-o", str(data))
    assert done.returncode == 2
    assert b"refusing to overwrite an input file" in done.stderr
    assert data.read_bytes() == EVENTS.read_bytes()


def test_an_input_reached_through_a_symlink_or_hard_link_is_refused(tmp_path):
    data = tmp_path / "m.ndjson"
    data.write_bytes(EVENTS.read_bytes())
    (tmp_path / "soft").symlink_to(data)
    os.link(data, tmp_path / "hard")
    for output in ("soft", "hard"):
        done = cli("report", str(data), "-o", str(tmp_path / output))
        assert done.returncode == 2, output
    assert data.read_bytes() == EVENTS.read_bytes()


def test_valid_and_invalid_out_into_one_file_is_refused(tmp_path):
    done = cli("validate", str(BROKEN), "--valid-out", "X", "--invalid-out", "X", cwd=tmp_path)
    assert done.returncode == 2
    assert b"same file" in done.stderr
    assert not (tmp_path / "X").exists()
    (tmp_path / "Y").write_text("keep")
    (tmp_path / "Z").symlink_to("Y")
    done = cli("validate", str(BROKEN), "--valid-out", "Y", "--invalid-out", "Z", cwd=tmp_path)
    assert done.returncode == 2
    assert (tmp_path / "Y").read_text() == "keep"


# Case 8 and 9: directories, missing folders, and '-'.


@pytest.mark.parametrize(
    "args",
    [
        ("report", str(EVENTS), "-o", "."),
        ("validate", str(EVENTS), "--valid-out", "."),
        ("report", str(EVENTS), "-o", "missing/out.json"),
        ("validate", str(EVENTS), "--invalid-out", "missing/bad.ndjson"),
        ("schema", "-o", "."),
    ],
)
def test_a_directory_or_missing_folder_as_output_is_exit_2_in_one_line(tmp_path, args):
    done = cli(*args, cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("interact-cli: error: ")


def test_dash_output_is_stdout_not_a_file(tmp_path):
    done = cli("report", str(EVENTS), "-f", "csv", "-o", "-", cwd=tmp_path)
    assert done.returncode == 0
    assert done.stdout.startswith(b"set_id,")
    assert not (tmp_path / "-").exists()


def test_valid_out_dash_sends_lines_to_stdout_and_the_summary_to_stderr(tmp_path):
    done = cli("validate", str(BROKEN), "--valid-out", "-", "--invalid-out", "bad", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout.count(b"\n") == 12
    assert (tmp_path / "bad").read_bytes().count(b"\n") == 20
    assert b"12 valid, 20 invalid" in done.stderr


def test_both_split_outputs_dash_is_exit_2(tmp_path):
    done = cli("validate", str(BROKEN), "--valid-out", "-", "--invalid-out", "-", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stdout == b""


# Case 6: SIGTERM and SIGINT leave no temporary files.


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_during_split_writing_removes_the_temporary_files(tmp_path, signum, code):
    # The input is a FIFO kept open, so the run is surely mid-pass when the signal comes.
    fifo = tmp_path / "in.fifo"
    os.mkfifo(fifo)
    out = tmp_path / "out"
    out.mkdir()
    command = [sys.executable, "-m", "interact_cli", "validate", str(fifo)]
    command += ["--valid-out", str(out / "v"), "--invalid-out", str(out / "i")]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with open(fifo, "wb") as writer:
        writer.write(EVENTS.read_bytes()[:10_000])
        writer.flush()
        deadline = time.monotonic() + 30
        while len(temporaries(out)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(temporaries(out)) == 2
        process.send_signal(signum)
        try:
            _, stderr = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            _, stderr = process.communicate()
            pytest.fail(f"still running 60 s after the signal; stderr: {stderr!r}")
    assert process.returncode == code, stderr
    assert b"Traceback" not in stderr
    assert sorted(os.listdir(out)) == []


# Case 4: stdin, and any file, is read once.


@pytest.mark.parametrize("args", [("-", "-"), ("-", str(BROKEN), "-")])
def test_stdin_given_twice_is_exit_2(args):
    done = cli("validate", *args, input=b"garbage\n{}\n")
    assert done.returncode == 2
    assert b"more than once" in done.stderr
    assert done.stdout == b""


def test_the_same_file_twice_is_exit_2_naming_both(tmp_path):
    (tmp_path / "link.ndjson").symlink_to(BROKEN)
    done = cli("report", str(BROKEN), str(tmp_path / "link.ndjson"))
    assert done.returncode == 2
    assert b"the same file as" in done.stderr


def test_stdin_beside_a_large_file_is_read_not_lost(tmp_path):
    # Two inputs and several workers: stdin must not go to a worker (whose stdin is empty).
    done = cli("validate", "-", str(EVENTS), "--workers", "2", "-f", "json", input=b"garbage\n{}\n")
    files = json.loads(done.stdout)["files"]
    assert files[0] == {
        "path": "<stdin>",
        "lines": 2,
        "valid": 0,
        "invalid": 2,
        "blank": 0,
        "warnings": 0,
    }
    assert done.returncode == 1


# Case 5: a truncated zstd file is an input error, as a truncated gzip is.


def test_truncated_zstd_is_exit_2(tmp_path):
    import zstandard

    data = EVENTS.read_bytes()
    whole = zstandard.ZstdCompressor().compress(data[:50_000])
    whole += zstandard.ZstdCompressor().compress(data[50_000:])
    (tmp_path / "whole.zst").write_bytes(whole)
    done = cli("validate", str(tmp_path / "whole.zst"))
    assert done.returncode == 0, done.stderr
    for cut in (len(whole) // 2, len(whole) - 1):
        (tmp_path / "cut.zst").write_bytes(whole[:cut])
        done = cli("validate", str(tmp_path / "cut.zst"))
        assert done.returncode == 2
        assert b"cut.zst: cannot read: compressed data ends early" in done.stderr


# Case 13: FIFOs and process substitutions are read as streams.


def test_process_substitution_is_read_as_a_stream(tmp_path):
    done = shell(f"$CLI validate <(cat {EVENTS}) <(gzip -c {BROKEN}) -f json", tmp_path)
    assert done.returncode == 1, done.stderr
    files = json.loads(done.stdout)["files"]
    assert [f["lines"] for f in files] == [5000, 34]


def test_a_fifo_input_is_read_as_a_stream_by_report(tmp_path):
    fifo = tmp_path / "in.fifo"
    os.mkfifo(fifo)

    def feed() -> None:
        with open(fifo, "wb") as writer:
            writer.write(EVENTS.read_bytes())

    thread = threading.Thread(target=feed, daemon=True)
    thread.start()
    done = cli("report", str(fifo), "-f", "json", "--workers", "2")
    thread.join(10)
    assert done.returncode == 0, done.stderr
    assert b'"lines": 5000' in done.stdout


# Case 7: a reader that stops early (| head -1) gets no traceback and the verdict's code.


def closed_early(*args: str) -> subprocess.CompletedProcess:
    """Run the CLI with stdout a pipe whose reader has gone before anything is written."""
    read, write = os.pipe()
    os.close(read)  # the reader leaves at once, so the first write surely fails
    try:
        env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1"}
        return subprocess.run(
            [sys.executable, "-m", "interact_cli", *args],
            stdout=write,
            stderr=subprocess.PIPE,
            env=env,
            timeout=120,
        )
    finally:
        os.close(write)


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("validate", str(EVENTS)), 0),
        (("validate", str(EVENTS), "-f", "json"), 0),
        (("validate", str(BROKEN)), 1),
        (("report", str(EVENTS)), 0),
        (("report", str(EVENTS), "--by", "product", "--top", "0"), 0),
        (("report", str(EVENTS), "-f", "csv"), 0),
        (("report", str(BROKEN), "--fail-on-invalid", "-f", "markdown"), 1),
        (("schema",), 0),
        (("generate", "--events", "2000"), 0),
        (("--help",), 0),
        (("report", "--help"), 0),
        (("--version",), 0),
    ],
)
def test_a_reader_gone_early_is_quiet_and_keeps_the_verdict(args, code):
    done = closed_early(*args)
    assert done.returncode == code
    assert b"Traceback" not in done.stderr
    assert b"BrokenPipe" not in done.stderr and b"Exception ignored" not in done.stderr


def test_split_output_to_a_gone_reader_still_completes_the_other_file(tmp_path):
    bad = tmp_path / "bad"
    done = closed_early("validate", str(BROKEN), "--valid-out", "-", "--invalid-out", str(bad))
    assert done.returncode == 1
    assert b"Traceback" not in done.stderr
    assert bad.read_bytes().count(b"\n") == 20


def test_head_in_a_real_shell_pipeline_exits_0(tmp_path):
    done = shell(f"$CLI report {EVENTS} --top 0 | head -1; exit ${{PIPESTATUS[0]}}", tmp_path)
    assert done.returncode == 0
    assert done.stderr == b""


# Case 14: control characters from the data never reach the terminal raw.

CLEAR = "\u001b[2J\u001b[H"
RETITLE = "\u001b]0;pwned\u0007"
CSI = "\u009b"


def hostile_events(tmp_path: Path) -> Path:
    set_id = f"set-{RETITLE}-{CSI}31m"
    lines = []
    for user in ("u1", "u2"):
        event = {
            "type": "interact",
            "interact": {
                "action": "click",
                "type": "product",
                "product": {"sku": f"{CLEAR}{CSI}x"},
            },
            "context": [
                {"type": "setCompose", "setCompose": {"id": set_id}},
                {"type": "user", "user": {"id": user}},
            ],
        }
        lines.append(json.dumps(event))
    lines.append('{"type": "view", "view": {"type": "\u001b[31m"}, "context": []}')
    path = tmp_path / f"evil-\u001b[1m-{CSI}.ndjson"
    path.write_text("\n".join(lines) + "\n")
    return path


RAW = (b"\x1b", "\u009b".encode(), b"\x07")


@pytest.mark.parametrize(
    "args",
    [
        ("report", "--by", "product"),
        ("report",),
        ("report", "--by", "set-product", "-f", "markdown"),
        ("report", "--actions"),
        ("report", "--set", "set-", "--actions"),
        ("validate",),
        ("validate", "-f", "json"),
    ],
)
def test_control_characters_are_shown_escaped(tmp_path, args):
    data = hostile_events(tmp_path)
    done = cli(*args[:1], str(data), str(tmp_path / "missing\u001b]0;x\u0007"), *args[1:])
    assert done.returncode == 2  # the missing file's name reaches stderr escaped too
    assert not any(raw in done.stderr for raw in RAW)
    assert b"\\x1b]0;x\\x07" in done.stderr
    # validate shows file names only with several files
    extra = (str(BROKEN),) if args[0] == "validate" else ()
    done = cli(*args[:1], str(data), *extra, *args[1:], width=200)
    if "json" in args:  # JSON escapes C0 itself; C1 characters are valid JSON text
        assert b"\x1b" not in done.stdout and b"\x07" not in done.stdout
        return
    assert not any(raw in done.stdout + done.stderr for raw in RAW), done.stdout
    assert b"\\x1b" in done.stdout and b"\\x9b" in done.stdout


# Case 10 and 11: options that match nothing say so; impossible ones are exit 2.


def test_time_field_no_event_has_is_named_in_a_notice():
    done = cli("report", str(EVENTS), "--time-field", "nonexistent", "-f", "json")
    assert done.returncode == 0
    assert b"--time-field nonexistent: no event has this field" in done.stderr
    done = cli("report", str(EVENTS), "--time-field", "timestamp", "-f", "json")
    assert b"--time-field" not in done.stderr


@pytest.mark.parametrize(
    ("by", "sort", "fields"),
    [("product", "views", b"sku, sets, click"), ("set-product", "ctr", b"set_id, sku, click")],
)
def test_sort_by_a_field_the_table_lacks_is_exit_2_listing_its_fields(by, sort, fields):
    done = cli("report", str(EVENTS), "--by", by, "--sort", sort)
    assert done.returncode == 2
    assert fields in done.stderr
    assert done.stdout == b""


def test_set_accepts_the_unique_prefix_a_table_shows():
    whole = cli(
        "report", str(EVENTS), "-f", "json", "--set", "b2221a58-008a-45a6-8464-7159c324c985"
    )
    prefix = cli("report", str(EVENTS), "-f", "json", "--set", "b2221a58")
    assert prefix.returncode == 0 and prefix.stderr == b""
    assert json.loads(prefix.stdout) == json.loads(whole.stdout)
    assert len(json.loads(prefix.stdout)["sets"]) == 1


def test_an_ambiguous_set_prefix_is_exit_2_naming_the_candidates():
    done = cli("report", str(EVENTS), "--set", "b")
    assert done.returncode == 2
    assert b"b2221a58-008a-45a6-8464-7159c324c985" in done.stderr


def test_set_or_sku_matching_nothing_is_a_notice_and_exit_0():
    done = cli("report", str(EVENTS), "--set", "nothere", "--sku", "nosku", "-f", "csv")
    assert done.returncode == 0
    assert b"--set nothere: no set" in done.stderr
    assert b"--sku nosku: no product" in done.stderr


# Case 12: narrow terminals never cut SKUs, set ids or numbers.


@pytest.mark.parametrize("width", [50, 60, 80])
@pytest.mark.parametrize("extra", [(), ("--actions",), ("--by", "set-product")])
def test_narrow_tables_cut_no_sku_id_or_number(width, extra):
    args = ("report", str(EVENTS), "--top", "5", *extra)
    doc = json.loads(cli(*args, "-f", "json").stdout)
    text = cli(*args, width=width).stdout.decode()
    assert max(len(line.rstrip()) for line in text.splitlines()) <= width
    shown = ["set_products"] if "set-product" in extra else ["sets", "products"]
    for table in shown:
        for row in doc[table][:5]:
            if "sku" in row:
                assert re.search(rf"(^| ){re.escape(row['sku'])}( |$)", text, re.M), row["sku"]
            for amount in row.get("order_revenue", {}).values():
                assert f"{amount:,.2f}" in text
    with_sets = doc[shown[0]][:5]
    note = re.search(r"first (\d+) characters", text)
    if note:
        length = int(note.group(1))
        for row in with_sets:
            # The shortened id shows exactly `length` characters, as the note says.
            assert re.search(rf" {re.escape(row['set_id'][:length])} ", text), row["set_id"]
            assert row["set_id"][: length + 1] not in text
    else:
        assert all(row["set_id"] in text for row in with_sets)


@pytest.mark.parametrize("spec", ["-", "/dev/stdout"])
def test_split_lines_on_stdout_keep_the_summary_apart(tmp_path, spec):
    # stdout redirected to a file: only the valid lines land there, the summary on stderr.
    out = tmp_path / "out.txt"
    with open(out, "wb") as stdout:
        done = subprocess.run(
            [sys.executable, "-m", "interact_cli", "validate", str(BROKEN), "--valid-out", spec],
            stdout=stdout,
            stderr=subprocess.PIPE,
        )
    assert done.returncode == 1
    lines = out.read_bytes().splitlines()
    assert len(lines) == 12 and all(line.lstrip(b"\xef\xbb\xbf").startswith(b"{") for line in lines)
    assert b"34 lines" in done.stderr


# Found by a hostile sweep through the real CLI.


@pytest.mark.parametrize(
    "args",
    [
        ("validate",),
        ("validate", str(EVENTS), "--workers", "0"),
        ("validate", str(EVENTS), "-f", "xml"),
        ("report", str(EVENTS), "--by", "nope"),
        ("validate", "--bogus", str(EVENTS)),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(args):
    done = cli(*args)
    assert done.returncode == 2
    assert done.stderr.count(b"\n") == 1 and done.stderr.startswith(b"interact-cli: error: ")


def test_stdin_named_twice_as_dev_stdin_is_refused(tmp_path):
    with open(EVENTS, "rb") as stdin:
        done = subprocess.run(
            [sys.executable, "-m", "interact_cli", "validate", "-", "/dev/stdin"],
            stdin=stdin,
            capture_output=True,
        )
    assert done.returncode == 2 and b"given more than once" in done.stderr


SPLIT_TO_STDOUT = ("--valid-out", "-", "--invalid-out", "/dev/stdout")


def test_two_outputs_to_stdout_are_refused_whatever_their_names(tmp_path):
    out = tmp_path / "out.txt"
    with open(out, "wb") as stdout:
        done = subprocess.run(
            [*(sys.executable, "-m", "interact_cli", "validate", str(BROKEN)), *SPLIT_TO_STDOUT],
            stdout=stdout,
            stderr=subprocess.PIPE,
        )
    assert done.returncode == 2 and b"only one output can go to stdout" in done.stderr
    assert out.read_bytes() == b""


@pytest.mark.parametrize(
    "args",
    [
        f"report {EVENTS} -f json",
        "--help",
        "--version",
        "generate --events 10",
        f"validate {BROKEN} --valid-out - --invalid-out bad.ndjson",
    ],
)
def test_a_closed_stdout_is_an_error_not_a_bug(args, tmp_path):
    done = shell(f"$CLI {args} >&-", tmp_path)
    assert done.returncode == 2
    assert b"stdout is closed" in done.stderr and b"Traceback" not in done.stderr
    assert done.stderr.count(b"\n") == 1


@pytest.mark.parametrize(
    ("args", "named"),
    [
        ("--help", b"output: cannot write"),
        (f"report {EVENTS} -f json", b"cannot write"),
        # The split output on stdout is the one that failed, not the file beside it.
        (f"validate {BROKEN} --valid-out - --invalid-out bad.ndjson", b"stdout: cannot write"),
    ],
)
def test_a_full_stdout_is_exit_2_in_one_line(args, named, tmp_path):
    done = shell(f"$CLI {args} >/dev/full", tmp_path)
    assert done.returncode == 2
    assert named in done.stderr and b"No space left" in done.stderr
    assert done.stderr.count(b"\n") == 1 and not (tmp_path / "bad.ndjson").exists()


def test_ctrl_c_while_the_cli_starts_is_exit_130_in_one_line():
    # Sent before the command's own handling: the handler of the first ~0.1 s, on its own.
    probe = (
        "import os, signal, time\n"
        "from interact_cli.__main__ import _interrupted_while_starting\n"
        "signal.signal(signal.SIGINT, _interrupted_while_starting)\n"
        "os.kill(os.getpid(), signal.SIGINT)\n"
        "time.sleep(10)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, timeout=60)
    assert done.returncode == 130
    assert done.stderr == b"interact-cli: interrupted\n"


def test_a_closed_stderr_does_not_change_the_verdict(tmp_path):
    done = shell(f"$CLI validate {EVENTS} -f json 2>&- >/dev/null", tmp_path)
    assert done.returncode == 0


@pytest.mark.skipif(os.geteuid() != 0, reason="mknod of a character device needs root")
def test_a_full_device_as_output_is_exit_2_naming_it(tmp_path):
    full = tmp_path / "full"
    os.mknod(full, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
    done = cli("report", str(EVENTS), "-f", "json", "-o", str(full))
    assert done.returncode == 2
    assert str(full).encode() in done.stderr and b"No space left" in done.stderr


def test_a_replaced_output_keeps_its_mode(tmp_path):
    target = tmp_path / "private.json"
    target.write_bytes(b"old")
    target.chmod(0o600)
    assert cli("report", str(EVENTS), "-f", "json", "-o", str(target)).returncode == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600 and target.read_bytes() != b"old"


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_while_stdin_is_idle_ends_the_run_cleanly(tmp_path, signum, code):
    command = [sys.executable, "-m", "interact_cli", "report", "-", "-f", "json"]
    command += ["-o", str(tmp_path / "r.json")]
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    process.stdin.write(EVENTS.read_bytes()[:5000])
    process.stdin.flush()
    time.sleep(2)  # the reader now waits on a pipe that stays open
    process.send_signal(signum)
    try:
        _, stderr = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == code, stderr
    assert b"Fatal Python error" not in stderr and b"Traceback" not in stderr
    assert os.listdir(tmp_path) == []
