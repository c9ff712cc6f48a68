#include "src/trigger/webhook_source.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace logstream {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Waits until fd is readable or the deadline passes.
bool WaitReadable(int fd, TimeMs deadline) {
  const TimeMs left = deadline - NowMs();
  if (left <= 0) return false;
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(left)) > 0;
}

}  // namespace

Result<std::unique_ptr<WebhookSource>> WebhookSource::Open(WebhookOptions options) {
  const size_t colon = options.listen.rfind(':');
  int port = -1;
  if (colon != std::string::npos) {
    const char* b = options.listen.data() + colon + 1;
    const char* e = options.listen.data() + options.listen.size();
    auto [p, ec] = std::from_chars(b, e, port);
    if (ec != std::errc() || p != e || port < 0 || port > 65535) port = -1;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const std::string host = colon == std::string::npos ? "" : options.listen.substr(0, colon);
  if (port < 0 || inet_pton(AF_INET, host.empty() ? "0.0.0.0" : host.c_str(), &addr.sin_addr) != 1) {
    return Err(InvalidArgument("--listen " + options.listen + ": give IPv4HOST:PORT, e.g. 127.0.0.1:8090"));
  }
  std::string prefix = options.prefix;
  while (prefix.ends_with('/')) prefix.pop_back();
  options.prefix = prefix;
  std::unique_ptr<WebhookSource> s(new WebhookSource(std::move(options)));
  s->listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s->listen_fd_ < 0) return Err(ErrnoError("socket", s->options_.listen, errno));
  const int one = 1;
  ::setsockopt(s->listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(s->listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    return Err(ErrnoError("bind", s->options_.listen, errno));
  }
  if (::listen(s->listen_fd_, 64) != 0) return Err(ErrnoError("listen", s->options_.listen, errno));
  socklen_t len = sizeof addr;
  ::getsockname(s->listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  s->port_ = ntohs(addr.sin_port);
  return s;
}

WebhookSource::~WebhookSource() {
  if (waiting_fd_ >= 0) ::close(waiting_fd_);  // the sender sees no answer and retries
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

void WebhookSource::Answer(int fd, int status, std::string_view reason, std::string_view body) {
  if (status >= 400) ++stats_.rejected;
  std::string resp = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) +
                     "\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
  size_t off = 0;
  while (off < resp.size()) {
    const ssize_t n = ::send(fd, resp.data() + off, resp.size() - off, MSG_NOSIGNAL);
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
  ::close(fd);
}

Result<std::vector<ObjectEvent>> WebhookSource::Serve(int fd) {
  ++stats_.requests;
  const TimeMs deadline = NowMs() + options_.read_timeout_ms;
  std::string data;
  char buf[64 * 1024];
  size_t header_end = std::string::npos;
  while ((header_end = data.find("\r\n\r\n")) == std::string::npos) {
    if (data.size() > 64 * 1024) {
      Answer(fd, 431, "Request Header Fields Too Large", "headers too large\n");
      return std::vector<ObjectEvent>{};
    }
    if (!WaitReadable(fd, deadline)) {
      ::close(fd);
      return std::vector<ObjectEvent>{};
    }
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      ::close(fd);
      return std::vector<ObjectEvent>{};
    }
    data.append(buf, static_cast<size_t>(n));
  }
  const std::string head = data.substr(0, header_end);
  const std::string method = head.substr(0, head.find(' '));
  size_t content_length = 0;
  bool has_length = false, authorized = options_.bearer_token.empty();
  size_t pos = head.find("\r\n");
  while (pos != std::string::npos && pos < head.size()) {
    const size_t next = head.find("\r\n", pos + 2);
    const std::string line = head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
    pos = next;
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string name = Lower(line.substr(0, colon));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    if (name == "content-length") {
      has_length = std::from_chars(value.data(), value.data() + value.size(), content_length).ec == std::errc();
    } else if (name == "authorization" && !options_.bearer_token.empty()) {
      authorized = value == "Bearer " + options_.bearer_token;
    }
  }
  if (method != "POST") {
    Answer(fd, 405, "Method Not Allowed", "POST S3 event notification JSON here\n");
    return std::vector<ObjectEvent>{};
  }
  if (!authorized) {
    Answer(fd, 401, "Unauthorized", "missing or wrong bearer token\n");
    return std::vector<ObjectEvent>{};
  }
  if (!has_length) {
    Answer(fd, 411, "Length Required", "Content-Length required\n");
    return std::vector<ObjectEvent>{};
  }
  if (content_length > options_.max_body_bytes) {
    Answer(fd, 413, "Content Too Large", "body over " + std::to_string(options_.max_body_bytes) + " bytes\n");
    return std::vector<ObjectEvent>{};
  }
  std::string body = data.substr(header_end + 4);
  while (body.size() < content_length) {
    if (!WaitReadable(fd, deadline)) {
      ::close(fd);
      return std::vector<ObjectEvent>{};
    }
    const ssize_t n = ::recv(fd, buf, std::min(sizeof buf, content_length - body.size()), 0);
    if (n <= 0) {
      ::close(fd);
      return std::vector<ObjectEvent>{};
    }
    body.append(buf, static_cast<size_t>(n));
  }
  body.resize(content_length);
  auto parsed = parser_.Parse(body);
  if (!parsed) {
    Answer(fd, 400, "Bad Request", parsed.error().message() + "\n");
    return std::vector<ObjectEvent>{};
  }
  stats_.skipped += parsed->skipped;
  std::vector<ObjectEvent> out;
  for (ObjectEvent& e : parsed->events) {
    if (!options_.bucket.empty() && e.bucket != options_.bucket) {
      ++stats_.skipped;
      continue;
    }
    if (!options_.prefix.empty()) {
      if (!e.key.starts_with(options_.prefix + "/")) {
        ++stats_.skipped;
        continue;
      }
      e.key.erase(0, options_.prefix.size() + 1);
    }
    out.push_back(std::move(e));
  }
  if (out.empty()) {
    Answer(fd, 200, "OK", "nothing to ingest\n");
    return out;
  }
  waiting_fd_ = fd;
  unacked_ = out.size();
  stats_.events += out.size();
  return out;
}

Result<std::vector<ObjectEvent>> WebhookSource::Poll(TimeMs max_wait) {
  if (waiting_fd_ >= 0) return std::vector<ObjectEvent>{};  // the previous request is not settled
  pollfd p{listen_fd_, POLLIN, 0};
  const int r = ::poll(&p, 1, static_cast<int>(std::max<TimeMs>(0, max_wait)));
  if (r <= 0) return std::vector<ObjectEvent>{};
  const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd < 0) return std::vector<ObjectEvent>{};
  return Serve(fd);
}

Status WebhookSource::Ack(const ObjectEvent&) {
  if (waiting_fd_ < 0 || unacked_ == 0) return Status::Ok();
  if (--unacked_ == 0) {
    Answer(waiting_fd_, 200, "OK", "committed\n");
    waiting_fd_ = -1;
  }
  return Status::Ok();
}

}  // namespace logstream
