"""Starts an installed keypaird under the restrictions its systemd unit declares, without
systemd (which is not PID 1 here): `cmake --install` into a prefix, parse the installed unit,
work out its seccomp filter the way systemd does, and run the unit's ExecStart through
systemd_sandbox_launcher.py (Debian's /usr/bin/python3, for its libseccomp binding) inside a
private mount namespace.

What is reproduced: SystemCallFilter= (lines in order: the first decides allow-list or
deny-list, an allow-list starts from @default as systemd's does, later lines add or remove;
@groups expanded with `systemd-analyze syscall-filter`, nested groups recursively),
SystemCallErrorNumber= (absent: the process is killed, SIGSYS), SystemCallArchitectures=native,
NoNewPrivileges=, User=/Group= (the system user is created like sysusers.d would if missing),
CapabilityBoundingSet= (empty) and AmbientCapabilities=, LimitNOFILE=/LimitCORE=, UMask=,
ProtectSystem=strict (every mount read-only but /proc, /sys, /dev), StateDirectory= and
LogsDirectory= (the only writable paths, owned by the user with their modes), PrivateTmp=,
ProtectHome=.

What is not, and why: systemd's other seccomp-based settings (RestrictAddressFamilies=,
MemoryDenyWriteExecute=, RestrictRealtime=, RestrictNamespaces=, LockPersonality=,
ProtectClock=, ProtectKernelModules=/Logs= beyond the capability drop) would need argument
filters written to match systemd's own code rather than its documentation; PrivateDevices=,
ProtectKernelTunables=, ProtectControlGroups=, ProtectProc= and ProtectHostname= need fresh /dev,
/proc and UTS namespaces that keypaird does not notice the difference of; RemoveIPC= acts at
stop. LimitNOFILE=65536 is kept at the container's hard limit when that is lower: raising a hard
limit needs CAP_SYS_RESOURCE, which this container's root lacks."""

import errno
import functools
import json
import os
import pwd
import grp
import resource
import shutil
import signal
import subprocess
import tempfile
import time

from keypaird_process import LISTENING, LogWatch

SYSTEM_PYTHON = "/usr/bin/python3"
LAUNCHER = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "systemd_sandbox_launcher.py")
UNIT_PATH = os.path.join("lib", "systemd", "system", "keypaird.service")


def unavailable():
    """Why the sandbox cannot be reproduced here, or None."""
    if os.geteuid() != 0:
        return "needs root (mount namespace, setuid)"
    for tool in ("unshare", "mount", "systemd-analyze", "useradd"):
        if not shutil.which(tool):
            return f"needs {tool}"
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import seccomp"], capture_output=True)
    if probe.returncode != 0:
        return f"{SYSTEM_PYTHON} has no seccomp module (python3-seccomp)"
    return None


def read_unit(path):
    """The [Service] section: name -> list of values in order (settings may repeat)."""
    values = {}
    section = None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith(("#", ";")):
                continue
            if line.startswith("["):
                section = line.strip("[]")
                continue
            if section == "Service" and "=" in line:
                key, value = line.split("=", 1)
                values.setdefault(key.strip(), []).append(value.strip())
    return values


@functools.lru_cache(maxsize=None)
def syscall_group(name):
    """Every system call in a systemd @group, nested groups expanded."""
    out = subprocess.run(["systemd-analyze", "syscall-filter", name], capture_output=True,
                         text=True, check=True)
    calls = set()
    for line in out.stdout.splitlines()[1:]:  # the first line is the group's name and help
        word = line.strip()
        if not word or word.startswith("#"):
            continue
        calls |= syscall_group(word) if word.startswith("@") else {word}
    return frozenset(calls)


def expand(words):
    calls = set()
    for word in words:
        word = word.split(":", 1)[0]  # name:errno, a per-call errno, is treated as the default
        calls |= syscall_group(word) if word.startswith("@") else {word}
    return calls


def syscall_filter(lines):
    """(allow_list, system calls) from the SystemCallFilter= lines, as systemd combines them."""
    allow_list = None
    calls = set()
    for line in lines:
        if not line:  # an empty assignment resets the filter
            allow_list, calls = None, set()
            continue
        invert = line.startswith("~")
        words = line.lstrip("~").split()
        if allow_list is None:
            allow_list = not invert
            calls = expand(["@default"]) if allow_list else set()
        if invert == (not allow_list):  # same kind as the first line: add
            calls |= expand(words)
        else:  # the other kind: remove
            calls -= expand(words)
    return bool(allow_list), sorted(calls)


def error_number(values):
    """SystemCallErrorNumber=: None (kill the process, systemd's default) or an errno value."""
    setting = (values.get("SystemCallErrorNumber") or [""])[-1]
    if setting in ("", "kill"):
        return None
    return int(setting) if setting.isdigit() else getattr(errno, setting)


def limit(value):
    return resource.RLIM_INFINITY if value == "infinity" else int(value)


def install(build_dir, prefix):
    out = subprocess.run(["cmake", "--install", build_dir, "--prefix", prefix],
                         capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise RuntimeError(out.stderr)
    return os.path.join(prefix, UNIT_PATH)


def ensure_user(user, group):
    """The unit's system user, created as its sysusers.d line would if missing."""
    try:
        pwd.getpwnam(user)
    except KeyError:
        subprocess.run(["useradd", "--system", "--user-group", "--no-create-home",
                        "--home-dir", "/var/lib/keypaird", "--shell", "/usr/sbin/nologin", user],
                       check=True)
    return pwd.getpwnam(user).pw_uid, grp.getgrnam(group).gr_gid


class SandboxedKeypaird:
    """keypaird installed from `build_dir` and run as its unit says. `unit_text` (optional)
    replaces the installed unit, e.g. to run an older version of it."""

    def __init__(self, build_dir, port=0, unit_text=None):
        self.root = tempfile.mkdtemp(prefix="keypaird-sandbox-")
        os.chmod(self.root, 0o755)
        self.prefix = os.path.join(self.root, "prefix")
        self.unit_path = install(build_dir, self.prefix)
        if unit_text is not None:
            with open(self.unit_path, "w") as f:
                f.write(unit_text)
        self.unit = read_unit(self.unit_path)
        self.requested_port = port  # 0: the kernel picks; `port` is read from the log
        self.port = port or None
        self.watch = None
        self.state_dir = os.path.join(self.root, "state")
        self.logs_dir = os.path.join(self.root, "logs")
        self.stderr_path = os.path.join(self.root, "stderr")
        self.process = None

    def plan(self):
        u = self.unit
        user, group = u["User"][-1], u["Group"][-1]
        uid, gid = ensure_user(user, group)
        argv = u["ExecStart"][-1].split()
        install_prefix = os.path.dirname(os.path.dirname(argv[0]))  # .../bin/keypaird
        # The installed sample config, on port 0 (or the given port) and logging into the
        # LogsDirectory.
        conf = os.path.join(self.prefix, "etc", "keypaird", "keypaird.conf")
        with open(conf) as f:
            text = f.read()
        text = text.replace("osapi_compute_listen_port = 8774",
                            f"osapi_compute_listen_port = {self.requested_port}")
        text = text.replace("#log_file = keypaird.log", "log_file = keypaird.log")
        text = text.replace("#log_dir = /var/log/keypaird", "log_dir = /var/log/keypaird")
        with open(conf, "w") as f:
            f.write(text)
        writable = {}
        for setting, source in (("StateDirectory", self.state_dir),
                                ("LogsDirectory", self.logs_dir)):
            if setting in u:
                base = "/var/lib" if setting == "StateDirectory" else "/var/log"
                mode = int((u.get(setting + "Mode") or ["0755"])[-1], 8)
                os.makedirs(source, exist_ok=True)
                os.chown(source, uid, gid)
                os.chmod(source, mode)
                writable[os.path.join(base, u[setting][-1])] = source
        allow_list, calls = syscall_filter(u.get("SystemCallFilter", []))
        limits = {}
        for name in ("NOFILE", "CORE"):
            if "Limit" + name in u:
                limits[name] = limit(u["Limit" + name][-1])
        return {
            "prefix": self.prefix,
            "install_prefix": install_prefix,
            "writable": writable,
            "private_tmp": (u.get("PrivateTmp") or ["no"])[-1] == "yes",
            "inaccessible": (["/home", "/root", "/run/user"]
                             if (u.get("ProtectHome") or ["no"])[-1] == "yes" else []),
            "read_only_system": (u.get("ProtectSystem") or ["no"])[-1] == "strict",
            "limits": limits,
            "umask": int((u.get("UMask") or ["0022"])[-1], 8),
            "empty_bounding_set": (u.get("CapabilityBoundingSet") or [None])[-1] == "",
            "uid": uid,
            "gid": gid,
            "no_new_privs": (u.get("NoNewPrivileges") or ["no"])[-1] == "yes",
            "allow_list": allow_list,
            "syscalls": calls,
            "errno": error_number(u),
            "native_only": (u.get("SystemCallArchitectures") or [""])[-1] == "native",
            "argv": argv,
        }

    def start(self, wait=True):
        plan_path = os.path.join(self.root, "plan.json")
        with open(plan_path, "w") as f:
            json.dump(self.plan(), f, indent=1)
        self.port = self.requested_port or None
        self.watch = LogWatch([self.stderr_path, os.path.join(self.logs_dir, "keypaird.log")])
        self.stderr = open(self.stderr_path, "ab")
        env = dict(os.environ)
        if "ASAN_OPTIONS" in env:
            # LeakSanitizer stops the world with ptrace at exit, which the unit's syscall filter
            # and empty capability set refuse (it then aborts); every other test checks leaks.
            env["ASAN_OPTIONS"] += ":detect_leaks=0"
        self.process = subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private", SYSTEM_PYTHON, LAUNCHER,
             plan_path], stdout=self.stderr, stderr=self.stderr, env=env)
        if not wait:
            return self
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"keypaird exited at start: {describe(self.process.returncode)}"
                                   f"\n{self.output()}")
            try:
                if self.request("GET", "/")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("keypaird did not answer within 30 s:\n" + self.output())

    def output(self):
        text = ""
        for path in (self.stderr_path, os.path.join(self.logs_dir, "keypaird.log")):
            if os.path.exists(path):
                with open(path, "rb") as f:
                    text += f.read().decode("utf-8", "replace")
        return text

    def bound_port(self):
        """The port keypaird listens on; OSError (as a refused connection) until its log says."""
        if self.port is None:
            found = LISTENING.search(self.watch.text()) if self.watch else None
            if not found:
                raise ConnectionRefusedError("keypaird has not logged its port yet")
            self.port = int(found.group(2))
        return self.port

    def request(self, *args, **kw):
        from keypaird_process import Keypaird
        target = Keypaird.__new__(Keypaird)
        target.port = self.bound_port()
        return Keypaird.request(target, *args, **kw)

    def json(self, *args, **kw):
        from keypaird_process import Keypaird
        target = Keypaird.__new__(Keypaird)
        target.port = self.bound_port()
        target.request = self.request
        return Keypaird.json(target, *args, **kw)

    def cleanup(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.process:
            self.stderr.close()
        shutil.rmtree(self.root, ignore_errors=True)


def describe(returncode):
    if returncode is not None and returncode < 0:
        name = signal.Signals(-returncode).name
        return f"killed by {name} (exit status {128 - returncode} in a shell)"
    return f"exit status {returncode}"
