// The measuring half of scripts/bench/desktop.sh (which builds, seeds and starts `aiops
// serve`, then runs this under its headless X server and prints the tables). Prints one
// JSON object on stdout; progress goes to stderr.
//
// What it measures, all from outside the app (no app code is changed for it):
//   - cold start, through WebDriver (tauri-driver + WebKitWebDriver): a fresh app process
//     per run. The app is started through a wrapper (AIOPS_APP) that appends
//     "$EPOCHREALTIME $$" to AIOPS_STAMPS and then execs the binary, so "exec" is a
//     wall-clock instant taken in the very process that becomes the app. WebDriver then
//     polls the page (as soon as it has one) with a script that, the first time, installs
//     a MutationObserver stamping with the page's own clock (performance.timeOrigin +
//     now(), the same wall clock) the moment the first inbox row enters the DOM, and the
//     start of the next animation frame. When the observer was in place before the rows
//     came (the usual case: the session is up ~100 ms before the UI starts loading),
//     those stamps are exact to the microtask; otherwise the run falls back to the poll
//     that first found rows, and `gap_ms` bounds its error (time since the last poll that
//     found none). From the page too: navigation start and DOMContentLoaded.
//   - the same runs through a logging HTTP proxy in front of the server (the app's
//     AIOPS_URL): when each API request of the app arrived and when its answer was sent.
//     Rows cannot be drawn before the inbox's answer (`GET /api/v1/issues`) left.
//   - direct runs, alternating with those: the app exec'd by this script with no
//     WebDriver, timed by the proxy only. Their exec → inbox request, against the
//     WebDriver runs', is what launching through WebDriver costs up to that point.
//   - idle memory after AIOPS_IDLE_SECS on the inbox, once started through WebDriver and
//     once directly: Pss, Uss and Rss (/proc/PID/smaps_rollup) of the app process and
//     every process under it (WebKitWebProcess, WebKitNetworkProcess), each process's
//     largest mappings, and "alone": the app's resident pages counted once each
//     (/proc/PID/pagemap), i.e. its Pss were no other process sharing its libraries.
//
// Env: AIOPS_SERVER (the real server's URL), AIOPS_API_KEY, AIOPS_APP (the wrapper),
// AIOPS_STAMPS, AIOPS_WORK (a temp dir), AIOPS_RUNS, AIOPS_DIRECT_RUNS, AIOPS_IDLE_SECS.
'use strict';

const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const path = require('node:path');
const { spawn } = require('node:child_process');

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (run scripts/bench/desktop.sh)`);
  return v;
};
const SERVER = new URL(env('AIOPS_SERVER'));
const APP = env('AIOPS_APP');
const STAMPS = env('AIOPS_STAMPS');
const WORK = env('AIOPS_WORK');
const RUNS = Number(env('AIOPS_RUNS'));
const DIRECT_RUNS = Number(env('AIOPS_DIRECT_RUNS'));
const IDLE_SECS = Number(env('AIOPS_IDLE_SECS'));
/** Longest wait for one condition, in ms. */
const WAIT = 60_000;

const log = (what) => process.stderr.write(`  ${what}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Wall-clock time in ms with sub-ms resolution (the same clock as $EPOCHREALTIME). */
const now = () => performance.timeOrigin + performance.now();

async function until(what, probe, every = 20) {
  const deadline = Date.now() + WAIT;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(every);
  }
}

// --- the logging proxy: the app's AIOPS_URL -------------------------------------------

/** Requests seen since the last reset: { at, done, method, url }. */
let seen = [];
const agent = new http.Agent({ keepAlive: true });
const proxy = http.createServer((req, res) => {
  const entry = { at: now(), done: null, method: req.method, url: req.url };
  seen.push(entry);
  const up = http.request(
    { host: SERVER.hostname, port: SERVER.port, method: req.method, path: req.url, headers: req.headers, agent },
    (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
      answer.on('end', () => (entry.done = now()));
    },
  );
  up.on('error', (e) => res.destroy(e));
  req.pipe(up);
});
const inboxRequest = () =>
  seen.find((r) => r.method === 'GET' && /^\/api\/v1\/issues(\?|$)/.test(r.url) && r.done !== null);

// --- processes --------------------------------------------------------------------------

/** The wrapper's stamps: [{ exec (ms), pid }]. */
function stamps() {
  const text = fs.existsSync(STAMPS) ? fs.readFileSync(STAMPS, 'utf8') : '';
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [t, pid] = l.split(' ');
      return { exec: Number(t) * 1000, pid: Number(pid) };
    });
}
const newStamp = (count) => until('the app to start (its wrapper stamp)', () => stamps()[count], 5);

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Every process whose parent chain reaches `root`, with `root` first. */
function tree(root) {
  const parent = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {} // gone meanwhile
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) for (const [pid, pp] of parent) if (pp === out[i]) out.push(pid);
  return out;
}

/** Pss and Rss (kB) of `root` and its descendants, by process, with each process's
 * largest mappings by Pss (file name, or [anon], [heap]…). */
function memory(root) {
  return tree(root).map((pid) => {
    const text = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
    const by = new Map();
    let name = '[anon]';
    for (const line of fs.readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
      const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
      if (head) name = head[1] ? path.basename(head[1]) : '[anon]';
      const pss = /^Pss:\s+(\d+) kB/.exec(line);
      if (pss) by.set(name, (by.get(name) ?? 0) + Number(pss[1]));
    }
    const top = [...by].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([n, k]) => ({ name: n, pss_kb: k }));
    const uss = kb('Private_Clean') + kb('Private_Dirty');
    return { pid, name: fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim(), pss_kb: kb('Pss'), rss_kb: kb('Rss'), uss_kb: uss, top };
  });
}

/** The resident pages of all `pids` counted once each (kB): their Pss if no process
 * outside them shared a page, i.e. what the app alone costs. From /proc/PID/pagemap
 * (page frame numbers need root); null when they cannot be read. */
function alone(pids) {
  const frames = new Set();
  const buf = Buffer.alloc(8 * 4096);
  for (const pid of pids) {
    const ranges = [];
    let range = null;
    for (const line of fs.readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
      const head = /^([0-9a-f]+)-([0-9a-f]+) /.exec(line);
      if (head) range = [parseInt(head[1], 16) / 4096, parseInt(head[2], 16) / 4096];
      const rss = /^Rss:\s+(\d+) kB/.exec(line);
      if (rss && Number(rss[1]) > 0) ranges.push(range);
    }
    const fd = fs.openSync(`/proc/${pid}/pagemap`, 'r');
    try {
      for (const [first, end] of ranges) {
        for (let page = first; page < end; page += 4096) {
          const count = Math.min(4096, end - page);
          const got = fs.readSync(fd, buf, 0, count * 8, page * 8);
          for (let i = 0; i < got / 8; i++) {
            const e = buf.readBigUInt64LE(i * 8);
            if (e >> 63n) frames.add(Number(e & 0x7fffffffffffffn)); // present: its frame
          }
        }
      }
    } finally {
      fs.closeSync(fd);
    }
  }
  return frames.has(0) && frames.size === 1 ? null : frames.size * 4;
}

/** How many processes outside `ours` run a WebKit helper or another `aiops` with WebKit
 * loaded: they share library pages with the app, and every one lowers its Pss. */
function othersSharing(ours) {
  const mine = new Set(ours.map((p) => p.pid));
  let n = 0;
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || mine.has(Number(d))) continue;
    try {
      const maps = fs.readFileSync(`/proc/${d}/maps`, 'utf8');
      if (maps.includes('libwebkit2gtk-4.1.so')) n++;
    } catch {} // gone, or not ours to read
  }
  return n;
}

/** Waits until `pid` and the descendants it had are gone (a WebKit child outliving the
 * app would be counted in the next run). */
async function gone(pids) {
  await until('the previous app and its WebKit processes to exit', () => pids.every((p) => !alive(p)), 20);
}

// --- WebDriver --------------------------------------------------------------------------

let driverUrl;
async function wd(method, p, body) {
  const res = await fetch(driverUrl + p, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await res.json();
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(answer.value)}`);
  return answer.value;
}
const script = (s, source) => wd('POST', `/session/${s}/execute/sync`, { script: source, args: [] });

// Each poll also (once per page) installs a MutationObserver that stamps, with the
// page's clock, the moment the first inbox row enters the DOM and the start of the
// next animation frame (the frame that paints it). When the observer was in place
// before the rows came, those stamps are exact; otherwise only the poll bracket is.
const PROBE = `const clock = () => performance.timeOrigin + performance.now();
if (!window.__aiopsBench) {
  const t = (window.__aiopsBench = { installed: clock(), rows: null, frame: null, early: false });
  const seen = () => {
    if (t.rows !== null || !document.querySelector('[data-testid=inbox-row]')) return;
    t.rows = clock();
    requestAnimationFrame(() => (t.frame = clock()));
  };
  t.early = !document.querySelector('[data-testid=inbox-row]');
  new MutationObserver(seen).observe(document, { subtree: true, childList: true });
  seen();
}
const t = window.__aiopsBench;
return {
  rows: document.querySelectorAll('[data-testid=inbox-row]').length,
  ready: document.readyState,
  now: clock(),
  origin: performance.timeOrigin,
  observed: t.early ? t.rows : null,
  frame: t.early ? t.frame : null,
}`;
const TIMING = `const n = performance.getEntriesByType('navigation')[0];
return { origin: performance.timeOrigin, dcl: n ? n.domContentLoadedEventEnd : null, href: location.href }`;

async function freePort() {
  const s = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

/** One cold start through WebDriver. With `idle`, stays on the inbox that long and
 * returns the memory too. */
async function driverRun(idle) {
  const count = stamps().length;
  seen = [];
  const posted = now();
  const { sessionId } = await wd('POST', '/session', {
    capabilities: { alwaysMatch: { browserName: 'wry', 'tauri:options': { application: APP } } },
  });
  const sessionAt = now();
  const { exec, pid } = await newStamp(count);
  let pids = [pid];
  try {
    let miss = null;
    let polls = 0;
    const answered = []; // when each poll's script ran on the page (ms from exec)
    const hit = await until('inbox rows in the window', async () => {
      const r = await script(sessionId, PROBE);
      polls++;
      answered.push(r.now - exec);
      if (r.rows > 0 && r.ready === 'complete' && (r.observed === null || r.frame !== null)) return r;
      miss = r;
      return null;
    }, 0);
    const timing = await script(sessionId, TIMING);
    if (!/^(tauri|http):\/\/(localhost|tauri\.localhost)/.test(timing.href)) throw new Error(`unexpected page ${timing.href}`);
    const inbox = await until('the inbox request through the proxy', async () => inboxRequest(), 5);
    const run = {
      exec_to_session_ms: sessionAt - exec,
      post_to_exec_ms: exec - posted,
      exec_to_navigation_ms: timing.origin - exec,
      exec_to_dcl_ms: timing.dcl === null ? null : timing.origin + timing.dcl - exec,
      exec_to_inbox_request_ms: inbox.at - exec,
      exec_to_inbox_answer_ms: inbox.done - exec,
      // The first row in the DOM: the observer's stamp when it saw it happen, else the
      // first poll that found rows (then `gap` is how late that can be: since the last
      // poll that found none, or since the inbox's answer left the proxy).
      exec_to_rows_ms: (hit.observed ?? hit.now) - exec,
      exec_to_frame_ms: hit.frame === null ? null : hit.frame - exec,
      observed: hit.observed !== null,
      gap_ms: hit.observed !== null ? 0 : hit.now - (miss ? miss.now : inbox.done),
      poll_ms: miss ? hit.now - miss.now : null,
      polls,
      polls_ran_at_ms: answered,
      rows: hit.rows,
      // Every request the app made until then: path, and ms from exec to its arrival
      // and to its answer's end.
      requests: seen.map((q) => [q.method + ' ' + q.url.split('?')[0], q.at - exec, q.done === null ? null : q.done - exec]),
    };
    if (idle) {
      await sleep(idle * 1000);
      const still = await script(sessionId, PROBE);
      if (!still.rows) throw new Error('the inbox rows went away while idle');
      run.memory = memory(pid);
      run.memory_others = othersSharing(run.memory);
      run.memory_alone_kb = alone(run.memory.map((p) => p.pid));
    }
    pids = tree(pid);
    return run;
  } finally {
    await wd('DELETE', `/session/${sessionId}`).catch(() => {});
    // WebKitWebDriver ends the app when the session goes; make sure.
    await sleep(100);
    for (const p of pids) if (alive(p)) process.kill(p, 'SIGTERM');
    await gone(pids);
  }
}

/** One start with no WebDriver at all: the wrapper exec'd here, timed by the proxy. */
async function directRun(idle) {
  const count = stamps().length;
  seen = [];
  const child = spawn(APP, [], {
    env: { ...process.env, ...appEnv },
    stdio: ['ignore', 'ignore', fs.openSync(path.join(WORK, 'app-direct.err'), 'a')],
  });
  const { exec, pid } = await newStamp(count);
  let pids = [pid];
  try {
    const inbox = await until('the inbox request through the proxy (direct start)', async () => inboxRequest(), 5);
    const run = { exec_to_inbox_request_ms: inbox.at - exec, exec_to_inbox_answer_ms: inbox.done - exec };
    if (idle) {
      await sleep(idle * 1000);
      if (!alive(pid)) throw new Error('the directly started app exited while idle');
      run.memory = memory(pid);
      run.memory_others = othersSharing(run.memory);
      run.memory_alone_kb = alone(run.memory.map((p) => p.pid));
    }
    pids = tree(pid);
    return run;
  } finally {
    for (const p of pids) if (alive(p)) process.kill(p, 'SIGTERM');
    await gone(pids).catch(() => {
      for (const p of pids) if (alive(p)) process.kill(p, 'SIGKILL');
    });
    child.unref();
  }
}

/** Median (the lower middle value for an even count) and max of `key` over `runs`. */
function stats(runs, key) {
  const v = runs.map((r) => r[key]).filter((x) => x !== null).sort((a, b) => a - b);
  return { median: v[Math.floor((v.length - 1) / 2)], max: v[v.length - 1], n: v.length };
}

/** Pss per process name (kB, summed) and the total, in MB. */
function pss(memory) {
  const by = {};
  for (const p of memory) by[p.name] = (by[p.name] ?? 0) + p.pss_kb;
  const mb = (kb) => kb / 1024;
  return {
    total_mb: mb(memory.reduce((a, p) => a + p.pss_kb, 0)),
    rss_total_mb: mb(memory.reduce((a, p) => a + p.rss_kb, 0)),
    uss_total_mb: mb(memory.reduce((a, p) => a + p.uss_kb, 0)),
    processes: memory.length,
    by_name_mb: Object.fromEntries(Object.entries(by).map(([k, v]) => [k, mb(v)])),
    top: memory.map((p) => `${p.name}: ` + p.top.map((m) => `${m.name} ${mb(m.pss_kb).toFixed(1)}`).join(', ')),
  };
}

function summarise(r) {
  const out = {};
  out.observed = r.runs.filter((x) => x.observed).length;
  for (const k of ['exec_to_rows_ms', 'exec_to_frame_ms', 'gap_ms', 'poll_ms', 'exec_to_navigation_ms', 'exec_to_dcl_ms', 'exec_to_inbox_request_ms',
    'exec_to_inbox_answer_ms', 'exec_to_session_ms', 'post_to_exec_ms', 'polls']) out[k] = stats(r.runs, k);
  out.direct_exec_to_inbox_request_ms = stats(r.direct, 'exec_to_inbox_request_ms');
  out.direct_exec_to_inbox_answer_ms = stats(r.direct, 'exec_to_inbox_answer_ms');
  // Where the median run's time went, in order.
  const median = r.runs.find((x) => x.exec_to_rows_ms === out.exec_to_rows_ms.median);
  const f = (ms) => (ms === null ? '?' : ms.toFixed(0));
  out.timeline = [
    [median.exec_to_navigation_ms, `${f(median.exec_to_navigation_ms)} ms: the webview starts loading the UI`],
    [median.exec_to_dcl_ms, `${f(median.exec_to_dcl_ms)} ms: DOMContentLoaded`],
    ...median.requests.map(([what, at, done]) => [at, `${f(at)} ms: \`${what}\` arrives at the server, answered by ${f(done)} ms`]),
    [median.exec_to_rows_ms, `${f(median.exec_to_rows_ms)} ms: the first inbox row is in the DOM`],
    [median.exec_to_frame_ms, `${f(median.exec_to_frame_ms)} ms: the frame that paints it starts`],
  ]
    .sort((a, b) => a[0] - b[0])
    .map(([, line]) => line);
  const alone_mb = (kb) => (kb === null ? null : kb / 1024);
  out.idle_driver = { ...pss(r.idle_driver), others: r.idle_driver_others, alone_mb: alone_mb(r.idle_driver_alone) };
  out.idle_direct = { ...pss(r.idle_direct), others: r.idle_direct_others, alone_mb: alone_mb(r.idle_direct_alone) };
  return out;
}

let appEnv;
(async () => {
  await new Promise((r) => proxy.listen(0, '127.0.0.1', r));
  appEnv = {
    AIOPS_URL: `http://127.0.0.1:${proxy.address().port}`,
    AIOPS_API_KEY: env('AIOPS_API_KEY'),
    AIOPS_CONFIG_DIR: path.join(WORK, 'app-config'),
  };
  const [port, native] = [await freePort(), await freePort()];
  const driver = spawn('tauri-driver', ['--port', String(port), '--native-port', String(native)], {
    env: { ...process.env, ...appEnv },
    stdio: ['ignore', fs.openSync(path.join(WORK, 'tauri-driver.log'), 'w'), fs.openSync(path.join(WORK, 'tauri-driver.err'), 'w')],
  });
  driverUrl = `http://127.0.0.1:${port}`;
  try {
    await until('tauri-driver to listen', async () => {
      try {
        return (await fetch(`${driverUrl}/status`)).ok;
      } catch {
        return false;
      }
    }, 50);
    const result = { runs: [], direct: [] };
    log('warm-up start through WebDriver (untimed: fills the page cache and WebKit\'s data dir)');
    await driverRun(0);
    // Alternating, so both kinds see the same machine (its load drifts).
    for (let i = 1; i <= Math.max(RUNS, DIRECT_RUNS); i++) {
      if (i <= RUNS) {
        const r = await driverRun(0);
        log(`run ${i}/${RUNS}: exec → inbox row ${r.exec_to_rows_ms.toFixed(1)} ms (${r.observed ? 'observed' : `polled, ±${r.gap_ms.toFixed(1)}`}), ` +
          `navigation ${r.exec_to_navigation_ms.toFixed(1)}, inbox request ${r.exec_to_inbox_request_ms.toFixed(1)}`);
        result.runs.push(r);
      }
      if (i <= DIRECT_RUNS) {
        const r = await directRun(0);
        log(`direct ${i}/${DIRECT_RUNS}: exec → inbox request ${r.exec_to_inbox_request_ms.toFixed(1)} ms`);
        result.direct.push(r);
      }
    }
    log(`idle memory through WebDriver (${IDLE_SECS} s on the inbox)`);
    const idle = await driverRun(IDLE_SECS);
    [result.idle_driver, result.idle_driver_others, result.idle_driver_alone] = [idle.memory, idle.memory_others, idle.memory_alone_kb];
    log(`idle memory, started directly (${IDLE_SECS} s after the inbox's answer)`);
    const direct = await directRun(IDLE_SECS);
    [result.idle_direct, result.idle_direct_others, result.idle_direct_alone] = [direct.memory, direct.memory_others, direct.memory_alone_kb];
    result.summary = summarise(result);
    process.stdout.write(JSON.stringify(result) + '\n');
  } finally {
    driver.kill();
    proxy.close();
    agent.destroy();
  }
})().then(
  () => process.exit(0), // the proxy may still hold a closed app's event stream
  (e) => {
    console.error(e.stack || String(e));
    process.exit(1);
  },
);
