"""A throwaway single-node SLURM cluster (munge + slurmctld + slurmd) on 127.0.0.1.

Everything lives in one temporary directory: munge key and socket, slurm.conf, gres.conf, state,
spool, logs and pid files; ports are picked free.  The node advertises ``Gres=gpu:<n>`` backed by
placeholder files (no GPU or driver needed) and more CPUs than the host has
(``SlurmdParameters=config_overrides``): enough for the scheduler to accept and place
``--gpus``/``--gres`` requests.  Accounting is off; job completions go to ``log/jobcomp.txt``.
"""

from __future__ import annotations

import getpass
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

DAEMONS = ("munged", "slurmctld", "slurmd")
CLIENTS = ("sbatch", "squeue", "scancel", "scontrol", "sinfo", "srun")
NODE = "node1"
PARTITION = "debug"


def _find(name: str) -> str | None:
    return shutil.which(name, path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin"]))


def missing_binaries() -> list[str]:
    """Names of the SLURM/munge executables that are not installed."""
    return [name for name in (*DAEMONS, *CLIENTS) if _find(name) is None]


def _which(name: str) -> str:
    path = _find(name)
    if path is None:
        raise FileNotFoundError(name)
    return path


def _free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


@dataclass
class SlurmCluster:
    root: Path
    gpus: int = 4
    cpus: int = 8
    mem_mb: int = 64000
    partition: str = PARTITION
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def conf(self) -> Path:
        return self.root / "etc" / "slurm.conf"

    @property
    def ctld_log(self) -> Path:
        return self.root / "log" / "slurmctld.log"

    @property
    def jobcomp(self) -> Path:
        return self.root / "log" / "jobcomp.txt"

    @property
    def env(self) -> dict[str, str]:
        """Environment for SLURM clients (and snakemake) talking to this cluster."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("SLURM_")}
        env["SLURM_CONF"] = str(self.conf)
        env["PATH"] = f"{self.root / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        return env

    def run(self, *cmd: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            cmd, env=self.env, check=check, capture_output=True, text=True, timeout=60
        )

    def _write_config(self) -> None:
        for d in ("bin", "etc", "munge", "state", f"spool/{NODE}", "log", "run", "dev"):
            (self.root / d).mkdir(parents=True, exist_ok=True)
        (self.root / "munge").chmod(0o700)
        key = self.root / "munge" / "munge.key"
        key.write_bytes(os.urandom(1024))
        key.chmod(0o400)
        ctld_port, slurmd_port = _free_ports(2)
        user = getpass.getuser()
        r = self.root
        self.conf.write_text(
            f"""\
ClusterName=mmoetest
SlurmctldHost={socket.gethostname()}(127.0.0.1)
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
SlurmUser={user}
SlurmdUser={user}
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={r}/munge/munge.socket
StateSaveLocation={r}/state
SlurmdSpoolDir={r}/spool/%n
MailProg=/bin/true
SlurmctldPidFile={r}/run/slurmctld.pid
SlurmdPidFile={r}/run/slurmd.pid
SlurmctldLogFile={self.ctld_log}
SlurmdLogFile={r}/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc={self.jobcomp}
MpiDefault=none
ReturnToService=2
MinJobAge=600
SlurmdParameters=config_overrides
SchedulerParameters=sched_interval=2
GresTypes=gpu
NodeName={NODE} NodeHostname={socket.gethostname()} NodeAddr=127.0.0.1 \
CPUs={self.cpus} RealMemory={self.mem_mb} Gres=gpu:{self.gpus} State=UNKNOWN
PartitionName={self.partition} Nodes={NODE} Default=YES MaxTime=INFINITE State=UP
"""
        )
        # snakemake-executor-plugin-slurm-jobstep strips SLURM_CONF before its inner `srun`, which
        # then only finds /etc/slurm/slurm.conf; this shim (first on the jobs' PATH) restores it.
        srun = self.root / "bin" / "srun"
        srun.write_text(f'#!/bin/sh\nSLURM_CONF={self.conf} exec {_which("srun")} "$@"\n')
        srun.chmod(0o755)
        # Slurm drops file-less GPUs, so point the GRES at placeholder files (never opened).
        for i in range(self.gpus):
            (self.root / "dev" / f"gpu{i}").touch()
        (self.root / "etc" / "gres.conf").write_text(
            f"Name=gpu File={self.root}/dev/gpu[0-{self.gpus - 1}]\n"
        )

    def _spawn(self, name: str, *args: str) -> None:
        with (self.root / "log" / f"{name}.out").open("ab") as log:
            self.procs[name] = subprocess.Popen(
                [_which(name), *args],
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def _wait(self, what: str, ok, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.returncode}: {self.diagnose()}")
            if ok():
                return
            time.sleep(0.5)
        raise TimeoutError(
            f"SLURM test cluster: {what} not ready after {timeout}s\n{self.diagnose()}"
        )

    def diagnose(self) -> str:
        logs = sorted((self.root / "log").glob("*"))
        return "\n".join(f"== {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in logs)

    def start(self) -> SlurmCluster:
        self._write_config()
        r = self.root
        self._spawn(
            "munged",
            "--foreground",
            "--force",
            f"--key-file={r}/munge/munge.key",
            f"--socket={r}/munge/munge.socket",
            f"--pid-file={r}/run/munged.pid",
            f"--log-file={r}/log/munged.log",
            f"--seed-file={r}/munge/munged.seed",
        )
        self._wait("munged", (r / "munge" / "munge.socket").exists)
        self._spawn("slurmctld", "-D", "-c", "-i", "-f", str(self.conf))
        self._wait("slurmctld", lambda: self.run("scontrol", "ping", check=False).returncode == 0)
        self._spawn("slurmd", "-D", "-N", NODE, "-f", str(self.conf))
        self._wait("slurmd", self._node_idle)
        return self

    def _node_idle(self) -> bool:
        out = self.run("sinfo", "-h", "-n", NODE, "-o", "%t", check=False).stdout.strip()
        return out == "idle"

    def _our_pids(self) -> list[int]:
        """Processes whose environment points at this cluster's slurm.conf (steps, job tasks)."""
        marker = f"SLURM_CONF={self.conf}".encode()
        pids = []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit() or int(proc.name) == os.getpid():
                continue
            try:
                if marker in (proc / "environ").read_bytes().split(b"\0"):
                    pids.append(int(proc.name))
            except OSError:
                continue
        return pids

    def stop(self) -> None:
        if "slurmctld" in self.procs and self.procs["slurmctld"].poll() is None:
            self.run("scancel", "--full", "--quiet", "--partition", self.partition, check=False)
            deadline = time.monotonic() + 15
            while self.run("squeue", "-h", check=False).stdout.strip():
                if time.monotonic() > deadline:
                    break
                time.sleep(0.5)
        for name in reversed(DAEMONS):
            proc = self.procs.get(name)
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        for pid in self._our_pids():
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.procs.clear()


@contextmanager
def slurm_cluster(root: Path | None = None, **kwargs) -> Iterator[SlurmCluster]:
    """Start a single-node cluster under ``root`` (a fresh temp dir by default), stop it on exit."""
    owned = root is None
    # munge's socket path must stay short (AF_UNIX limit), hence a short temp dir.
    root = Path(tempfile.mkdtemp(prefix="slurm-")) if owned else root
    cluster = SlurmCluster(root, **kwargs)
    try:
        yield cluster.start()
    finally:
        cluster.stop()
        if owned:
            shutil.rmtree(root, ignore_errors=True)
