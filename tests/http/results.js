'use strict';
// Counting and reporting shared by the Node suites: one "ok - ..." or
// "FAIL - ..." line per check, and the closing "N passed, M failed" line
// that tests/run.sh reads.

const counts = { passed: 0, failed: 0 };

function record(suite, name, problems) {
  if (problems.length === 0) {
    counts.passed++;
    console.log(`ok - ${suite} ${name}`);
  } else {
    counts.failed++;
    console.log(`FAIL - ${suite} ${name}: ${problems.join('; ').replace(/[\r\n]+/g, ' ')}`);
  }
}

// A failure outside any check (set-up, an exception), counted once.
function fail(what, e) {
  counts.failed++;
  console.log(`FAIL - ${what}: ${e && e.stack ? e.stack.replace(/\n/g, ' | ') : e}`);
}

function summary() {
  console.log(`${counts.passed} passed, ${counts.failed} failed`);
  return counts.failed === 0 ? 0 : 1;
}

// Runs cleanup at exit, turns signals into an exit, and ends the run on
// an uncaught error with the summary line.
function onExit(cleanup) {
  process.on('exit', cleanup);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => process.exit(130));
  const internal = (e) => {
    fail('internal', e);
    summary();
    process.exit(1);
  };
  process.on('uncaughtException', internal);
  process.on('unhandledRejection', internal);
}

module.exports = { counts, record, fail, summary, onExit };
