"""A redis-server of our own for soak runs: AOF persistence (a restart keeps the data) and fault injection.

Faults, each a method: ``pause`` (SIGSTOP, then SIGCONT), ``debug_sleep`` (``DEBUG SLEEP``: the server
blocks every client), ``kill_restart`` (SIGKILL, down for a while, restarted on the same port and
directory so the AOF is replayed), ``flushall``, ``client_kill`` (drops every normal client connection).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import redis

__all__ = ["RedisServer", "free_port"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """One redis-server child on ``port`` keeping its AOF in ``directory``."""

    def __init__(self, directory: Path, *, port: int | None = None, maxmemory: str = "1gb") -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (Debian: apt-get install redis-server)")
        self.binary = binary
        self.directory = directory
        self.port = port or free_port()
        self.maxmemory = maxmemory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self, timeout: float = 5.0) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=timeout, socket_connect_timeout=timeout)

    def start(self, timeout: float = 30.0) -> None:
        """Start (or restart) and wait until it answers PING, AOF replayed."""
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--dir", str(self.directory),
                "--save", "",
                "--appendonly", "yes",
                "--appendfsync", "everysec",
                "--maxmemory", self.maxmemory,
                # Stored data has no TTL, cache entries have one: only the cache may be evicted.
                "--maxmemory-policy", "volatile-lru",
                "--enable-debug-command", "local",
                "--daemonize", "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.client(0.5).ping():
                    return
            except redis.RedisError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"redis-server did not answer PING on port {self.port}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)  # a paused server cannot handle SIGTERM
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def dbsize(self) -> int:
        return int(self.client().dbsize())

    def used_memory(self) -> int:
        return int(self.client().info("memory")["used_memory"])

    # ---- faults ---------------------------------------------------------------------------------------

    def pause(self, seconds: float) -> str:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)
        try:
            time.sleep(seconds)
        finally:
            os.kill(self.process.pid, signal.SIGCONT)
        return f"SIGSTOP for {seconds:.1f} s"

    def debug_sleep(self, seconds: float) -> str:
        self.client(seconds + 5).execute_command("DEBUG", "SLEEP", str(seconds))
        return f"DEBUG SLEEP {seconds:.1f}"

    def kill_restart(self, down: float) -> str:
        assert self.process is not None
        before = self.dbsize()
        self.process.kill()
        self.process.wait()
        time.sleep(down)
        self.start()
        return (
            f"SIGKILL, down {down:.1f} s, restarted: {before} keys before, {self.dbsize()} after AOF replay"
        )

    def flushall(self) -> str:
        before = self.dbsize()
        self.client().flushall()
        return f"FLUSHALL of {before} keys"

    def client_kill(self) -> str:
        killed = self.client().execute_command("CLIENT", "KILL", "TYPE", "normal")
        return f"CLIENT KILL TYPE normal: {killed} connections"
