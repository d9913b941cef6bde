/// The Node.js bootstrap Gust runs as `node bootstrap.js` for `nodejsNN.x` functions.
/// It speaks the Lambda Runtime API and calls `exports.handler` (async or callback style).
///
/// Gust writes `source` to `fileName` in its data directory at startup.
enum NodeBootstrap {
    static let fileName = "bootstrap.js"

    static let source = #"""
// Gust Node.js bootstrap: speaks the AWS Lambda Runtime API on behalf of an
// `exports.handler = async (event, context) => ...` (or callback-style) function.
'use strict';
const fs = require('fs');
const http = require('http');
const path = require('path');
const util = require('util');

const [HOST, PORT] = (() => {
  const address = process.env.AWS_LAMBDA_RUNTIME_API || '127.0.0.1:9001';
  const i = address.lastIndexOf(':');
  return [address.slice(0, i) || '127.0.0.1', Number(address.slice(i + 1))];
})();
const API = '/2018-06-01/runtime';
const agent = new http.Agent({ keepAlive: true });
let currentRequestId;
let initialized = false;

function send(method, urlPath, body, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: HOST, port: PORT, method, path: API + urlPath, agent, headers }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('socket', (socket) => socket.setNoDelay(true));
    req.on('error', reject);
    req.end(body);
  });
}

async function request(method, urlPath, body, headers) {
  try {
    return await send(method, urlPath, body, headers);
  } catch (err) {
    // A kept-alive socket may have been closed by the server between requests: retry once.
    if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') throw err;
    return send(method, urlPath, body, headers);
  }
}

function post(urlPath, body, errorType) {
  const headers = { 'Content-Type': 'application/json' };
  if (errorType) headers['Lambda-Runtime-Function-Error-Type'] = errorType;
  return request('POST', urlPath, body, headers);
}

function toError(err) {
  if (util.types.isNativeError(err) || err instanceof Error) {
    const trace = String(err.stack || '').split('\n').filter((line) => !line.includes(__filename));
    return { errorType: err.name, errorMessage: err.message, trace };
  }
  return { errorType: typeof err, errorMessage: String(err), trace: [] };
}

function postError(urlPath, error) {
  log('ERROR', urlPath === '/init/error' ? 'Init Error' : 'Invoke Error', JSON.stringify(error));
  return post(urlPath, JSON.stringify(error), error.errorType);
}

// console.* print like Lambda's: timestamp, request id, level, message.
function log(level, ...args) {
  process.stdout.write(`${new Date().toISOString()}\t${currentRequestId}\t${level}\t${util.format(...args)}\n`);
}
console.log = (...args) => log('INFO', ...args);
console.info = console.log;
console.debug = (...args) => log('DEBUG', ...args);
console.warn = (...args) => log('WARN', ...args);
console.error = (...args) => log('ERROR', ...args);
console.trace = (...args) => log('TRACE', ...args);

async function loadModule(root, name) {
  const base = path.resolve(root, name);
  const importFile = (file) => import(require('url').pathToFileURL(file).href);
  for (const ext of ['.js', '.mjs', '.cjs']) {
    if (!fs.existsSync(base + ext)) continue;
    if (ext === '.mjs') return importFile(base + ext);
    try {
      return require(base + ext);
    } catch (err) {
      if (err.code === 'ERR_REQUIRE_ESM') return importFile(base + ext);
      throw err;
    }
  }
  return require(require.resolve(name, { paths: [root] }));
}

async function loadHandler() {
  const spec = process.env._HANDLER || '';
  const root = process.env.LAMBDA_TASK_ROOT || process.cwd();
  const dot = spec.indexOf('.', spec.lastIndexOf('/') + 1);
  if (dot < 0) {
    throw { errorType: 'Runtime.MalformedHandlerName', errorMessage: `Bad handler ${spec}`, trace: [] };
  }
  const moduleName = spec.slice(0, dot);
  const handlerPath = spec.slice(dot + 1);
  let mod;
  try {
    mod = await loadModule(root, moduleName);
  } catch (err) {
    const e = toError(err);
    const syntax = e.errorType === 'SyntaxError';
    e.errorType = syntax ? 'Runtime.UserCodeSyntaxError' : 'Runtime.ImportModuleError';
    e.errorMessage = syntax ? `${err}` : `Error: Cannot load module '${moduleName}': ${e.errorMessage}`;
    throw e;
  }
  const resolve = (obj) => handlerPath.split('.').reduce((o, key) => (o == null ? undefined : o[key]), obj);
  let handler = resolve(mod);
  if (handler === undefined && mod && mod.default) handler = resolve(mod.default);
  if (typeof handler !== 'function') {
    throw {
      errorType: 'Runtime.HandlerNotFound',
      errorMessage: `${spec} is undefined or not exported`,
      trace: [],
    };
  }
  return handler;
}

function makeContext(headers, requestId) {
  const env = process.env;
  const deadline = Number(headers['lambda-runtime-deadline-ms'] || 0);
  const parse = (value) => (value ? JSON.parse(value) : undefined);
  return {
    callbackWaitsForEmptyEventLoop: true,
    awsRequestId: requestId,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    clientContext: parse(headers['lambda-runtime-client-context']),
    identity: parse(headers['lambda-runtime-cognito-identity']),
    getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
  };
}

// Runs the handler in either style: a returned promise, or the callback (event, context, callback).
function runHandler(handler, event, context) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (err, value) => {
      if (settled) return;
      settled = true;
      if (err !== undefined && err !== null) reject(err);
      else resolve(value);
    };
    context.done = finish;
    context.succeed = (value) => finish(null, value);
    context.fail = (err) => finish(err === undefined || err === null ? 'handled' : err);
    let result;
    try {
      result = handler(event, context, finish);
    } catch (err) {
      finish(err);
      return;
    }
    if (result && typeof result.then === 'function') {
      result.then((value) => finish(null, value), (err) => finish(err === undefined ? new Error('undefined') : err));
    } else if (handler.length < 3) {
      finish(null, result);
    }
  });
}

async function fatal(err, errorType) {
  const error = toError(err);
  if (errorType) {
    error.errorMessage = `${error.errorType}: ${error.errorMessage}`;
    error.errorType = errorType;
  }
  try {
    if (currentRequestId) await postError(`/invocation/${currentRequestId}/error`, error);
    else if (!initialized) await postError('/init/error', error);
    else log('ERROR', 'Uncaught Exception', JSON.stringify(error));
  } finally {
    process.exit(errorType ? 128 : 129);
  }
}
process.on('uncaughtException', (err) => fatal(err));
process.on('unhandledRejection', (reason) => fatal(reason, 'Runtime.UnhandledPromiseRejection'));

async function main() {
  let handler;
  try {
    handler = await loadHandler();
  } catch (err) {
    await postError('/init/error', err.errorType ? err : toError(err));
    process.exit(1);
  }
  initialized = true;
  for (;;) {
    const next = await request('GET', '/invocation/next');
    if (next.status === 410) process.exit(0); // Gust is stopping this instance
    if (next.status !== 200) throw new Error(`next returned HTTP ${next.status}`);
    const requestId = next.headers['lambda-runtime-aws-request-id'];
    currentRequestId = requestId;
    const traceId = next.headers['lambda-runtime-trace-id'];
    if (traceId) process.env._X_AMZN_TRACE_ID = traceId;
    else delete process.env._X_AMZN_TRACE_ID;

    let error;
    let payload;
    let event;
    try {
      event = next.body.length ? JSON.parse(next.body) : {};
    } catch (err) {
      error = { errorType: 'Runtime.UnmarshalError', errorMessage: `Unable to unmarshal input: ${err.message}`, trace: [] };
    }
    if (!error) {
      try {
        const result = await runHandler(handler, event, makeContext(next.headers, requestId));
        try {
          payload = JSON.stringify(result === undefined ? null : result);
          if (payload === undefined) payload = 'null';
        } catch (err) {
          error = { errorType: 'Runtime.MarshalError', errorMessage: `Unable to stringify response body: ${err.message}`, trace: [] };
        }
      } catch (err) {
        error = toError(err);
      }
    }
    if (!error) {
      const res = await post(`/invocation/${requestId}/response`, payload);
      if (res.status === 413) {
        error = { errorType: 'Function.ResponseSizeTooLarge', errorMessage: 'Response payload size exceeded maximum allowed payload size.', trace: [] };
      }
    }
    if (error) await postError(`/invocation/${requestId}/error`, error);
    currentRequestId = undefined;
  }
}

main().catch((err) => {
  // The Runtime API went away: Gust is stopping this instance.
  process.stderr.write(`gust bootstrap: lost the Runtime API: ${err.message}\n`);
  process.exit(1);
});

"""#
}
