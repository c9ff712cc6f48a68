#include "src/notify/email_sink.h"

#include <curl/curl.h>
#include <openssl/evp.h>

#include <cstring>
#include <ctime>

#include "src/base/redact.h"
#include "src/notify/curl_sink.h"

namespace logstream {
namespace {

constexpr size_t kMaxLine = 900;  // RFC 5322 allows 998 bytes per line

// Text for the body: one line, no control characters, bounded length.
std::string BodyText(std::string_view s) {
  std::string out(s.substr(0, kMaxLine));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return out;
}

std::string Rfc5322Date(TimeMs now) {
  std::time_t t = static_cast<std::time_t>(now / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

class EmailSink : public CurlSink {
 public:
  EmailSink(const SinkConfig& c, std::string username, std::string password)
      : CurlSink(c), username_(std::move(username)), password_(std::move(password)) {}

  Delivery Deliver(std::string_view alert_json) override {
    auto alert = ParseAlert(alert_json);
    if (!alert) return Delivery::Error("not an alert: " + alert.error().message());
    std::string mail = AlertMail(*alert, config_.from, config_.to, NowMs());
    return Send(mail);
  }

 private:
  struct Upload {
    std::string_view data;
    size_t pos = 0;
  };

  static size_t Read(char* buf, size_t size, size_t n, void* user) {
    auto* u = static_cast<Upload*>(user);
    size_t k = std::min(size * n, u->data.size() - u->pos);
    std::memcpy(buf, u->data.data() + u->pos, k);
    u->pos += k;
    return k;
  }

  Delivery Send(std::string_view mail) {
    Upload upload{mail, 0};
    const std::string from = "<" + config_.from + ">";
    auto out = Transfer([&](CURL* curl, curl_slist** rcpt) {
      for (const std::string& to : config_.to) *rcpt = curl_slist_append(*rcpt, ("<" + to + ">").c_str());
      curl_easy_setopt(curl, CURLOPT_URL, config_.url.c_str());
      curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
      curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, *rcpt);
      curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(curl, CURLOPT_READFUNCTION, &EmailSink::Read);
      curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
      curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(mail.size()));
      curl_easy_setopt(curl, CURLOPT_USE_SSL, config_.tls == SmtpTls::kStartTls
                                                  ? static_cast<long>(CURLUSESSL_ALL)
                                                  : static_cast<long>(CURLUSESSL_NONE));
      if (!username_.empty()) curl_easy_setopt(curl, CURLOPT_USERNAME, username_.c_str());
      if (!password_.empty()) curl_easy_setopt(curl, CURLOPT_PASSWORD, password_.c_str());
      curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                       static_cast<long>(std::min<TimeMs>(config_.timeout, 10000)));
    });
    if (!out) return Delivery::Retry("curl_easy_init failed");
    const CURLcode rc = out->code;
    if (rc == CURLE_OK) return Delivery::Ok();
    const long smtp_code = out->response;
    std::string why = "smtp " + RedactUrl(config_.url) + ": " + out->error;
    if (smtp_code > 0) why += " (last reply " + std::to_string(smtp_code) + ")";
    switch (rc) {
      case CURLE_LOGIN_DENIED:
      case CURLE_USE_SSL_FAILED:
      case CURLE_URL_MALFORMAT:
      case CURLE_UNSUPPORTED_PROTOCOL:
        return Delivery::Error(why);
      default:
        break;
    }
    if (smtp_code >= 500 && smtp_code < 600) return Delivery::Error(why);  // permanent reply
    return Delivery::Retry(why);
  }

  std::string username_;
  std::string password_;
};

}  // namespace

std::string MessageIdFor(std::string_view id) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "<";
  for (unsigned char c : id) {
    if (std::isalnum(c) || c == '.' || c == '_' || c == '-') {
      out += static_cast<char>(c);
    } else {
      out += '=';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out + "@logstream>";
}

std::string HeaderValue(std::string_view text) {
  std::string s = BodyText(text.substr(0, 400));
  bool ascii = true;
  for (unsigned char c : s) ascii = ascii && c < 0x80;
  if (ascii) return s;
  std::string b64(4 * ((s.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()),
                          reinterpret_cast<const unsigned char*>(s.data()), static_cast<int>(s.size()));
  b64.resize(static_cast<size_t>(n));
  return "=?UTF-8?B?" + b64 + "?=";
}

std::string AlertMail(const AlertFields& a, std::string_view from,
                      const std::vector<std::string>& to, TimeMs now) {
  const std::string window = WindowText(a);
  std::string m;
  auto header = [&m](std::string_view name, std::string_view value) {
    m.append(name).append(": ").append(value).append("\r\n");
  };
  auto line = [&m](std::string_view text) { m.append(BodyText(text)).append("\r\n"); };
  header("Date", Rfc5322Date(now));
  header("From", HeaderValue(from));
  std::string rcpts;
  for (const std::string& t : to) rcpts += (rcpts.empty() ? "" : ", ") + t;
  header("To", HeaderValue(rcpts));
  header("Subject", HeaderValue("[logstream] " + a.rule + " on " + a.key + " " + window + ": " +
                                std::to_string(a.count) + " >= " + std::to_string(a.threshold)));
  header("Message-ID", MessageIdFor(a.id));
  header("X-Logstream-Alert-Id", HeaderValue(a.id));
  header("MIME-Version", "1.0");
  header("Content-Type", "text/plain; charset=utf-8");
  header("Content-Transfer-Encoding", "8bit");
  m.append("\r\n");
  line("Rule " + a.rule + " fired for " + a.key + ".");
  line("");
  line("Alert id:  " + a.id);
  line("Rule:      " + a.rule);
  line("Key:       " + a.key);
  line("Window:    " + window + " (" + a.window_start + " to " + a.window_end + ")");
  line("Count:     " + std::to_string(a.count));
  line("Threshold: " + std::to_string(a.threshold));
  line("");
  if (a.samples.empty()) {
    line("No sample lines.");
  } else {
    line("Sample lines (object @ offset: time level message):");
    for (const AlertSampleFields& s : a.samples) {
      line("  " + s.object + " @ " + std::to_string(s.offset) + ": " + s.time + " " + s.level +
           " " + s.message);
    }
  }
  if (!a.templates.empty()) {
    line("");
    line("Most frequent log templates of the window (count: template, its first line @ offset):");
    for (const AlertTemplateFields& t : a.templates) {
      line("  " + std::to_string(t.count) + ": " + t.text + "  (" + t.sample.object + " @ " +
           std::to_string(t.sample.offset) + ")");
    }
  }
  line("");
  line("-- logstream (mail clients thread repeats of this alert by its Message-ID)");
  return m;
}

std::unique_ptr<Sink> MakeEmailSink(const SinkConfig& config, std::string username,
                                    std::string password) {
  return std::make_unique<EmailSink>(config, std::move(username), std::move(password));
}

}  // namespace logstream
