// Preloaded (node --require) into the emulator's local run of the bootstrap
// function only: a TCP connection to an Aurora endpoint host
// (*.rds.amazonaws.com, which the emulator's cluster names but nothing serves)
// goes to the local PostgreSQL-compatible server on 127.0.0.1:EMULATOR_DB_PORT
// instead. Every other connection is left alone. Announced on stderr once.
"use strict";
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS, run by node without a build step */
const net = require("node:net");

const port = Number(process.env.EMULATOR_DB_PORT);
const AURORA_HOST = /\.rds\.amazonaws\.com\.?$/i;
if (Number.isInteger(port) && port > 0) {
  const connect = net.Socket.prototype.connect;
  let announced = false;
  const redirect = (host, original) => {
    if (!announced) {
      announced = true;
      process.stderr.write(
        `EMULATOR WORKAROUND database connection ${host}:${original} -> 127.0.0.1:${port}\n`,
      );
    }
  };
  net.Socket.prototype.connect = function (...args) {
    const first = args[0];
    if (first && typeof first === "object" && !Array.isArray(first) && typeof first.host === "string") {
      if (AURORA_HOST.test(first.host)) {
        redirect(first.host, first.port);
        args[0] = { ...first, host: "127.0.0.1", port };
      }
    } else if ((typeof first === "number" || typeof first === "string") && typeof args[1] === "string") {
      if (AURORA_HOST.test(args[1])) {
        redirect(args[1], first);
        args[0] = port;
        args[1] = "127.0.0.1";
      }
    }
    return connect.apply(this, args);
  };
}
