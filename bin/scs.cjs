#!/usr/bin/env node
// The `scs` command of an installed package (npm install -g, npx).
//
// SCS needs Node 24.21 or newer (it moves sockets between threads), and the machine's `node`
// may be older. The package depends on the `node` package, which installs that Node next to
// it; this launcher runs SCS on the Node it was started with when that is new enough, and
// otherwise on the bundled one. It is CommonJS in plain old syntax on purpose: it must get as
// far as printing its one-line message on any Node, never a stack trace.
'use strict';
var fs = require('fs');
var path = require('path');
var childProcess = require('child_process');

var MIN = [24, 21, 0];
var root = path.join(__dirname, '..');
// The published package runs dist/ (built at pack time: Node does not strip types under
// node_modules); a checkout runs the TypeScript source.
var built = path.join(root, 'dist', 'src', 'cli.js');
var entry = fs.existsSync(built) ? built : path.join(root, 'src', 'cli.ts');

function newEnough(version) {
  var parts = String(version).split('.').map(Number);
  for (var i = 0; i < MIN.length; i++) {
    var have = parts[i] || 0;
    if (have !== MIN[i]) return have > MIN[i];
  }
  return true;
}

function bundledNode() {
  var pkg;
  try {
    pkg = require.resolve('node/package.json', { paths: [root] });
  } catch (e) {
    return undefined;
  }
  var bin = path.join(path.dirname(pkg), 'bin', 'node');
  return fs.existsSync(bin) ? bin : undefined;
}

function fail(message) {
  process.stderr.write('scs: ' + message + '\n');
  process.exit(2);
}

if (newEnough(process.versions.node)) {
  // Same process: no second Node start-up. `new Function` keeps import() out of the parse of
  // this file, so a Node too old to know import() still reaches the message below.
  var url = require('url').pathToFileURL(entry).href;
  new Function('u', 'return import(u)')(url).catch(function (err) {
    fail(err && err.message ? err.message : String(err));
  });
} else {
  var node = bundledNode();
  if (node === undefined) {
    fail(
      'needs Node ' + MIN.join('.') + ' or newer and this is Node ' + process.versions.node +
        "; the Node it installs with it (the 'node' package) is missing: reinstall SCS with install " +
        'scripts allowed (npm install -g scs-<version>.tgz, without --ignore-scripts) or run it with Node ' +
        MIN.join('.') + '+',
    );
  }
  var child = childProcess.spawn(node, [entry].concat(process.argv.slice(2)), { stdio: 'inherit' });
  child.on('error', function (err) {
    fail('cannot start the bundled Node ' + node + ': ' + err.message);
  });
  // The launcher is the process systemd and shells know (MAINPID): pass signals on. SIGINT from a
  // terminal already reaches the child (same process group); forwarding it too would deliver it
  // twice, so the launcher only stays alive for it.
  ['SIGTERM', 'SIGHUP', 'SIGUSR1', 'SIGUSR2'].forEach(function (signal) {
    process.on(signal, function () {
      child.kill(signal);
    });
  });
  process.on('SIGINT', function () {});
  child.on('exit', function (code, signal) {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else {
      process.exit(code === null ? 1 : code);
    }
  });
}
