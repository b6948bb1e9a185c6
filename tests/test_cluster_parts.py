"""Split outputs on a cluster: a part per task, in input order, equal to a local run's
outputs when concatenated; checked by the client; nothing left when a run fails."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from interact_cli import cluster, parts
from interact_cli.cluster import ClusterSpec
from interact_cli.errors import ClusterError, InputError, OptionError
from interact_cli.inputs import resolve_inputs
from interact_cli.units import Job, plan, run_unit
from interact_cli.validation import validate

from .dask_helpers import Hooks, killing, moto_s3, two_workers
from .test_cluster import address, exports, plain  # noqa: F401 (fixtures)
from .test_threads import mixed_export

distributed = pytest.importorskip("distributed")


def joined(folder: Path) -> bytes:
    """The parts of a folder, concatenated in name order (as `cat DIR/part-*` does)."""
    return b"".join(p.read_bytes() for p in sorted(folder.glob("part-*.ndjson")))


def local_outputs(files: list[str], tmp: Path) -> tuple[dict, bytes, bytes]:
    valid, invalid = tmp / "local-valid.ndjson", tmp / "local-invalid.ndjson"
    result = validate(files, 50, valid_out=str(valid), invalid_out=str(invalid))
    return plain(result), valid.read_bytes(), invalid.read_bytes()


@pytest.mark.parametrize("range_bytes", [1 << 20, 4096, 333])
def test_parts_concatenate_to_the_local_outputs(address, exports, range_bytes, tmp_path):  # noqa: F811
    files = exports if range_bytes > 1000 else exports[1:]
    expected, valid, invalid = local_outputs(files, tmp_path)
    spec = ClusterSpec(address, range_bytes)
    out_valid, out_invalid = tmp_path / "valid", tmp_path / "invalid"
    result = validate(
        files, 50, valid_out=f"{out_valid}/", invalid_out=f"{out_invalid}/", cluster=spec
    )
    assert plain(result) == expected  # the JSON does not change
    assert joined(out_valid) == valid and joined(out_invalid) == invalid
    units = plan(resolve_inputs(files), range_bytes)
    for folder, data in ((out_valid, valid), (out_invalid, invalid)):
        manifest = json.loads((folder / parts.MANIFEST).read_text())
        names = [row["part"] for row in manifest["parts"]]
        assert names == [parts.part_name(u.index, parts.name_width(len(units))) for u in units]
        assert sorted(p.name for p in folder.iterdir()) == sorted([*names, parts.MANIFEST])
        assert manifest["lines"] == data.count(b"\n") and manifest["bytes"] == len(data)
        for row, unit in zip(manifest["parts"], units, strict=True):
            assert (row["input"], row["start"], row["end"]) == (unit.name, unit.start, unit.end)
            assert row["lines"] == (folder / row["part"]).read_bytes().count(b"\n")
    notes = [n for n in result.notices if "parts in" in n]
    lines = valid.count(b"\n")
    assert notes[0].startswith(f"--valid-out: {lines:,} lines in {len(units)} parts")


def test_one_output_only_and_an_existing_empty_folder(address, exports, tmp_path):  # noqa: F811
    _, _, invalid = local_outputs(exports[:2], tmp_path)
    folder = tmp_path / "bad"
    folder.mkdir()  # an empty folder is taken, with or without the slash, and kept
    folder.chmod(0o750)
    validate(exports[:2], 5, invalid_out=str(folder), cluster=ClusterSpec(address, 4096))
    assert joined(folder) == invalid and folder.stat().st_mode & 0o777 == 0o750


def test_bad_split_outputs_on_a_cluster_are_refused_before_any_work(tmp_path):
    files = [str(tmp_path / "in.ndjson")]
    Path(files[0]).write_bytes(b"{}\n")
    full = tmp_path / "full"
    full.mkdir()
    (full / "old.ndjson").write_bytes(b"")
    cases = {
        "-": (OptionError, "a folder every worker can reach"),
        str(tmp_path / "file.ndjson"): (OptionError, "give FOLDER/"),
        "": (OptionError, "give FOLDER/"),
        f"{full}/": (InputError, "holds files already"),
        f"{tmp_path}/no/such/": (InputError, "does not exist"),
    }
    for spec, (kind, message) in cases.items():
        with pytest.raises(kind, match=message):
            # Refused before connecting: this address would fail only when used.
            validate(files, 1, valid_out=spec, cluster="tcp://127.0.0.1:9")
    Path(tmp_path / "afile").write_bytes(b"")
    more = {
        f"{tmp_path}/afile/": (InputError, "not a folder"),  # the slash followed the name
        f"{files[0]}/": (InputError, "not a folder"),
        "file://": (OptionError, "give FOLDER/"),
        "memory://m/p/": (OptionError, "not shared with the workers"),
        "s3://bucket/": (OptionError, "inside a bucket"),
        "s3://bucket/a//b/": (OptionError, "empty name between two slashes"),
    }
    for spec, (kind, message) in more.items():
        with pytest.raises(kind, match=message):
            validate(files, 1, valid_out=spec, cluster="tcp://127.0.0.1:9")
    (tmp_path / "nest").mkdir()
    for valid, invalid in (("same/", "same/"), ("nest/", "nest/bad/"), ("nest/bad/", "nest")):
        with pytest.raises(OptionError, match="one inside the other"):
            validate(
                files,
                1,
                valid_out=f"{tmp_path}/{valid}",
                invalid_out=f"{tmp_path}/{invalid}",
                cluster="tcp://127.0.0.1:9",
            )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "full", "in.ndjson", "nest"]
    empty = tmp_path / "empty"
    empty.mkdir()
    link = tmp_path / "link"
    link.symlink_to(empty)
    (folder,) = [f for f in parts.plan([f"{link}/", None], {}) if f is not None]
    assert folder.location == f"{link}/" and not folder.made  # written into, not replaced


def test_a_folder_output_without_a_cluster_is_refused_as_before(tmp_path):
    source = tmp_path / "in.ndjson"
    source.write_bytes(b"{}\n")
    folder = tmp_path / "out"
    folder.mkdir()
    command = [sys.executable, "-m", "interact_cli", "validate", str(source)]
    for spec, why in {
        str(folder): "is a directory, not a file",
        f"{folder}/": "is a directory, not a file",
        f"{tmp_path}/new/": "names a folder (it ends with /), not a file",
    }.items():
        done = subprocess.run([*command, "--valid-out", spec], capture_output=True, text=True)
        assert done.returncode == 2, done.stderr
        assert done.stderr == f"interact-cli: error: {spec}: {why}\n"
    assert not (tmp_path / "new").exists()  # 'new/' was a file named 'new' before


def written_parts(folder: Path, units: int, width: int = 5) -> list[list]:
    """What tasks report, for parts already in `folder` (the client's check reads them)."""
    rows = []
    for index in range(units):
        data = (folder / parts.part_name(index, width)).read_bytes()
        rows.append([{"part": parts.part_name(index, width), "lines": 1, "bytes": len(data)}])
    return rows


def test_the_client_takes_no_part_that_is_missing_short_or_foreign(tmp_path):
    folder = parts.Folder("out/", f"{tmp_path}/")
    for index in range(3):
        writer = parts.Parts([folder], index, 5)
        writer.write(b'{"n": %d}\n' % index, b"")
        assert writer.commit() == [{"part": parts.part_name(index, 5), "lines": 1, "bytes": 9}]
    written = written_parts(tmp_path, 3)
    # A try that died while writing left its temporary file only: never taken as a part.
    dying = parts.Parts([folder], 1, 5)
    dying.write(b'{"n": 1, "half', b"")
    dying.streams[0].flush()  # type: ignore[union-attr]
    assert parts.finish([folder], written)[0].startswith("--valid-out: 3 lines in 3 parts")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "_manifest.json",
        *(parts.part_name(i, 5) for i in range(3)),
    ]
    short = [[{**written[0][0], "bytes": 99}], *written[1:]]
    with pytest.raises(ClusterError, match=r"part-00000.ndjson holds 9 bytes; its task wrote 99"):
        parts.finish([folder], short)
    (tmp_path / parts.part_name(2, 5)).unlink()
    with pytest.raises(ClusterError, match=r"part-00002\.ndjson is missing"):
        parts.finish([folder], written)
    (tmp_path / parts.part_name(2, 5)).write_bytes(b'{"n": 2}\n')
    (tmp_path / parts.MANIFEST).unlink()
    (tmp_path / "part-00003.ndjson").write_bytes(b"{}\n")
    with pytest.raises(ClusterError, match=r"part-00003\.ndjson: found beside the parts"):
        parts.finish([folder], written)


def test_no_output_is_left_finished_when_the_other_fails_its_check(tmp_path):
    folders = parts.plan([f"{tmp_path}/v/", f"{tmp_path}/i/"], {})
    with pytest.raises(ClusterError, match="is missing"), parts.writing(folders):
        written = []
        for index in range(2):
            writer = parts.Parts(folders, index, 5)
            writer.write(b"{}\n", b"[]\n")
            written.append(writer.commit())
        (tmp_path / "i" / parts.part_name(1, 5)).unlink()  # the second output's last part
        parts.finish(folders, written)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_failing_task_leaves_no_output_folder(address, tmp_path):  # noqa: F811
    good = tmp_path / "a.ndjson"
    good.write_bytes(mixed_export(1))
    gone = tmp_path / "b.ndjson"
    gone.write_bytes(mixed_export(2))
    kept = tmp_path / "kept"
    kept.mkdir()  # an empty folder given: emptied again, not removed
    with pytest.raises(InputError, match=r"b\.ndjson: cannot read"):
        # Planned, then gone before most of its tasks open it.
        validate(
            [str(good), str(gone)],
            1,
            valid_out=f"{tmp_path}/valid/",
            invalid_out=f"{kept}/",
            cluster=ClusterSpec(address, 4096),
            progress=Hooks(on_begin=gone.unlink),
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.ndjson", "kept"]
    assert not list(kept.iterdir())
    sources = resolve_inputs([str(good)])
    good.unlink()
    with pytest.raises(InputError, match=r"a\.ndjson: cannot read: No such file"):
        plan(sources)


def test_a_worker_killed_mid_run_leaves_whole_parts_only(exports, tmp_path):  # noqa: F811
    expected, valid, invalid = local_outputs(exports[:2], tmp_path)
    with two_workers() as (own_cluster, pids):
        # At the first result: tasks are still running (and writing) on both workers.
        hooks = Hooks(on_first_result=killing(pids[0]))
        spec = ClusterSpec(own_cluster, range_bytes=2048)
        out_valid, out_invalid = tmp_path / "v", tmp_path / "i"
        result = validate(
            exports[:2],
            50,
            valid_out=f"{out_valid}/",
            invalid_out=f"{out_invalid}/",
            cluster=spec,
            progress=hooks,
        )
    assert hooks.fired
    assert plain(result) == expected
    assert joined(out_valid) == valid and joined(out_invalid) == invalid
    assert not [p for p in out_valid.iterdir() if p.name.endswith(".tmp")]


def test_a_report_is_the_local_one_in_any_order_of_completion(exports):  # noqa: F811
    """Tasks finish in any order: the client's merge in input order gives the same
    partial, and the same JSON, whatever the order the units' results arrive in."""
    sources = resolve_inputs(exports[:2])
    units = plan(sources, 4096)
    job = Job(keep=20, report=True, time_fields=None)
    results = [run_unit(unit, job, cluster.__version__) for unit in units]
    once = cluster._InOrder()
    for unit, result in zip(units, results, strict=True):
        once.add(unit.index, result["partial"])
    expected = once.finish(len(units)).to_bytes()
    for seed in range(5):
        order = list(zip(units, results, strict=True))
        random.Random(seed).shuffle(order)
        merging = cluster._InOrder(threads=1 + seed % 3, ahead=1 + seed)
        for unit, result in order:
            merging.add(unit.index, result["partial"])
        assert merging.finish(len(units)).to_bytes() == expected, seed
    broken = cluster._InOrder()
    broken.add(0, results[0]["partial"][:-9])
    deadline = time.monotonic() + 30
    while broken.failed is None:  # the merging thread finds it out
        assert time.monotonic() < deadline
        time.sleep(0.01)
    with pytest.raises(Exception, match=r"(?i)zstd|partial|truncated|frame"):
        broken.add(1, results[1]["partial"])  # the run stops at the next result
    with pytest.raises(Exception, match=r"(?i)zstd|partial|truncated|frame"):
        broken.finish(len(units))  # a partial that does not decode is raised, not waited for
    found = cluster.merge_found(units, [r["found"] for r in results], 20)
    assert found == plain(validate(exports[:2], 20))


def test_split_outputs_on_s3_prefixes_through_the_command(address, exports, tmp_path):  # noqa: F811
    """The real CLI writes parts to moto's S3 from two Dask worker processes."""
    with moto_s3("out") as (endpoint, s3):
        s3.put_object(Bucket="out", Key="taken/x.ndjson", Body=b"{}\n")
        store = ["--storage-option", f"endpoint_url={endpoint}"]
        store += ["--storage-option", "key=testing", "--storage-option", "secret=testing"]
        files = exports[:2]
        expected, valid, invalid = local_outputs(files, tmp_path)
        command = [sys.executable, "-m", "interact_cli", "validate", *files, "-f", "json"]
        outs = ["--valid-out", "s3://out/valid/", "--invalid-out", "s3://out/bad"]
        done = subprocess.run(
            [*command, *outs, *store, "--cluster", address], capture_output=True, timeout=300
        )
        assert done.returncode == 1, done.stderr  # invalid lines
        assert json.loads(done.stdout)["summary"] == expected["summary"]
        assert b"--invalid-out: " in done.stderr and b"parts in s3://out/bad" in done.stderr

        def fetched(prefix: str) -> bytes:
            listed = s3.list_objects_v2(Bucket="out", Prefix=prefix)["Contents"]
            keys = sorted(o["Key"] for o in listed if "/part-" in o["Key"])
            manifest = json.loads(
                s3.get_object(Bucket="out", Key=f"{prefix}_manifest.json")["Body"].read()
            )
            assert [k.rsplit("/", 1)[1] for k in keys] == [p["part"] for p in manifest["parts"]]
            return b"".join(s3.get_object(Bucket="out", Key=k)["Body"].read() for k in keys)

        assert fetched("valid/") == valid and fetched("bad/") == invalid
        s3.put_object(Bucket="out", Key="mk/", Body=b"")  # a folder made in a console
        marked = subprocess.run(
            [*command, "--valid-out", "s3://out/mk/", *store, "--cluster", address],
            capture_output=True,
            timeout=300,
        )
        assert marked.returncode == 1, marked.stderr
        assert fetched("mk/") == valid
        # A failed run removes the objects it wrote, and only those: not the bucket.
        good, gone = tmp_path / "good.ndjson", tmp_path / "gone.ndjson"
        good.write_bytes(mixed_export(5))
        gone.write_bytes(mixed_export(6))
        storage = {"endpoint_url": endpoint, "key": "testing", "secret": "testing"}
        with pytest.raises(InputError, match=r"gone\.ndjson: cannot read"):
            validate(
                [str(good), str(gone)],
                1,
                valid_out="s3://out/fail/",
                storage_options=storage,
                cluster=ClusterSpec(address, 4096),
                progress=Hooks(on_begin=gone.unlink),
            )
        assert "Contents" not in s3.list_objects_v2(Bucket="out", Prefix="fail/")
        assert s3.list_objects_v2(Bucket="out", Prefix="valid/")["KeyCount"] > 1
        again = subprocess.run(
            [*command, "--valid-out", "s3://out/taken/", *store, "--cluster", address],
            capture_output=True,
            timeout=300,
        )
        assert again.returncode == 2 and b"holds objects already" in again.stderr


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_mid_run_leaves_no_output(tmp_path, signum, code):
    source = tmp_path / "in.ndjson"
    source.write_bytes(b"".join(mixed_export(seed, 20_000) for seed in range(2)))
    command = [sys.executable, "-m", "interact_cli", "validate", str(source), "-f", "json"]
    command += ["--cluster", "local:2", "--valid-out", f"{tmp_path}/v/"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    # Once a task has begun its part (a temporary file in the new folder):
    while not ((tmp_path / "v").is_dir() and any((tmp_path / "v").iterdir())):
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.05)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == code, stderr
    assert stderr.decode().count("\n") == 1, stderr  # one line, no warning of Dask's
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.ndjson"]
