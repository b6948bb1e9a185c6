"""Shared pieces of the cluster tests: two local Dask workers, progress hooks that act
mid-run (kill a worker, delete an input), and moto's S3 server on 127.0.0.1."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest


class Hooks:
    """A Progress that calls `on_begin` once the tasks are submitted and `on_first_result`
    when the first result arrives (tasks are then still running); `fired` says it did."""

    def __init__(
        self,
        on_begin: Callable[[], None] | None = None,
        on_first_result: Callable[[], None] | None = None,
    ) -> None:
        self.on_begin = on_begin
        self.on_first_result = on_first_result
        self.fired = False

    def begin(self, total: int, streams: bool = False) -> None:
        if self.on_begin is not None:
            self.on_begin()
            self.fired = True

    def update(self, done: int) -> None:
        if self.on_first_result is not None and not self.fired:
            self.on_first_result()
            self.fired = True

    def stage(self, name: str) -> None:
        pass

    def end(self) -> None:
        pass


def killing(pid: int) -> Callable[[], None]:
    """What kills a process at once (a worker dying mid-run)."""
    return lambda: os.kill(pid, signal.SIGKILL)


@contextmanager
def two_workers() -> Iterator[tuple[str, list[int]]]:
    """A LocalCluster of two worker processes: its scheduler's address and the workers' pids."""
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as local,
        distributed.Client(local) as client,
    ):
        yield local.scheduler_address, list(client.run(os.getpid).values())


@contextmanager
def moto_s3(*buckets: str) -> Iterator[tuple[str, Any]]:
    """moto's S3 server on 127.0.0.1 with these buckets: its endpoint and a boto3 client."""
    moto_server = pytest.importorskip("moto.server")
    boto3 = pytest.importorskip("boto3")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        s3 = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        for bucket in buckets:
            s3.create_bucket(Bucket=bucket)
        yield endpoint, s3
    finally:
        server.stop()
