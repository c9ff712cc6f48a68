#include "src/serve/dashboard.h"

#include <string>

#include "src/serve/embedded_files.h"

namespace logstream {

namespace {

constexpr std::string_view kAssetsPrefix = "/assets/";

std::optional<std::string_view> FindAsset(std::string_view name) {
  for (const EmbeddedFile& f : DashboardAssets()) {
    if (f.name == name) return f.data;
  }
  return std::nullopt;
}

}  // namespace

std::string_view ContentTypeOf(std::string_view name) {
  struct Type {
    std::string_view extension;
    std::string_view content_type;
  };
  static constexpr Type kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".txt", "text/plain; charset=utf-8"},
  };
  for (const Type& t : kTypes) {
    if (name.ends_with(t.extension)) return t.content_type;
  }
  return "application/octet-stream";
}

std::optional<HttpResponse> DashboardFile(std::string_view path) {
  std::string_view name;
  if (path == "/") {
    name = "index.html";
  } else if (path.starts_with(kAssetsPrefix)) {
    name = path.substr(kAssetsPrefix.size());
  } else {
    return std::nullopt;
  }
  std::optional<std::string_view> data = FindAsset(name);
  if (!data) return std::nullopt;
  HttpResponse response;
  response.body.assign(data->data(), data->size());
  response.content_type = std::string(ContentTypeOf(name));
  return response;
}

}  // namespace logstream
