// The live dashboard's files (web/dashboard: index.html, app.js, style.css,
// and uPlot's script and styles from npm), embedded in the binary at build
// time so the page works offline, served by the HTTP endpoints of the
// long-running commands next to their JSON API (/api/v1/...).
#pragma once

#include <optional>
#include <string_view>

#include "src/serve/http_server.h"

namespace logstream {

// The answer to GET `path` (without a query): "/" is index.html,
// "/assets/NAME" is the embedded file NAME with its content type; nullopt for
// any other path (the caller answers it, e.g. the API or 404). Thread-safe.
std::optional<HttpResponse> DashboardFile(std::string_view path);

// The Content-Type of a file name by its extension ("text/html;
// charset=utf-8", ...; application/octet-stream when unknown).
std::string_view ContentTypeOf(std::string_view name);

}  // namespace logstream
