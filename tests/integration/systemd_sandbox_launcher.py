"""Runs under /usr/bin/python3 (Debian's, which has the libseccomp binding), as root, inside a
private mount namespace (started by `unshare --mount --propagation private`): applies the
restrictions of a systemd unit, as systemd_sandbox.py worked them out into a JSON plan, in the
order systemd's executor does (mounts, limits, umask, capability bounding set, groups and user,
no_new_privs, then the seccomp filter last), then execs the service in this same process."""

import ctypes
import json
import os
import resource
import subprocess
import sys

import seccomp

PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4

libc = ctypes.CDLL(None, use_errno=True)


def prctl(*args):
    if libc.prctl(*[ctypes.c_ulong(a) for a in args]) != 0:
        raise OSError(ctypes.get_errno(), f"prctl{args}")


def mount(*args):
    subprocess.run(["mount", *args], check=True)


def mount_points():
    with open("/proc/self/mountinfo") as f:
        return [line.split()[4] for line in f]


def under(path, roots):
    return any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)


def set_up_mounts(plan):
    # The installed tree where the unit's ExecStart expects it.
    mount("--bind", plan["prefix"], plan["install_prefix"])
    for target, source in plan["writable"].items():
        # /var/lib and /var/log become empty tmpfs here (nothing of the host's is needed), so
        # the state and log directories can be mounted where the unit has systemd make them.
        mount("-t", "tmpfs", "-o", "mode=0755", "tmpfs", os.path.dirname(target))
        os.mkdir(target)
        mount("--bind", source, target)
    if plan["private_tmp"]:
        for path in ("/tmp", "/var/tmp"):
            mount("-t", "tmpfs", "-o", "mode=1777", "tmpfs", path)
    for path in plan["inaccessible"]:
        if os.path.isdir(path):
            mount("-t", "tmpfs", "-o", "mode=000", "tmpfs", path)
    if plan["read_only_system"]:
        # ProtectSystem=strict: every mount read-only but the API file systems (/proc, /sys,
        # /dev), the private /tmp and the state and logs directories.
        keep = ["/proc", "/sys", "/dev", "/tmp", "/var/tmp", *plan["writable"]]
        for point in mount_points():
            if not under(point, keep):
                mount("-o", "remount,bind,ro", point)


def main():
    with open(sys.argv[1]) as f:
        plan = json.load(f)
    set_up_mounts(plan)

    for name, value in plan["limits"].items():
        which = getattr(resource, "RLIMIT_" + name)
        try:
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            # Without CAP_SYS_RESOURCE a hard limit cannot be raised: keep the nearest.
            hard = resource.getrlimit(which)[1]
            resource.setrlimit(which, (min(value, hard), min(value, hard)))
    os.umask(plan["umask"])

    if plan["empty_bounding_set"]:
        with open("/proc/sys/kernel/cap_last_cap") as f:
            last = int(f.read())
        for cap in range(last + 1):
            prctl(PR_CAPBSET_DROP, cap)
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    os.setgroups([])
    os.setresgid(plan["gid"], plan["gid"], plan["gid"])
    os.setresuid(plan["uid"], plan["uid"], plan["uid"])  # clears the effective capabilities
    if plan["no_new_privs"]:
        prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)

    denied = seccomp.KILL_PROCESS if plan["errno"] is None else seccomp.ERRNO(plan["errno"])
    default = denied if plan["allow_list"] else seccomp.ALLOW
    listed = seccomp.ALLOW if plan["allow_list"] else denied
    f = seccomp.SyscallFilter(default)
    if plan["native_only"]:
        # Calls of any other architecture (i386, x32 on x86-64) kill the process, as systemd's
        # SystemCallArchitectures=native does; libseccomp's filter holds the native one only.
        f.set_attr(seccomp.Attr.ACT_BADARCH, seccomp.KILL_PROCESS)
    for name in plan["syscalls"]:
        try:
            if seccomp.resolve_syscall(seccomp.Arch.NATIVE, name) < 0:
                continue  # not a system call of this architecture, as systemd skips it
            f.add_rule(listed, name)
        except (ValueError, RuntimeError, OSError):
            continue
    # Loading a filter without CAP_SYS_ADMIN needs no_new_privs, which libseccomp sets (as
    # systemd implies NoNewPrivileges=yes for a SystemCallFilter= with User=).
    f.load()
    os.execv(plan["argv"][0], plan["argv"])


if __name__ == "__main__":
    main()
