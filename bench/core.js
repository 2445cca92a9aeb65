'use strict';
// The Node side of the core microbenchmark: RTC publisher tokens per second
// on one thread with the official agora-token package (2.0.6, installed by
// tests/http/setup.sh into tests/.deps), the same loop as bench/core.c's
// "mint" (each call reads the clock and draws a salt itself).
//
//   node bench/core.js [SECONDS]
//
// Prints one human line and one "COREJSON {...}" line.
const path = require('path');
const deps = path.join(__dirname, '..', 'tests', '.deps', 'node_modules');
const { RtcTokenBuilder, RtcRole } = require(path.join(deps, 'agora-token'));

const APP_ID = '970CA35de60c44645bbae8a215061b33';
const CERT = '5CFd2fd1755d40ecb72977518be15d3b';
const sec = Number(process.argv[2]) > 0 ? Number(process.argv[2]) : 3;

function mint() {
  return RtcTokenBuilder.buildTokenWithUid(APP_ID, CERT, 'test', 42, RtcRole.PUBLISHER, 3600, 3600);
}

let tok = '';
for (let i = 0; i < 2000; i++) tok = mint(); // let the JIT settle
// CPU time (user + system of the process, so garbage collection on helper
// threads counts too), not wall time: the machine is shared, and time spent
// preempted is not the code's cost.  bench/core.c does the same.
const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
let n = 0;
const t0 = cpuNow();
let t;
do {
  for (let i = 0; i < 64; i++) tok = mint();
  n += 64;
  t = cpuNow() - t0;
} while (t < sec);
const ns = (t * 1e9) / n;
console.log(`core (Node agora-token, one thread): ${(1e9 / ns).toFixed(0)} tokens/s (${(ns / 1e3).toFixed(2)} us per token), token ${tok.length} chars`);
console.log(`COREJSON ${JSON.stringify({ tokens_per_s: 1e9 / ns, mint_ns: ns })}`);
