#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The kmmscand trace events with trace-cmd: over a short promotion run,
# scan events name the workload's pid and migrate events move its pages
# from the slow node1 to node0.
here=$(dirname "$0")
. "$here/kmmscand_lib.sh"
T=/sys/kernel/tracing
tmp=/tmp/kmmscand-trace.$$

echo "TAP version 13"
require "[ -d $K ]" "kmmscand is not built in"
require "command -v trace-cmd > /dev/null" "trace-cmd is not installed"
[ -d $T/events/kmmscand ] || { echo "not ok 1 no kmmscand trace events in $T/events"; exit 1; }
echo "1..5"
kmmscand_setup

if trace-cmd record -q -e kmmscand -o $tmp.dat -- "$here/hotbuf" -s 64 -n 1 -t 15 > $tmp.log 2>&1 &&
   trace-cmd report -i $tmp.dat > $tmp.txt 2>/dev/null; then
	ok 1 "trace-cmd record -e kmmscand and report"
else
	notok 1 "trace-cmd record -e kmmscand and report"
fi
pid=$(sed -n 's/^hotbuf: pid \([0-9]*\),.*/\1/p' $tmp.log)
tail -1 $tmp.log | sed 's/^/# /'
echo "# events: $(grep -c ' kmmscand_' $tmp.txt) ($(grep -o ' kmmscand_[a-z_]*:' $tmp.txt | sort | uniq -c | tr -s ' \n' ' '))"

n=$(grep -c "kmmscand_scan_end:.* pid=$pid " $tmp.txt)
[ -n "$pid" ] && [ "$n" -gt 0 ] && ok 2 "scan_end events for the workload (pid $pid): $n" ||
	notok 2 "scan_end events for the workload (pid ${pid:-?})"

q=$(grep -c "kmmscand_migrate:.* result=queued" $tmp.txt)
q10=$(grep -c "kmmscand_migrate:.* from_nid=1 to_nid=0 rule=[a-z]* result=queued" $tmp.txt)
echo "# queued migrations: $q, of which node1 -> node0: $q10"
[ "$q" -gt 0 ] && [ "$q" = "$q10" ] && ok 3 "queued migrations go from node1 to node0" ||
	notok 3 "queued migrations go from node1 to node0"

b=$(grep "kmmscand_migrate_batch:.* from_nid=1 to_nid=0 " $tmp.txt |
	sed -n 's/.* nr_succeeded=\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
echo "# pages moved node1 -> node0 by batches: $b"
[ "$b" -gt 0 ] && ok 4 "migrate batches moved pages node1 -> node0" ||
	notok 4 "migrate batches moved pages node1 -> node0"

# record events carry the scan source
grep -q "kmmscand_record:.* source=scan " $tmp.txt && ok 5 "record events name their source" ||
	notok 5 "record events name their source"
exit $fail
