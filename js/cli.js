#!/usr/bin/env node
// The `petrichor` command: `gateway` runs the signaling server, `host` streams a Linux display,
// `token` mints an access token.
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { DEFAULT_ACCESS_TOKEN_TTL_SECONDS, MAX_ACCESS_TOKEN_TTL_SECONDS, mintAccessToken, startGateway } from "./gateway/index.js";

const USAGE = `usage: petrichor gateway [--port 8080] [--host 127.0.0.1] [--keys keys.json] [--ice url ...]
                         [--origin https://app.example ...] [--limits limits.json]
                         [--resume-secret-file secret] [--cert cert.pem --key key.pem]
                         [--turn-url turn:host:3478 ... --turn-secret-file secret [--turn-ttl s]]
                         [--redis redis://host:6379]
       petrichor host (--display :0 | --app "command") (--allow id ... | --accept-all) [options]
       petrichor token --key-file FILE [--external-id ID] [--ttl 300]
       petrichor --version

gateway: runs the signaling server.
  --port N       TCP port to listen on (0 picks a free one); default 8080
  --host H       interface to listen on; default 127.0.0.1
  --keys FILE    JSON object mapping API key to organisation name; without it
                 PETRICHOR_API_KEYS is used, else a development key is generated
  --ice URL      a stun:/stuns:/turn:/turns: URL announced to clients; repeatable
  --origin O     only pages of this origin may connect (browsers send it); repeatable;
                 default every origin
  --limits FILE  JSON object overriding gateway limits, e.g. {"messagesPerSecond": 100}
                 (docs/SECURITY.md, "The gateway")
  --resume-secret-file FILE
                 the secret resume tokens are signed with, so that clients keep their peer
                 ids across restarts of the gateway; created with a random secret when
                 missing; without it PETRICHOR_RESUME_SECRET is used, else a secret that
                 lasts until the gateway stops
  --cert FILE, --key FILE
                 PEM certificate (chain) and private key: serve WSS (wss://) instead of
                 plain WebSocket; pages served over https can only reach a wss:// gateway
  --turn-url URL a turn:/turns: URL of a TURN server (coturn with use-auth-secret) to
                 which each client gets time-limited credentials of its own; repeatable
  --turn-secret-file FILE
                 the TURN server's static-auth-secret (at least 16 bytes); without it
                 PETRICHOR_TURN_SECRET is used
  --turn-ttl S   how long those credentials are valid, in seconds; default 86400
  --redis URL    redis://[user:password@]host:port (or rediss:// for TLS) of the Redis that
                 links several gateways behind one address: peers reach each other whichever
                 gateway they are on (docs/ARCHITECTURE.md, "Several gateways"); give them all
                 the same --resume-secret-file; without it PETRICHOR_REDIS_URL is used, else
                 the gateway is on its own

host: streams an X11 display (or one app in a virtual display) and injects the input it receives.
  --gateway URL  the gateway's WebSocket URL (or PETRICHOR_GATEWAY_URL)
  --key KEY      the API key (or PETRICHOR_API_KEY)
  --display D    an existing X display to stream, e.g. :0
  --app CMD      run CMD in a virtual display (Xvfb) and stream that instead
  --size WxH     the virtual display's size at start (then each client's viewport); default 1280x720
  --allow ID     accept peers with this external id; repeatable
  --accept-all   accept every peer of the organisation
  --permissions N  the InputLevel granted (default 63: keyboard, mouse, every gamepad; 127 adds clipboard)
  --fps N        frames per second; default 30
  --bitrate N    starting video bits per second; default 2000000
  --software     never use a hardware encoder
  --id-file F    keeps the peer id across restarts; default ~/.cache/petrichor/host-id

token: prints an access token that a page passes as its apiKey instead of the key (README,
"Access tokens"); an app's backend mints one per page with mintAccessToken of petrichor/gateway.
  --key-file F   a file holding the API key to mint with (or PETRICHOR_API_KEY)
  --external-id ID  the externalId the token is for; the page connects with the same one;
                 default none ("")
  --ttl S        seconds the token admits new sessions, 1 to ${MAX_ACCESS_TOKEN_TTL_SECONDS}; default ${DEFAULT_ACCESS_TOKEN_TTL_SECONDS}
`;

/** Thrown for anything the user typed wrong: usage on stderr, exit 2. */
class UsageError extends Error {}

/** Parsers of option values, by kind. */
const KINDS = {
  string: (text) => text,
  port: (text, flag) => {
    const port = Number(text);
    if (!/^\d+$/.test(text) || port > 65535) throw new UsageError(`${flag} must be 0 to 65535, got "${text}"`);
    return port;
  },
  count: (text, flag) => {
    if (!/^\d+$/.test(text)) throw new UsageError(`${flag} must be a whole number, got "${text}"`);
    return Number(text);
  },
  size: (text, flag) => {
    const match = /^(\d+)x(\d+)$/.exec(text);
    if (!match) throw new UsageError(`${flag} must look like 1280x720, got "${text}"`);
    return { width: Number(match[1]), height: Number(match[2]) };
  },
};

/**
 * Parses "--name value" and "--name=value" options by a spec {flag: [key, kind, repeatable]};
 * flags without a kind are switches. Unknown options are usage errors.
 */
function parseArgs(args, spec, defaults) {
  const options = { ...defaults };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].startsWith("--") && args[i].includes("=") ? split(args[i]) : [args[i], undefined];
    if (flag === "--help" || flag === "-h") {
      options.help = true;
      continue;
    }
    if (!Object.hasOwn(spec, flag)) throw new UsageError(`unknown option "${args[i]}"`);
    const [key, kind, repeatable] = spec[flag];
    if (!kind) {
      options[key] = true;
      continue;
    }
    let text = inline;
    if (text === undefined) {
      if (i + 1 >= args.length) throw new UsageError(`${flag} needs a value`);
      text = args[++i];
    }
    const value = KINDS[kind](text, flag);
    if (repeatable) options[key] = [...(options[key] ?? []), value];
    else options[key] = value;
  }
  return options;
}

function split(arg) {
  const at = arg.indexOf("=");
  return [arg.slice(0, at), arg.slice(at + 1)];
}

/** Reads a file holding one JSON object; `what` names its contents in errors. */
async function readJsonObject(file, what) {
  let value;
  try {
    value = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new Error(`cannot read ${what} from ${file}: ${error.message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`${file} must hold a JSON object of ${what}`);
  }
  return value;
}

const GATEWAY_OPTIONS = {
  "--port": ["port", "port"],
  "--host": ["host", "string"],
  "--keys": ["keysFile", "string"],
  "--ice": ["ice", "string", true],
  "--origin": ["origins", "string", true],
  "--limits": ["limitsFile", "string"],
  "--resume-secret-file": ["resumeSecretFile", "string"],
  "--cert": ["certFile", "string"],
  "--key": ["keyFile", "string"],
  "--turn-url": ["turnUrls", "string", true],
  "--turn-secret-file": ["turnSecretFile", "string"],
  "--turn-ttl": ["turnTtl", "count"],
  "--redis": ["redis", "string"],
};

/** Reads --cert and --key (both or neither) into the gateway's tls option. */
async function tlsFrom({ certFile, keyFile }) {
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (certFile === undefined || keyFile === undefined) throw new UsageError("--cert and --key go together");
  const read = async (file, what) => {
    try {
      return await readFile(file, "utf8");
    } catch (error) {
      throw new Error(`cannot read the ${what} from ${file}: ${error.code === "ENOENT" ? "no such file" : error.message}`);
    }
  };
  return { cert: await read(certFile, "certificate"), key: await read(keyFile, "private key") };
}

/** The gateway's turn option from --turn-url, --turn-secret-file and --turn-ttl (the secret may come from PETRICHOR_TURN_SECRET). */
async function turnFrom({ turnUrls, turnSecretFile, turnTtl }) {
  if (turnUrls === undefined) {
    if (turnSecretFile !== undefined || turnTtl !== undefined) throw new UsageError("--turn-secret-file and --turn-ttl need --turn-url");
    return undefined;
  }
  let secret;
  if (turnSecretFile !== undefined) {
    try {
      secret = (await readFile(turnSecretFile, "utf8")).trim();
    } catch (error) {
      throw new Error(`cannot read the TURN secret from ${turnSecretFile}: ${error.code === "ENOENT" ? "no such file" : error.message}`);
    }
  }
  if (secret === undefined && !process.env.PETRICHOR_TURN_SECRET) throw new UsageError("--turn-url needs --turn-secret-file (or PETRICHOR_TURN_SECRET)");
  return { urls: turnUrls, secret, ttlSeconds: turnTtl };
}

/** Reads the resume secret from `file`, or writes a new random one there (mode 0600) when it does not exist. */
async function resumeSecretFrom(file) {
  try {
    const secret = (await readFile(file, "utf8")).trim();
    if (Buffer.byteLength(secret) < 16) throw new Error("it must hold at least 16 bytes");
    return secret;
  } catch (error) {
    if (error.code !== "ENOENT") throw new Error(`cannot read the resume secret from ${file}: ${error.message}`);
  }
  const secret = randomBytes(32).toString("base64url");
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${secret}\n`, { mode: 0o600, flag: "wx" });
  return secret;
}

async function runGateway(args) {
  const options = parseArgs(args, GATEWAY_OPTIONS, { port: 8080, host: "127.0.0.1", keysFile: undefined, ice: [] });
  if (options.help) {
    process.stdout.write(USAGE);
    return;
  }
  const tls = await tlsFrom(options);
  const gateway = await startGateway({
    tls,
    port: options.port,
    host: options.host,
    keys: options.keysFile === undefined ? undefined : await readJsonObject(options.keysFile, "API keys (key → organisation name)"),
    limits: options.limitsFile === undefined ? undefined : await readJsonObject(options.limitsFile, "gateway limits"),
    allowedOrigins: options.origins,
    resumeSecret: options.resumeSecretFile === undefined ? undefined : await resumeSecretFrom(options.resumeSecretFile),
    iceServers: options.ice.map((url) => ({ urls: [url] })),
    turn: await turnFrom(options),
    redis: options.redis ?? (process.env.PETRICHOR_REDIS_URL || undefined),
    log: (level, message) => {
      if (level === "warn" || level === "error") process.stderr.write(`petrichor gateway: ${level}: ${message}\n`);
    },
  });
  process.stdout.write(`Petrichor gateway: ${gateway.url}\n`);
  if (gateway.devKey) process.stdout.write(`Development API key (organisation "development"): ${gateway.devKey}\n`);
  let stopping = false;
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.on(signal, async () => {
      if (stopping) process.exit(1); // a second signal: stop waiting for clients
      stopping = true;
      await gateway.close();
      process.exit(0);
    });
  }
}

const HOST_OPTIONS = {
  "--gateway": ["gatewayUrl", "string"],
  "--key": ["apiKey", "string"],
  "--display": ["display", "string"],
  "--app": ["app", "string"],
  "--size": ["size", "size"],
  "--allow": ["allow", "string", true],
  "--accept-all": ["acceptAll"],
  "--permissions": ["permissions", "count"],
  "--fps": ["fps", "count"],
  "--bitrate": ["bitrate", "count"],
  "--software": ["software"],
  "--id-file": ["resumeTokenFile", "string"],
};

async function runHost(args) {
  const options = parseArgs(args, HOST_OPTIONS, {
    gatewayUrl: process.env.PETRICHOR_GATEWAY_URL,
    apiKey: process.env.PETRICHOR_API_KEY,
    allow: [],
    resumeTokenFile: join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "petrichor", "host-id"),
  });
  if (options.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (!options.gatewayUrl) throw new UsageError("host needs --gateway (or PETRICHOR_GATEWAY_URL)");
  if (!options.apiKey) throw new UsageError("host needs --key (or PETRICHOR_API_KEY)");
  if (!options.display === !options.app) throw new UsageError("host needs exactly one of --display and --app");
  if (!options.acceptAll && options.allow.length === 0) throw new UsageError("host needs --allow ID or --accept-all");
  if (options.permissions !== undefined && options.permissions > 127) throw new UsageError("--permissions must be an InputLevel (0 to 127)");
  const { startHost } = await import("./host/linux-host.js");
  const host = await startHost({ ...options, ...options.size, log: (message) => process.stderr.write(`petrichor host: ${message}\n`) });
  process.stdout.write(`Petrichor host ${host.id} streaming ${host.display}\n`);
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.on(signal, () => {
      host.close();
      process.exit(0);
    });
  }
}

const TOKEN_OPTIONS = {
  "--key-file": ["keyFile", "string"],
  "--external-id": ["externalId", "string"],
  "--ttl": ["ttlSeconds", "count"],
};

async function runToken(args) {
  const options = parseArgs(args, TOKEN_OPTIONS, { externalId: "", ttlSeconds: DEFAULT_ACCESS_TOKEN_TTL_SECONDS });
  if (options.help) {
    process.stdout.write(USAGE);
    return;
  }
  // The key comes from a file or the environment, never the command line other users can read.
  let apiKey = process.env.PETRICHOR_API_KEY;
  if (options.keyFile !== undefined) {
    try {
      apiKey = (await readFile(options.keyFile, "utf8")).trim();
    } catch (error) {
      throw new Error(`cannot read the API key from ${options.keyFile}: ${error.code === "ENOENT" ? "no such file" : error.message}`);
    }
  }
  if (!apiKey) throw new UsageError("token needs --key-file (or PETRICHOR_API_KEY)");
  if (options.ttlSeconds < 1 || options.ttlSeconds > MAX_ACCESS_TOKEN_TTL_SECONDS) {
    throw new UsageError(`--ttl must be 1 to ${MAX_ACCESS_TOKEN_TTL_SECONDS} seconds`);
  }
  let token;
  try {
    token = mintAccessToken({ apiKey, externalId: options.externalId, ttlSeconds: options.ttlSeconds });
  } catch (error) {
    throw new UsageError(error.message.replace(/^mintAccessToken: /, ""));
  }
  process.stdout.write(`${token}\n`);
}

const COMMANDS = { gateway: runGateway, host: runHost, token: runToken };

async function main(argv) {
  const [command, ...args] = argv;
  if (command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(USAGE);
    return;
  }
  if (command === "--version" || command === "-v" || command === "version") {
    const { version } = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8"));
    process.stdout.write(`${version}\n`);
    return;
  }
  try {
    const run = Object.hasOwn(COMMANDS, command ?? "") ? COMMANDS[command] : null;
    if (!run) throw new UsageError(command === undefined ? "no command given" : `unknown command "${command}"`);
    await run(args);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`petrichor: ${error.message}\n${USAGE}`);
      process.exit(2);
    }
    process.stderr.write(`petrichor: ${error.message}\n`);
    process.exit(1);
  }
}

await main(process.argv.slice(2));
