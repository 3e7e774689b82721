#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Run the lab's tests in QEMU and print one verdict.

Boots the kernel once per topology that has tests (T2 always: it also runs
the built-in KUnit suites; T3 for kselftests named *_t3), then counts:
  - KUnit test cases, parsed by the tree's tools/testing/kunit/kunit.py;
  - kselftest results (the subtests of each program, or the program's own
    result when it has none or crashed), from the kselftest runner's TAP;
  - every kernel splat in the guest's log (BUG, WARNING, Oops, KASAN,
    lockdep, RCU stall, soft, hard lockup, hung task...) as one failed test;
  - a guest that hangs or dies before it finishes as one failed test.
It knows what it expects: the KUnit suites of mm/kmmscand/tests and their
number of cases, and every kselftest program of the collection (and, for
harness programs, the number of subtests each one announced). A suite, a
case or a program that did not report, or reported less, is a failure; an
unknown name in --only is an error. The guests are told that kmmscand is
expected (lab.kmmscand=1), so its tests fail rather than skip without it.
The closing line is 'N passed, N failed, N skipped'; the exit code is
non-zero on any failure, or when no test ran.

With --stress SECONDS it boots T2 once more for `make stress`: the guest
runs kmmscand_churn (fork/exec/exit, munmap/mremap/mprotect/madvise and
THP churn, KSM, swap, ext2, cgroups, pressure, memory hotplug, every knob
at random) for SECONDS, then scans for kmemleak reports. It is one test,
"stress [T2]", that fails on a data mismatch, an idle run, a kmemleak
report or any splat. Alone (make stress) it is the only boot; with
--debug and no --only (make test DEBUG=1) a 60 s run follows the tests.
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILD", os.path.join(REPO, "build"))

SPLATS = [
    r"\bBUG: ", r"kernel BUG at", r"WARNING: ", r"\bOops\b", r"general protection fault",
    r"Kernel panic", r"KASAN: ", r"UBSAN: ", r"possible circular locking",
    r"possible recursive locking", r"inconsistent lock state",
    r"suspicious RCU usage", r"rcu_sched detected stalls",
    r"rcu: INFO: .* detected stalls", r"soft lockup", r"hard LOCKUP",
    r"blocked for more than", r"list_add corruption",
    r"list_del corruption", r"Workqueue lockup", r"BUG: workqueue lockup",
]
SPLAT_RE = re.compile("|".join(SPLATS))


class Results:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0
        self.failures = []

    def add(self, status, name, why="", detail=()):
        if status == "PASS":
            self.passed += 1
        elif status == "SKIP":
            self.skipped += 1
        else:
            self.failed += 1
            self.failures.append(f"{name}{': ' + why if why else ''}")
            # What the test printed, so that a failed CI run says why.
            self.failures.extend("      " + d for d in list(detail)[-20:])
        print(f"  {status:4} {name}{'  # ' + why if why else ''}", flush=True)


def section(log, name):
    m = re.search(rf"@@LAB-{name}-BEGIN@@\r?\n(.*?)@@LAB-{name}-END@@", log, re.S)
    return m.group(1) if m else None


def expected_kunit():
    """KUnit suite name -> number of cases, from our test sources."""
    suites = {}
    for path in sorted(glob.glob(os.path.join(REPO, "mm/kmmscand/tests/*.c"))):
        with open(path) as f:
            text = f.read()
        arrays = {}
        for m in re.finditer(r"static struct kunit_case (\w+)\[\] = \{(.*?)\};", text, re.S):
            arrays[m.group(1)] = len(re.findall(r"\bKUNIT_CASE\w*\(", m.group(2)))
        for m in re.finditer(r"static struct kunit_suite \w+ = \{(.*?)\};", text, re.S):
            name = re.search(r'\.name\s*=\s*"([^"]+)"', m.group(1))
            cases = re.search(r"\.test_cases\s*=\s*(\w+)", m.group(1))
            if name and cases and cases.group(1) in arrays:
                suites[name.group(1)] = arrays[cases.group(1)]
    return suites


def parse_kselftest(tap, topo, res):
    """Count the results; return {program: (announced, reported)}."""
    inner, plan, seen, said = [], None, {}, []
    for raw in tap.splitlines():
        line = raw.rstrip("\r")
        m = re.match(r"^# 1\.\.(\d+)", line)
        if m:
            plan = int(m.group(1))
            continue
        if re.match(r"^#( #)?\s+RUN\s", line):
            said = []
        m = re.match(r"^# (not ok|ok) \d+ (\S+)(.*)$", line)
        if m:
            inner.append(m.groups() + (said,))
            said = []
            continue
        if line.startswith("#"):
            said.append(line)
        m = re.match(r"^(not ok|ok) \d+ selftests: (\S+): (\S+)(.*)$", line)
        if not m:
            continue
        verdict, coll, prog, rest = m.groups()
        name = f"kselftest {coll}:{prog}"
        had_fail = False
        for iv, iname, irest, isaid in inner:
            st = "SKIP" if "# SKIP" in irest else ("PASS" if iv == "ok" else "FAIL")
            had_fail |= st == "FAIL"
            res.add(st, f"{name} {iname} [{topo}]", detail=isaid)
        if not inner:
            st = "SKIP" if "# SKIP" in rest else ("PASS" if verdict == "ok" else "FAIL")
            res.add(st, f"{name} [{topo}]", rest.strip(" #") if st == "FAIL" else "",
                    detail=said)
        elif verdict == "not ok" and "# SKIP" not in rest and not had_fail:
            res.add("FAIL", f"{name} [{topo}]", "program failed: " + rest.strip(" #"))
        if plan is not None and len(inner) < plan:
            res.add("FAIL", f"{name} [{topo}]",
                    f"announced {plan} subtests, reported {len(inner)}")
        seen[f"{coll}:{prog}"] = (plan, len(inner))
        inner, plan, said = [], None, []
    return seen


def parse_kunit(dmesg, tree, res):
    """Count the results; return {suite: cases reported}."""
    seen = {}
    if "KTAP version" not in dmesg and "TAP version" not in dmesg:
        return seen
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = os.path.join(tmp, "dmesg"), os.path.join(tmp, "kunit.json")
        with open(inp, "w") as f:
            f.write(dmesg)
        kunit = os.path.join(tree, "tools/testing/kunit/kunit.py")
        p = subprocess.run([sys.executable, kunit, "parse", f"--json={out}", inp],
                           capture_output=True, text=True)
        if not os.path.exists(out):
            res.add("FAIL", "kunit", "kunit.py parse failed: " + p.stdout[-300:] + p.stderr[-300:])
            return seen
        with open(out) as f:
            data = json.load(f)

    def walk(group, prefix):
        for case in group.get("test_cases", []):
            res.add({"PASS": "PASS", "SKIP": "SKIP"}.get(case["status"], "FAIL"),
                    f"kunit {prefix}{case['name']}")
        if group.get("test_cases"):
            seen[group.get("name", "")] = len(group["test_cases"])
        for sub in group.get("sub_groups", []):
            walk(sub, f"{prefix}{sub['name']}.")
    walk(data, "")
    return seen


def check_expected(res, kunit_want, kunit_seen, ksft_want, ksft_seen):
    """A failure for each expected suite, case or program that is missing."""
    for suite, n in sorted(kunit_want.items()):
        got = kunit_seen.get(suite, 0)
        if got < n:
            res.add("FAIL", f"kunit {suite}", f"expected {n} cases, {got} reported")
    for topo, progs in ksft_want.items():
        for prog in progs:
            if prog not in ksft_seen.get(topo, {}):
                res.add("FAIL", f"kselftest {prog} [{topo}]", "did not report a result")
    kcases = sum(kunit_want.values())
    nprog = sum(len(p) for p in ksft_want.values())
    ran_k = sum(min(kunit_seen.get(s, 0), n) for s, n in kunit_want.items())
    ran_p = sum(len(set(p) & set(ksft_seen.get(t, {}))) for t, p in ksft_want.items())
    subs = sum(r for seen in ksft_seen.values() for _, r in seen.values())
    print(f"lab: expected {kcases} KUnit cases in {len(kunit_want)} suites and "
          f"{nprog} kselftest programs; ran {ran_k} KUnit cases and {ran_p} "
          f"programs ({subs} subtests)", flush=True)


def kernel_log(log):
    """The guest's dmesg, and the console after it (messages printed
    after the dump, at shutdown); the whole log if there was no dump."""
    dmesg = section(log, "DMESG")
    if dmesg is None:
        return log
    return dmesg + log.split("@@LAB-DMESG-END@@", 1)[1]


def check_splats(text, topo, res):
    found = 0
    for line in text.splitlines():
        if SPLAT_RE.search(line):
            res.add("FAIL", f"splat [{topo}]", line.strip()[:160])
            found += 1
    return found


def boot(topo, kernel, timeout, extra, logdir, mode="test"):
    log_path = os.path.join(logdir, f"{mode}-{topo}.log")
    cmd = [os.path.join(REPO, "lab/vm.sh"), "--topo", topo, "--kernel", kernel,
           "--timeout", str(timeout), "--append", f"lab.mode={mode} {extra}"]
    print(f"lab: booting {topo} ({os.path.relpath(log_path, REPO)})", flush=True)
    with open(log_path, "w") as f:
        rc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT).returncode
    with open(log_path, errors="replace") as f:
        return rc, f.read(), log_path


def run_stress(kernel, seconds, debug, logdir, res):
    """One stress boot of T2: one test, and the splat check of its log."""
    # Two 64 MiB RAM disks: swap and an ext2 file system. kmemleak is
    # built in (debug kernel) but off until asked for.
    extra = (f" lab.kmmscand=1 watchdog_thresh=30 kunit.enable=0"
             f" lab.stress_seconds={seconds} brd.rd_nr=2 brd.rd_size=65536"
             f" kmemleak=on")
    if os.environ.get("STRESS_OFF"):
        # a diagnostic run without some parts (see kmmscand_churn.c)
        extra += " lab.churn_off=" + os.environ["STRESS_OFF"]
    # boot, the run, its teardown (up to 120 s) and two kmemleak scans
    # take about 40 s more than the run on the debug kernel; a broken
    # kernel can hang the guest, which the timeout turns into a failure
    timeout = seconds + (900 if debug else 600)
    rc, log, path = boot("T2", kernel, timeout, extra, logdir, mode="stress")
    klog = kernel_log(log)
    out = section(log, "STRESS")
    leaks = section(log, "KMEMLEAK")
    lines = (out or "").splitlines()
    summary = [l for l in lines if l.startswith("stress: PASS") or
               l.startswith("stress: FAIL")]
    if "@@LAB-DONE@@" not in log:
        why = "timed out" if rc == 124 else f"did not finish (exit {rc})"
        res.add("FAIL", "stress [T2]", f"{why}, see {path}", lines)
    elif not summary or not summary[0].startswith("stress: PASS"):
        res.add("FAIL", "stress [T2]", (summary or ["no summary line"])[0][:200],
                lines)
    elif debug and (leaks is None or "kmemleak: 0 suspected leaks" not in leaks):
        res.add("FAIL", "stress [T2]", "kmemleak: " +
                ("no report" if leaks is None else leaks.splitlines()[0]),
                (leaks or "").splitlines())
    else:
        res.add("PASS", "stress [T2]")
    for line in summary:
        print(f"  {line}", flush=True)
    check_splats(klog, "T2 stress", res)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--debug", action="store_true", help="use the debug kernel")
    ap.add_argument("--timeout", type=int, default=int(os.environ.get("VM_TIMEOUT", 0)),
                    help="seconds per guest (default 1800, 3600 with --debug)")
    ap.add_argument("--only", default="", help="comma list of collection:test to run")
    ap.add_argument("--stress", type=int, default=0, metavar="SECONDS",
                    help="only the stress run, for SECONDS (make stress)")
    args = ap.parse_args()

    if not args.timeout:
        args.timeout = 3600 if args.debug else 1800
    kdir = os.path.join(BUILD, "kernel-debug" if args.debug else "kernel")
    kernel = os.path.join(kdir, "arch/x86/boot/bzImage")
    tree = os.path.realpath(os.path.join(BUILD, "linux"))
    logdir = os.path.join(BUILD, "logs")
    os.makedirs(logdir, exist_ok=True)
    if args.stress:
        if args.stress < 10:
            print("lab: DURATION must be at least 10 seconds", file=sys.stderr)
            sys.exit(2)
        res = Results()
        run_stress(kernel, args.stress, args.debug, logdir, res)
        print(f"{res.passed} passed, {res.failed} failed, {res.skipped} skipped")
        sys.exit(1 if res.failed or not res.passed else 0)
    lists = {}
    for topo in ("T2", "T3"):
        with open(os.path.join(BUILD, "initramfs/lab", f"tests.{topo}")) as f:
            lists[topo] = [t for t in f.read().split() if t]
    if args.only:
        only = [x for x in args.only.split(",") if x]
        known = set(lists["T2"]) | set(lists["T3"])
        unknown = [x for x in only if x not in known]
        if unknown or not only:
            print(f"lab: unknown test(s) in ONLY: {', '.join(unknown) or '(none given)'}; "
                  f"known: {' '.join(sorted(known))}", file=sys.stderr)
            sys.exit(2)
        lists = {t: [x for x in l if x in only] for t, l in lists.items()}
    kunit_want = expected_kunit() if lists["T2"] or not args.only else {}
    if not kunit_want and lists["T2"]:
        print("lab: found no KUnit suite in mm/kmmscand/tests", file=sys.stderr)
        sys.exit(2)
    kunit_seen, ksft_seen = {}, {}

    res = Results()
    for topo in ("T2", "T3"):
        if not lists[topo] and (topo == "T3" or args.only):
            continue
        # A TCG vCPU thread can be starved by the host for seconds: give
        # the lockup detectors 30 s (hard) and 60 s (soft) before they
        # call it a lockup.
        extra = " lab.kmmscand=1 watchdog_thresh=30"
        if args.only:
            extra += " lab.tests=" + (",".join(lists[topo]) or "none")
        if topo != "T2":
            # T3 also proves the boot parameter: kmmscand_boot_t3 checks
            # that nothing was scanned before it turned scanning on.
            extra += " kunit.enable=0 kmmscand=off"
        if args.debug:
            # Tests that measure a peer scale their workload down under
            # KASAN and lockdep (see tools/testing/selftests/kmmscand).
            extra += " lab.slow=1"
        rc, log, path = boot(topo, kernel, args.timeout, extra, logdir)
        klog = kernel_log(log)
        if "@@LAB-DONE@@" not in log:
            why = "timed out" if rc == 124 else f"did not finish (exit {rc})"
            res.add("FAIL", f"guest [{topo}]", f"{why}, see {path}")
        tap = section(log, "KSELFTEST")
        if tap is not None:
            ksft_seen[topo] = parse_kselftest(tap, topo, res)
        if topo == "T2":
            kunit_seen = parse_kunit(klog, tree, res)
        check_splats(klog, topo, res)

    check_expected(res, kunit_want, kunit_seen, lists, ksft_seen)
    if args.debug and not args.only:
        run_stress(kernel, 60, True, logdir, res)

    total = res.passed + res.failed + res.skipped
    if res.failures:
        print("\nFailed:")
        for f in res.failures:
            print(f"  {f}")
    if res.passed + res.failed == 0:
        print("lab: no test ran", flush=True)
    print(f"{res.passed} passed, {res.failed} failed, {res.skipped} skipped")
    sys.exit(1 if res.failed or res.passed + res.failed == 0 or total == 0 else 0)


if __name__ == "__main__":
    main()
