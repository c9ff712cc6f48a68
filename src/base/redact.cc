#include "src/base/redact.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace logstream {
namespace {

bool SecretName(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (std::string_view word : {"token", "key", "secret", "password", "pass", "pwd", "sig",
                                "credential", "auth"}) {
    if (lower.find(word) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

std::string RedactUrl(std::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  const size_t authority = scheme + 3;
  const size_t path = url.find_first_of("/?#", authority);
  const std::string_view host_part = url.substr(authority, path - authority);
  std::string out(url.substr(0, authority));
  const size_t at = host_part.rfind('@');
  out += at == std::string_view::npos ? std::string(host_part) : "***" + std::string(host_part.substr(at));
  if (path == std::string_view::npos) return out;
  const size_t query = url.find('?', path);
  out += url.substr(path, query == std::string_view::npos ? url.npos : query - path);
  if (query == std::string_view::npos) return out;
  const size_t fragment = url.find('#', query);
  std::string_view params = url.substr(query + 1, fragment == std::string_view::npos ? url.npos
                                                                                   : fragment - query - 1);
  out += '?';
  bool first = true;
  while (true) {
    const size_t amp = params.find('&');
    const std::string_view param = params.substr(0, amp);
    const size_t eq = param.find('=');
    if (!first) out += '&';
    first = false;
    if (eq != std::string_view::npos && SecretName(param.substr(0, eq))) {
      out += std::string(param.substr(0, eq + 1)) + "***";
    } else {
      out += param;
    }
    if (amp == std::string_view::npos) break;
    params.remove_prefix(amp + 1);
  }
  if (fragment != std::string_view::npos) out += url.substr(fragment);
  return out;
}

std::string Printable(std::string_view text, size_t max_bytes) {
  std::string out;
  for (char c : text.substr(0, max_bytes)) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (c == '\0') {
      out += "\\0";
    } else if (u < 0x20 || u >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  if (text.size() > max_bytes) out += "...";
  return out;
}

}  // namespace logstream
