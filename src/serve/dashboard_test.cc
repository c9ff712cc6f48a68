#include "src/serve/dashboard.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "src/serve/embedded_files.h"

namespace logstream {
namespace {

using ::testing::StartsWith;

const std::filesystem::path kSource = LOGSTREAM_SOURCE_DIR;

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(DashboardTest, RootIsIndexHtml) {
  std::optional<HttpResponse> r = DashboardFile("/");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->content_type, "text/html; charset=utf-8");
  EXPECT_EQ(r->body, ReadFile(kSource / "web" / "dashboard" / "index.html"));
}

TEST(DashboardTest, EveryPageFileIsEmbeddedByteForByte) {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kSource / "web" / "dashboard")) {
    const std::string name = entry.path().filename().string();
    std::optional<HttpResponse> r = DashboardFile("/assets/" + name);
    ASSERT_TRUE(r.has_value()) << name;
    EXPECT_EQ(r->status, 200) << name;
    EXPECT_EQ(r->body, ReadFile(entry.path())) << name << " differs: the build did not embed it again";
    ++files;
  }
  EXPECT_GE(files, 3);  // index.html, app.js, style.css
}

TEST(DashboardTest, UplotFromNpmWithContentTypes) {
  const std::filesystem::path dist = kSource / "web" / "node_modules" / "uplot" / "dist";
  std::optional<HttpResponse> js = DashboardFile("/assets/uPlot.iife.min.js");
  ASSERT_TRUE(js.has_value());
  EXPECT_EQ(js->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(js->body, ReadFile(dist / "uPlot.iife.min.js"));
  EXPECT_THAT(js->body, StartsWith("/*! https://github.com/leeoniya/uPlot"));
  std::optional<HttpResponse> css = DashboardFile("/assets/uPlot.min.css");
  ASSERT_TRUE(css.has_value());
  EXPECT_EQ(css->content_type, "text/css; charset=utf-8");
  EXPECT_EQ(css->body, ReadFile(dist / "uPlot.min.css"));
  std::optional<HttpResponse> license = DashboardFile("/assets/uPlot.LICENSE.txt");
  ASSERT_TRUE(license.has_value());
  EXPECT_EQ(license->content_type, "text/plain; charset=utf-8");
  EXPECT_THAT(license->body, StartsWith("The MIT License"));
  EXPECT_EQ(DashboardFile("/assets/app.js")->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(DashboardFile("/assets/style.css")->content_type, "text/css; charset=utf-8");
}

// Every /assets/ URL the page loads is served (a renamed file would leave the
// page without its script or styles).
TEST(DashboardTest, EveryAssetThePageLoadsIsThere) {
  const std::string html = DashboardFile("/")->body;
  const std::regex url(R"re((?:src|href)="(/assets/[^"]+)")re");
  std::set<std::string> urls;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), url); it != std::sregex_iterator(); ++it) {
    urls.insert((*it)[1].str());
  }
  EXPECT_EQ(urls, (std::set<std::string>{"/assets/app.js", "/assets/style.css", "/assets/uPlot.iife.min.js",
                                         "/assets/uPlot.min.css", "/assets/uPlot.LICENSE.txt"}));
  for (const std::string& u : urls) EXPECT_TRUE(DashboardFile(u).has_value()) << u;
}

TEST(DashboardTest, OtherPathsAreNotTheDashboards) {
  for (std::string_view path : {"", "/metrics", "/healthz", "/api/v1/status", "/index.html", "/assets", "/assets/",
                                "/assets/nope.js", "/assets/../CMakeLists.txt", "/assets/dashboard/app.js",
                                "/assets/app.js/", "/assets/APP.JS", "//", "/app.js", "/assets//app.js"}) {
    EXPECT_FALSE(DashboardFile(path).has_value()) << path;
  }
}

TEST(DashboardTest, EmbeddedNamesAreUniqueBaseNames) {
  std::set<std::string_view> names;
  for (const EmbeddedFile& f : DashboardAssets()) {
    EXPECT_TRUE(names.insert(f.name).second) << f.name;
    EXPECT_EQ(f.name.find('/'), std::string_view::npos) << f.name;
    EXPECT_FALSE(f.data.empty()) << f.name;
  }
}

TEST(DashboardTest, ContentTypes) {
  EXPECT_EQ(ContentTypeOf("a.html"), "text/html; charset=utf-8");
  EXPECT_EQ(ContentTypeOf("a.svg"), "image/svg+xml");
  EXPECT_EQ(ContentTypeOf("a.png"), "image/png");
  EXPECT_EQ(ContentTypeOf("a.json"), "application/json");
  EXPECT_EQ(ContentTypeOf("a"), "application/octet-stream");
  EXPECT_EQ(ContentTypeOf("a.jsx"), "application/octet-stream");
}

}  // namespace
}  // namespace logstream
