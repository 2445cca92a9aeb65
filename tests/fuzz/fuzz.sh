#!/bin/sh
# Runs or merges the libFuzzer targets built by tests/fuzz/fuzz.mk, one
# after another (one process each: the machine is shared).
#
# usage: tests/fuzz/fuzz.sh run   FUZZ_DIR SECONDS TARGET...
#        tests/fuzz/fuzz.sh merge FUZZ_DIR 0       TARGET...
#
# run:   fuzzes each target for SECONDS from its committed seeds
#        (tests/fuzz/corpus/TARGET, read only) and its working corpus
#        (FUZZ_DIR/corpus/TARGET, where new inputs go), then prints the
#        executions, exec/s and coverage of each.  Crash inputs are saved
#        as FUZZ_DIR/artifacts/TARGET-crash-*; the exit status is 1 if any.
# merge: adds the working-corpus inputs that reach new coverage to the
#        committed corpus (libFuzzer -merge=1: files already there stay).
set -u
mode=$1 dir=$2 secs=$3
shift 3

# Per-target options: request and parse share a dictionary, cfg has its own;
# the request target needs room for the 2 KiB path and 4 KiB query limits (414).
opts() {
	case $1 in
	request) echo "-dict=tests/fuzz/request.dict -max_len=8192" ;;
	parse) echo "-dict=tests/fuzz/request.dict -max_len=4096" ;;
	cfg) echo "-dict=tests/fuzz/cfg.dict -max_len=8192" ;;
	defl) echo "-max_len=8300" ;;	# past DEFL_IN_MAX
	*) echo "-max_len=4096" ;;
	esac
}

status=0
summary=""
for t in "$@"; do
	bin=$dir/fuzz_$t
	seeds=tests/fuzz/corpus/$t
	work=$dir/corpus/$t
	mkdir -p "$work" "$dir/artifacts" "$seeds"
	if [ "$mode" = merge ]; then
		before=$(ls "$seeds" | wc -l)
		# shellcheck disable=SC2046
		"$bin" $(opts "$t") -merge=1 "$seeds" "$work" \
		    >"$dir/merge-$t.log" 2>&1 || {
			echo "FAIL - merge $t (see $dir/merge-$t.log)"
			status=1
			continue
		}
		after=$(ls "$seeds" | wc -l)
		echo "$t: $before -> $after files in $seeds" \
		    "($(cat "$seeds"/* | wc -c) bytes)"
		continue
	fi
	echo "== fuzz_$t for ${secs}s"
	log=$dir/fuzz-$t.log
	before=$(ls "$dir/artifacts" | grep -c "^$t-" || true)
	# shellcheck disable=SC2046
	"$bin" $(opts "$t") -max_total_time="$secs" -timeout=25 \
	    -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="$dir/artifacts/$t-" "$work" "$seeds" \
	    >"$log" 2>&1
	rc=$?
	grep -E '^#[0-9]+.*(pulse|NEW|REDUCE|DONE)' "$log" | tail -n 3
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1)
	after=$(ls "$dir/artifacts" | grep -c "^$t-" || true)
	if [ "$rc" -ne 0 ]; then
		status=1
		grep -E 'ERROR|invariant violated|Test unit written' "$log"
		echo "FAIL - fuzz_$t: exit status $rc (log: $log)"
	fi
	summary="$summary
$t: ${runs:-?} execs, ${eps:-?} exec/s, ${cov:-cov: ?}, new crashes: $((after - before))"
done
if [ "$mode" = run ]; then
	echo "== summary ($secs s per target)$summary"
fi
exit $status
