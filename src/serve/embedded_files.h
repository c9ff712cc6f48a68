// Files compiled into the binary by cmake/embed_files.cmake (the dashboard's
// page, scripts and styles). Each generated source defines one function that
// lists its files.
#pragma once

#include <span>
#include <string_view>

namespace logstream {

struct EmbeddedFile {
  std::string_view name;  // a base name, e.g. "app.js"
  std::string_view data;  // the file's bytes, static
};

// web/dashboard/* and uPlot's dist files, in a static table (generated as
// dashboard_assets.cc in the build tree). Thread-safe.
std::span<const EmbeddedFile> DashboardAssets();

}  // namespace logstream
