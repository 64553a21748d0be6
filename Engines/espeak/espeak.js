// espeak: robotic text to speech with Debian's espeak-ng, in plain Node.js.
//
// It speaks PROTOCOL.md directly, without the Python SDK, to show that an
// engine is just a program that reads JSON lines on stdin and writes them on
// stdout. Standard library only. Each run's speech comes from synth.py,
// which calls libespeak-ng (the espeak-ng program's own library) for the
// same audio the program writes, and for each word's timing besides.
'use strict';

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');

const ESPEAK = 'espeak-ng';
// -I -S: the system's Python as it is, without site packages, which are not needed.
const SYNTH = ['python3', ['-I', '-S', path.join(__dirname, 'synth.py')]];
const SAMPLE_RATE = 22050; // what espeak-ng writes, whatever the voice
const CONCURRENCY = 2; // espeak-ng runs are cheap, separate processes
const CODES = { bad_input: -32001, unsupported: -32002, internal: -32005, cancelled: -32800 };
const INSTALL_HINT = 'espeak-ng is not installed (apt-get install espeak-ng)';
// espeak-ng links libpulse and opens it even to write a file, which leaves
// ~/.config/pulse and $TMPDIR/pulse-* behind; with no server to find, it
// writes nothing outside the work folder (engines check).
const CHILD_ENV = { ...process.env, PULSE_SERVER: 'unix:/nonexistent' };

// stdout is the protocol channel: nothing but whole JSON lines may go there.
const send = (message) => process.stdout.write(JSON.stringify(message) + '\n');
const log = (...args) => console.error('espeak:', ...args);
const answer = (id, result) => send({ jsonrpc: '2.0', id, result });
function fail(id, kind, message, code = CODES[kind]) {
  send({ jsonrpc: '2.0', id, error: kind ? { code, message, data: { kind } } : { code, message } });
}

class JobError extends Error {
  constructor(kind, message) { super(message); this.kind = kind; }
}

// Voices, read once: `--voices` prints a table (Pty, Language, Age/Gender,
// VoiceName, File, Other Languages). Users name voices by language code, but
// espeak-ng's own lookup by language misses some voices, so every accepted
// name maps to the voice's file, which always works as `-v`.
function loadVoices() {
  const table = spawnSync(ESPEAK, ['--voices'], { encoding: 'utf8', env: CHILD_ENV });
  if (table.error) return { problem: table.error.code === 'ENOENT' ? INSTALL_HINT : String(table.error) };
  if (table.status !== 0) return { problem: `espeak-ng --voices failed: ${table.stderr.trim().slice(-500)}` };
  const files = new Map(); // lower-case name → voice file
  const listed = [];
  const aliases = []; // [name, file, priority]: weaker names, added after the ids
  for (const line of table.stdout.split('\n').slice(1)) {
    const [, language, , , file, ...rest] = line.trim().split(/\s+/);
    if (!file) continue;
    const base = path.basename(file);
    // Two voices can share a language (yue); the second is known by its file.
    const id = files.has(language.toLowerCase()) ? base : language;
    files.set(id.toLowerCase(), file);
    listed.push({ id, language, sample_rate: SAMPLE_RATE });
    aliases.push([base, file, -1]);
    for (const [, other, priority] of rest.join(' ').matchAll(/\(([^\s)]+) (\d+)\)/g)) {
      aliases.push([other, file, Number(priority)]); // "(en 2)": `en` means this voice, at priority 2
    }
  }
  aliases.sort((a, b) => a[2] - b[2]); // the lowest number wins, as in espeak-ng
  for (const [name, file] of aliases) if (!files.has(name.toLowerCase())) files.set(name.toLowerCase(), file);
  // Variants ("en+f3") change the speaker; an unknown one is silently ignored
  // by espeak-ng, so they are checked here. Their names are case-sensitive there.
  const variants = new Map();
  const variantTable = spawnSync(ESPEAK, ['--voices=variant'], { encoding: 'utf8', env: CHILD_ENV });
  for (const line of (variantTable.stdout || '').split('\n').slice(1)) {
    const file = line.trim().split(/\s+/)[4];
    if (file) variants.set(path.basename(file).toLowerCase(), path.basename(file));
  }
  return { files, listed, variants };
}

const voices = loadVoices();
let initialized = false;
let stopping = false;
const runs = new Map(); // run request id → { child, cancelled }, while espeak-ng runs
const queue = []; // runs waiting for a slot: the host should not send more than CONCURRENCY

// EPIPE: the host has gone away, so nobody is left to answer; stop at once.
process.stdout.on('error', () => {
  for (const state of runs.values()) state.child.kill('SIGKILL');
  process.exit(0);
});

function initialize(id, params) {
  const offered = params.protocol_versions;
  if (!Array.isArray(offered) || !offered.includes(1)) {
    return fail(id, 'unsupported', `no common protocol version (host offers ${JSON.stringify(offered)}, engine speaks [1])`);
  }
  if (voices.problem) return fail(id, 'unsupported', voices.problem);
  initialized = true;
  answer(id, {
    protocol_version: 1,
    engine: {
      name: 'espeak', version: '1.0.0', tasks: ['tts'],
      voices: voices.listed, sample_rates: [SAMPLE_RATE], concurrency: CONCURRENCY,
    },
  });
}

function intParam(params, name, fallback, min, max, unit) {
  const value = params[name] ?? fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    const wanted = `a whole number from ${min} to ${max}${unit}`;
    throw new JobError('bad_input', `param '${name}' must be ${wanted}, got ${JSON.stringify(value)}`);
  }
  return value;
}

// Checks a run's params and makes espeak-ng's arguments; throws JobError.
function prepare(p) {
  if (p.task !== 'tts') throw new JobError('unsupported', `task '${p.task}' is not one of ["tts"]`);
  if (typeof p.text !== 'string' || !p.text.trim()) throw new JobError('bad_input', "task 'tts' needs text");
  const params = p.params ?? {};
  if (typeof params !== 'object' || Array.isArray(params)) throw new JobError('bad_input', "'params' must be an object");
  // A misspelt param ("sped") would otherwise be silently ignored.
  const unknown = Object.keys(params).filter((name) => !['voice', 'speed', 'pitch'].includes(name));
  if (unknown.length) throw new JobError('bad_input', `unknown param '${unknown[0]}' (known: voice, speed, pitch)`);
  const voice = params.voice ?? 'en';
  const file = voiceFile(voice);
  if (!file) {
    const examples = '"en", "en-us" or "de+f3" (audiospool engines voices espeak lists them)';
    throw new JobError('bad_input', `param 'voice' must be an espeak-ng voice such as ${examples}, got ${JSON.stringify(voice)}`);
  }
  const speed = intParam(params, 'speed', 175, 80, 450, ' (words per minute)');
  const pitch = intParam(params, 'pitch', 50, 0, 99, '');
  // The text goes through stdin, never argv: no length limit, no option injection.
  const output = path.join(p.work_dir, 'output.wav');
  const args = [...SYNTH[1], file, String(speed), String(pitch), output];
  return { text: p.text, output, args };
}

// "de+f3" is voice de with variant f3. The answer is espeak-ng's `-v`, or null.
function voiceFile(voice) {
  if (typeof voice !== 'string') return null;
  const [base, variant, ...extra] = voice.toLowerCase().split('+');
  const file = voices.files.get(base);
  if (!file || extra.length) return null;
  if (variant === undefined) return file;
  return voices.variants.has(variant) ? `${file}+${voices.variants.get(variant)}` : null;
}

function run(id, p) {
  if (!initialized) return fail(id, null, 'initialize first', -32600);
  if (typeof p.work_dir !== 'string' || !path.isAbsolute(p.work_dir)) {
    return fail(id, null, "run needs an absolute 'work_dir'", -32602);
  }
  let job;
  try {
    job = prepare(p);
  } catch (error) {
    return fail(id, error.kind || 'internal', error.message);
  }
  log(`run job=${p.job_id} task=${p.task} attempt=${p.attempt}`);
  queue.push({ id, job });
  pump();
}

function pump() {
  while (runs.size < CONCURRENCY && queue.length) start(queue.shift());
}

function start({ id, job }) {
  // No shell: arguments go to synth.py as they are.
  const child = spawn(SYNTH[0], job.args, { stdio: ['pipe', 'pipe', 'pipe'], env: CHILD_ENV });
  const state = { child, cancelled: false };
  runs.set(id, state);
  let stderr = '';
  let stdout = ''; // synth.py's one line: the words' timings, never onto our stdout
  child.stderr.on('data', (chunk) => { stderr = (stderr + chunk).slice(-2000); });
  child.stdout.on('data', (chunk) => { stdout += chunk; });
  child.stdin.on('error', () => {}); // EPIPE when synth.py dies first; 'close' reports it
  child.stdin.end(job.text);
  send({ jsonrpc: '2.0', method: 'progress', params: { id, progress: 0.1 } });

  // 'error' (spawn failed) and 'close' can both fire: the first one answers.
  const finish = (reply) => {
    if (runs.get(id) !== state) return;
    runs.delete(id);
    reply();
    pump();
  };
  child.on('error', (error) => finish(() => {
    fail(id, 'internal', error.code === 'ENOENT' ? 'python3 is not installed (apt-get install python3)' : `synth.py: ${error.message}`);
  }));
  child.on('close', (code, signal) => finish(() => {
    if (state.cancelled) return fail(id, 'cancelled', stopping ? 'the engine is shutting down' : 'cancelled by the host');
    const tail = stderr.trim().split('\n').slice(-5).join(' / ');
    if (code !== 0) {
      return fail(id, 'internal', `espeak-ng failed (${signal || `exit status ${code}`}): ${tail || 'no message'}`);
    }
    if (!fs.existsSync(job.output)) return fail(id, 'internal', `espeak-ng wrote no output.wav: ${tail || 'no message'}`);
    let words = null;
    try {
      words = JSON.parse(stdout);
    } catch (error) {
      log(`no word timings: ${error.message}`);
    }
    send({ jsonrpc: '2.0', method: 'progress', params: { id, progress: 1 } });
    const result = { outputs: [{ name: 'output', path: 'output.wav' }] };
    if (Array.isArray(words)) result.words = words; // null: espeak-ng's words did not match the text's
    answer(id, result);
  }));
}

function cancel(id) {
  const waiting = queue.findIndex((item) => item.id === id);
  if (waiting >= 0) {
    queue.splice(waiting, 1);
    return fail(id, 'cancelled', 'cancelled by the host');
  }
  const state = runs.get(id);
  if (!state || state.cancelled) return; // already answered: a cancel may cross the result
  state.cancelled = true;
  state.child.kill('SIGKILL'); // nothing to save: the host clears work_dir anyway
}

function handle(line) {
  let message;
  try {
    message = JSON.parse(line);
  } catch (error) {
    return fail(null, null, `parse error: ${error.message}`, -32700);
  }
  const isRequest = message !== null && typeof message === 'object' && 'id' in message;
  if (!message || typeof message.method !== 'string') {
    if (isRequest) fail(message.id, null, 'not a request: no method', -32600);
    return; // responses and junk: the host sends us none
  }
  const { method, id } = message;
  const params = message.params ?? {};
  if (method === 'cancel') return cancel(params.id);
  if (!isRequest) return; // unknown notifications are ignored
  if (method === 'initialize') return initialize(id, params);
  if (method === 'run') return run(id, params);
  if (method === 'ping') return answer(id, {});
  if (method === 'shutdown') {
    answer(id, {});
    return input.close(); // → stop(): the runs are cancelled and answered, then we exit
  }
  fail(id, null, `unknown method '${method}'`, -32601);
}

// shutdown or stdin EOF (the host died, maybe by SIGKILL): stop everything.
// Once the killed children are reaped nothing is left and Node exits.
function stop() {
  if (stopping) return;
  stopping = true;
  for (const { id } of queue.splice(0)) fail(id, 'cancelled', 'the engine is shutting down');
  for (const id of runs.keys()) cancel(id);
  process.stdin.destroy();
  setTimeout(() => process.exit(0), 2000).unref(); // in case a child will not die
}

const input = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
input.on('line', (line) => { if (!stopping && line.trim()) handle(line); });
input.on('close', stop);
