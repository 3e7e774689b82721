#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The memscan launcher: "memscan -l 0 -- CMD" opts CMD out of kmmscand (its
# hot buffer stays on the slow node while a default-level run of the same
# workload is promoted), and "memscan -p PID" shows a process's level.
here=$(dirname "$0")
. "$here/kmmscand_lib.sh"
hotbuf=$here/hotbuf
memscan=$(command -v memscan)
tmp=/tmp/kmmscand-memscan.$$

echo "TAP version 13"
require "[ -d $K ]" "kmmscand is not built in"
require "[ -n '$memscan' ]" "memscan is not installed"
require "[ -d /sys/devices/system/node/node1 ]" "needs a slow node1"
echo "1..4"
kmmscand_setup

# 1-2: level 0 and the default level, side by side.
"$memscan" -l 0 -- "$hotbuf" -s 64 -n 1 -t 30 > $tmp.l0 &
p0=$!
"$hotbuf" -s 64 -n 1 -t 30 > $tmp.l5 &
p5=$!
wait $p0 $p5
pct0=$(sed -n 's/^hotbuf: summary: \([0-9.]*\)% on node0.*/\1/p' $tmp.l0)
pct5=$(sed -n 's/^hotbuf: summary: \([0-9.]*\)% on node0.*/\1/p' $tmp.l5)
echo "# on node0 after 30 s: memscan -l 0: ${pct0:-?}%, default level: ${pct5:-?}%"
[ "$pct0" = "0.0" ] && ok 1 "level 0 buffer stays on node1" || notok 1 "level 0 buffer stays on node1"
[ -n "$pct5" ] && [ "${pct5%.*}" -ge 99 ] && ok 2 "default-level buffer promoted" ||
	notok 2 "default-level buffer promoted"

# 3: memscan -p shows the level of a process started at level 3.
"$memscan" -l 3 -- sleep 5 &
p=$!
sleep 1
out=$("$memscan" -p $p)
echo "$out" | sed 's/^/# /'
echo "$out" | grep -q "^pid $p (sleep): level 3$" && ok 3 "memscan -p shows the level" ||
	notok 3 "memscan -p shows the level"
wait $p

# 4: bad input is refused with usage errors, nothing run.
if "$memscan" -l 11 -- true 2>/dev/null || "$memscan" -l x -- true 2>/dev/null ||
   "$memscan" -p 0 2>/dev/null || "$memscan" 2>/dev/null; then
	notok 4 "bad arguments refused"
else
	ok 4 "bad arguments refused"
fi
exit $fail
