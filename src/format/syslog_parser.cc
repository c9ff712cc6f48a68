// kind = "syslog": RFC 5424 and RFC 3164 lines, with or without <PRI>.
//   RFC 5424: <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD...] MSG
//   RFC 3164: <PRI>Mmm dd hh:mm:ss HOSTNAME TAG[PID]: MSG
// Severity -> level; HOSTNAME -> source (or fields.host when the object key
// names the host); APP-NAME / TAG -> logger; PROCID / PID -> fields.pid;
// MSGID -> fields.msgid; structured data -> fields "SDID.NAME".
#include "src/base/ascii.h"
#include "src/format/kinds.h"

namespace logstream::format_internal {
namespace {


Level SeverityLevel(int severity) {
  if (severity <= 2) return Level::kFatal;
  if (severity == 3) return Level::kError;
  if (severity == 4) return Level::kWarn;
  if (severity <= 6) return Level::kInfo;
  return Level::kDebug;
}

class SyslogParser final : public LineParser {
 public:
  SyslogParser(const FormatConfig& config, Zone zone)
      : LineParser(config),
        zone_(std::move(zone)),
        bsd_time_(*TimeFormat::FromStrftime("%b %e %H:%M:%S")) {}

 protected:
  Status ParseLine(std::string_view line, LogLine* out, bool* starts_record) override {
    begin_ = line.data();
    const char* p = line.data();
    const char* end = p + line.size();
    fields_.Clear();
    if (*p == '<') {
      const char* q = p + 1;
      int pri = 0, digits = 0;
      while (q < end && IsAsciiDigit(*q) && digits < 3) pri = pri * 10 + (*q++ - '0'), ++digits;
      if (digits == 0 || q >= end || *q != '>' || pri > 191) {
        return Bad(p, "expected <PRI>, a number 0-191 in angle brackets");
      }
      out->level = SeverityLevel(pri & 7);
      p = q + 1;
    }
    // RFC 5424: a version number and a space, then an RFC 3339 time or '-'.
    if (end - p >= 3 && p[0] >= '1' && p[0] <= '9' && p[1] == ' ' &&
        (IsAsciiDigit(p[2]) || p[2] == '-')) {
      return Parse5424(p + 2, end, out, starts_record);
    }
    return Parse3164(p, end, out, starts_record);
  }

 private:
  Status Bad(const char* at, std::string_view what) {
    return InvalidArgument("column " + std::to_string(at - begin_ + 1) + ": " + std::string(what));
  }

  // The next space-delimited token at p (p moves past it and one space).
  static std::string_view Token(const char*& p, const char* end) {
    const char* s = p;
    while (p < end && *p != ' ') ++p;
    std::string_view t(s, p - s);
    if (p < end) ++p;
    return t;
  }

  void Host(std::string_view host, LogLine* out) {
    if (host.empty() || host == "-") return;
    if (context_.source_from_key)
      fields_.Add("host", host);
    else
      out->source = host;
  }

  Status Parse5424(const char* p, const char* end, LogLine* out, bool* starts_record) {
    const char* at = p;
    std::string_view ts = Token(p, end);
    if (ts == "-") {
      return Bad(at, "the timestamp is '-' (NILVALUE): records need a time");
    }
    auto t = ParseRfc3339(ts);
    if (!t)
      return Bad(at,
                 "expected an RFC 3339 timestamp, found '" + std::string(ts.substr(0, 40)) + "'");
    *starts_record = true;
    out->time = *t;
    Host(Token(p, end), out);
    std::string_view app = Token(p, end);
    if (app != "-") out->logger = app;
    std::string_view procid = Token(p, end);
    if (!procid.empty() && procid != "-") fields_.Add("pid", procid);
    std::string_view msgid = Token(p, end);
    if (!msgid.empty() && msgid != "-") fields_.Add("msgid", msgid);
    if (p < end && *p == '-') {
      ++p;
      if (p < end && *p == ' ') ++p;
    } else {
      while (p < end && *p == '[') {
        const char* open = p++;
        const char* id = p;
        while (p < end && *p != ' ' && *p != ']') ++p;
        std::string_view sd_id(id, p - id);
        if (sd_id.empty()) return Bad(open, "structured data element without an SD-ID");
        while (p < end && *p == ' ') {
          ++p;
          const char* name = p;
          while (p < end && *p != '=' && *p != ']' && *p != ' ') ++p;
          if (p >= end || *p != '=' || p + 1 >= end || p[1] != '"') {
            return Bad(name,
                       "expected PARAM=\"VALUE\" in structured data [" + std::string(sd_id) + "]");
          }
          std::string_view pname(name, p - name);
          p += 2;
          const char* v = p;
          bool escaped = false;
          while (p < end && *p != '"') {
            if (*p == '\\' && p + 1 < end) escaped = true, ++p;
            ++p;
          }
          if (p >= end) return Bad(v - 1, "structured data value not closed by '\"'");
          std::string key;
          key.reserve(sd_id.size() + 1 + pname.size());
          key.append(sd_id).append(".").append(pname);
          std::string_view raw(v, p - v);
          if (escaped) {
            std::string value;
            for (size_t i = 0; i < raw.size(); ++i) {
              if (raw[i] == '\\' && i + 1 < raw.size() &&
                  (raw[i + 1] == '"' || raw[i + 1] == '\\' || raw[i + 1] == ']')) {
                ++i;
              }
              value.push_back(raw[i]);
            }
            fields_.AddCopy(key, true, value, true);
          } else {
            fields_.AddCopy(key, true, raw, false);
          }
          ++p;  // the closing quote
        }
        if (p >= end || *p != ']')
          return Bad(p, "structured data [" + std::string(sd_id) + "] not closed by ']'");
        ++p;
      }
      if (p < end && *p == ' ') ++p;
    }
    std::string_view msg(p, end - p);
    if (msg.starts_with("\xEF\xBB\xBF")) msg.remove_prefix(3);  // the BOM of a UTF-8 MSG
    out->message = msg;
    if (!fields_.empty()) out->fields = fields_.Views();
    return Status::Ok();
  }

  Status Parse3164(const char* p, const char* end, LogLine* out, bool* starts_record) {
    TimeParts parts;
    TimeError error;
    // "1990 Oct 22 ..." (RFC 3164's example of a year before the time).
    int64_t year = -1;
    if (end - p > 5 && IsAsciiDigit(p[0]) && IsAsciiDigit(p[1]) && IsAsciiDigit(p[2]) && IsAsciiDigit(p[3]) &&
        p[4] == ' ' && !IsAsciiDigit(p[5])) {
      year = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
      p += 5;
    }
    const char* at = p;
    const char* q = nullptr;
    if (p < end && IsAsciiDigit(*p)) {
      // An RFC 3339 time where the BSD one would be (rsyslog's default).
      const char* s = p;
      std::string_view ts = Token(p, end);
      auto t = ParseRfc3339(ts);
      if (!t)
        return Bad(s, "expected a time (Mmm dd hh:mm:ss or RFC 3339), found '" +
                          std::string(ts.substr(0, 32)) + "'");
      out->time = *t;
      q = p;
    } else {
      q = bsd_time_.Parse(p, end, &parts, &error);
      if (q == nullptr) {
        return Bad(error.at,
                   std::string("expected a time Mmm dd hh:mm:ss: ") +
                       (error.literal ? std::string("'") + error.literal + "'" : error.expected));
      }
      if (q < end && *q == '.' && q + 1 < end && IsAsciiDigit(q[1])) {  // fractions some daemons add
        q = ReadFractionMs(q + 1, end, 1 << 30, &parts.millis);
      }
      if (year >= 0) parts.year = year;
      if (Status s = ResolveTime(parts, context_.reference, zone_, &out->time); !s.ok())
        return Bad(at, s.message());
      if (q < end && *q != ' ') return Bad(q, "expected a space after the time");
      while (q < end && *q == ' ') ++q;
    }
    *starts_record = true;
    p = q;
    Host(Token(p, end), out);
    std::string_view rest(p, end - p);
    // TAG: up to "[PID]: " or ": " (real tags hold spaces: "syslogd 1.4.1").
    size_t colon = rest.find(": ");
    if (colon == std::string_view::npos && rest.ends_with(":")) colon = rest.size() - 1;
    if (colon != std::string_view::npos) {
      std::string_view tag = rest.substr(0, colon);
      if (tag.ends_with("]")) {
        const size_t open = tag.rfind('[');
        if (open != std::string_view::npos) {
          std::string_view pid = tag.substr(open + 1, tag.size() - open - 2);
          if (!pid.empty()) fields_.Add("pid", pid);
          tag = tag.substr(0, open);
        }
      }
      out->logger = tag;
      rest.remove_prefix(std::min(rest.size(), colon + 2));
    }
    out->message = rest;
    if (!fields_.empty()) out->fields = fields_.Views();
    return Status::Ok();
  }

  Zone zone_;
  TimeFormat bsd_time_;
  FieldBuffer fields_;
  const char* begin_ = nullptr;
};

}  // namespace

Result<std::unique_ptr<LineParser>> MakeSyslogParser(const FormatConfig& config) {
  ASSIGN_OR_RETURN(Zone zone, Zone::Parse(config.timezone));
  return std::unique_ptr<LineParser>(new SyslogParser(config, std::move(zone)));
}

}  // namespace logstream::format_internal
