// Placeholder backend for a VpcFunction that has no application code yet.
//
// An API Gateway HTTP API (payload format 2.0) handler with no dependencies:
//   GET /health  -> 200 {"status":"healthy"}
//   anything else -> 404 {"message":"Not Found"}
// It reads no secrets and opens no connections, neither at init nor per
// request, so it answers as soon as the function exists - before the real
// application, its database or its VPC endpoints are in place.
"use strict";

function json(statusCode, body) {
  return {
    statusCode,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  };
}

exports.handler = async function handler(event) {
  const http = (event && event.requestContext && event.requestContext.http) || {};
  const method = http.method || "";
  const path = (event && event.rawPath) || http.path || "";
  if (method === "GET" && path === "/health") {
    return json(200, { status: "healthy" });
  }
  return json(404, { message: "Not Found" });
};
