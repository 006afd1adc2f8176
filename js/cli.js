#!/usr/bin/env node
// The `petrichor` command. Today it has one command, `gateway`, which runs the signaling server.
import { readFile } from "node:fs/promises";
import { startGateway } from "./gateway/index.js";

const USAGE = `usage: petrichor gateway [--port 8080] [--host 127.0.0.1] [--keys keys.json] [--ice url ...]

  --port N       TCP port to listen on (0 picks a free one); default 8080
  --host H       interface to listen on; default 127.0.0.1
  --keys FILE    JSON object mapping API key to organisation name; without it
                 PETRICHOR_API_KEYS is used, else a development key is generated
  --ice URL      a stun:/stuns:/turn:/turns: URL announced to clients; repeatable
`;

/** Thrown for anything the user typed wrong: usage on stderr, exit 2. */
class UsageError extends Error {}

/** Parses `gateway` options; accepts "--name value" and "--name=value". */
function parseGatewayArgs(args) {
  const options = { port: 8080, host: "127.0.0.1", keysFile: undefined, ice: [] };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].startsWith("--") && args[i].includes("=") ? split(args[i]) : [args[i], undefined];
    const value = () => {
      if (inline !== undefined) return inline;
      if (i + 1 >= args.length) throw new UsageError(`${flag} needs a value`);
      return args[++i];
    };
    switch (flag) {
      case "--port": {
        const text = value();
        const port = Number(text);
        if (!/^\d+$/.test(text) || port > 65535) throw new UsageError(`--port must be 0 to 65535, got "${text}"`);
        options.port = port;
        break;
      }
      case "--host":
        options.host = value();
        break;
      case "--keys":
        options.keysFile = value();
        break;
      case "--ice":
        options.ice.push(value());
        break;
      case "--help":
      case "-h":
        options.help = true;
        break;
      default:
        throw new UsageError(`unknown option "${args[i]}"`);
    }
  }
  return options;
}

function split(arg) {
  const at = arg.indexOf("=");
  return [arg.slice(0, at), arg.slice(at + 1)];
}

async function readKeys(file) {
  let keys;
  try {
    keys = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new Error(`cannot read API keys from ${file}: ${error.message}`);
  }
  if (typeof keys !== "object" || keys === null || Array.isArray(keys)) {
    throw new Error(`${file} must hold a JSON object mapping API key to organisation name`);
  }
  return keys;
}

async function runGateway(args) {
  const options = parseGatewayArgs(args);
  if (options.help) {
    process.stdout.write(USAGE);
    return;
  }
  const gateway = await startGateway({
    port: options.port,
    host: options.host,
    keys: options.keysFile === undefined ? undefined : await readKeys(options.keysFile),
    iceServers: options.ice.map((url) => ({ urls: [url] })),
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

const COMMANDS = { gateway: runGateway };

async function main(argv) {
  const [command, ...args] = argv;
  if (command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(USAGE);
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
