#include "src/format/line_parser.h"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

namespace logstream {
// Named: a unity build compiles this file with others of its test target.
namespace line_parser_test {
namespace {

TimeMs Iso(const char* s) { return *ParseRfc3339(s); }

struct Parsed {
  bool ok = false;
  bool starts = false;
  std::string error;
  LogRecord r;  // time, level, thread, logger, message, fields; source = the line's
};

// What a line should parse to; a member left unset is not checked.
struct Want {
  std::optional<TimeMs> time = std::nullopt;
  std::optional<Level> level = std::nullopt;
  std::optional<std::string> source = std::nullopt;
  std::optional<std::string> thread = std::nullopt;
  std::optional<std::string> logger = std::nullopt;
  std::optional<std::string> message = std::nullopt;
  std::optional<Fields> fields = std::nullopt;
};

template <class T>
void ExpectIfSet(const std::optional<T>& want, const T& got, std::string_view what) {
  if (want) {
    EXPECT_EQ(got, *want) << what;
  }
}

// A line that parses, and what it parses to.
struct Case {
  std::string line;
  Want want;
};

class Kind {
 public:
  explicit Kind(FormatConfig c, ObjectContext ctx = {}) {
    if (c.name.empty()) c.name = "t";
    auto p = MakeLineParser(c);
    EXPECT_TRUE(p) << (p ? "" : p.error().message());
    if (p) parser_ = std::move(*p);
    if (ctx.reference < 0) ctx.reference = Iso("2017-12-31T00:00:00Z");
    parser_->StartObject(ctx);
  }
  Parsed Parse(std::string_view line) {
    Parsed out;
    LogLine l;
    Status s = parser_->Parse(line, &l, &out.starts);
    out.ok = s.ok();
    out.error = s.message();
    if (out.ok) {
      out.r.time = l.time, out.r.level = l.level, out.r.thread = l.thread, out.r.logger = l.logger;
      out.r.message = l.message, out.r.fields = l.fields.ToFields(), out.r.source = l.source;
    }
    return out;
  }
  // Parses the cases' lines in order and checks each against its Want;
  // returns what they parsed to, for further checks.
  std::vector<Parsed> Expect(const std::vector<Case>& cases) {
    std::vector<Parsed> out;
    for (const auto& [line, want] : cases) {
      SCOPED_TRACE(line);
      const Parsed& p = out.emplace_back(Parse(line));
      if (!p.ok) {
        ADD_FAILURE() << p.error;
        continue;
      }
      ExpectIfSet(want.time, p.r.time, "time");
      ExpectIfSet(want.level, p.r.level, "level");
      ExpectIfSet(want.source, p.r.source, "source");
      ExpectIfSet(want.thread, p.r.thread, "thread");
      ExpectIfSet(want.logger, p.r.logger, "logger");
      ExpectIfSet(want.message, p.r.message, "message");
      ExpectIfSet(want.fields, p.r.fields, "fields");
    }
    return out;
  }

 private:
  std::unique_ptr<LineParser> parser_;
};

FormatConfig Config(FormatKind kind) {
  FormatConfig c;
  c.name = "t";
  c.kind = kind;
  return c;
}

TEST(PatternKindTest, LevelsTimeAndFields) {
  FormatConfig c = Config(FormatKind::kPattern);
  c.pattern = "%d{yyMMdd HHmmss} %X{pid} %p %c: %m%n";
  c.levels = {{"FAILURE", "ERROR"}};
  Kind k(c);
  k.Expect({
      {"081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block\r",
       {.time = Iso("2008-11-09T20:36:15Z"), .level = Level::kInfo,
        .logger = "dfs.DataNode$PacketResponder", .message = "PacketResponder 1 for block",
        .fields = Fields{{"pid", "148"}}}},
      {"081109 203615 148 failure a.B: x", {.level = Level::kError}},
  });
  auto bad = k.Parse("081109 203615 148 LOUD a.B: x");
  EXPECT_FALSE(bad.ok);
  EXPECT_TRUE(bad.starts);  // the line has the shape: a dead letter, not a continuation
  EXPECT_EQ(bad.error,
            "format 't' (pattern): column 19: unknown level 'LOUD' (not in the standard level map; "
            "add it to "
            "the format's levels)");
  auto shape = k.Parse("081109 203615 148 INFO dfs.DataNode no colon");
  EXPECT_FALSE(shape.ok);
  EXPECT_TRUE(shape.starts);  // its time reads: a dead letter
  auto cont = k.Parse("\tat org.Foo.bar(Foo.java:10)");
  EXPECT_FALSE(cont.ok);
  EXPECT_FALSE(cont.starts);
  EXPECT_TRUE(cont.error.starts_with(
      "format 't' (pattern): column 1: %d{yyMMdd HHmmss}: expected a two-digit year"))
      << cont.error;
}

TEST(PatternKindTest, TimeZoneOfTheFormatOrOfTheDate) {
  FormatConfig c = Config(FormatKind::kPattern);
  c.pattern = "%d{yyyy-MM-dd HH:mm:ss} %m";
  c.timezone = "America/New_York";
  EXPECT_EQ(Kind(c).Parse("2020-01-15 12:00:00 x").r.time, Iso("2020-01-15T17:00:00Z"));
  c.pattern = "%d{yyyy-MM-dd HH:mm:ss}{+01:00} %m";
  EXPECT_EQ(Kind(c).Parse("2020-01-15 12:00:00 x").r.time, Iso("2020-01-15T11:00:00Z"));
}

TEST(RegexKindTest, NamedGroups) {
  FormatConfig c = Config(FormatKind::kRegex);
  c.regex = R"(^\[(?P<time>\d\d\.\d\d \d\d:\d\d:\d\d)\] (?P<logger>.*?) - (?P<message>.*)$)";
  c.time_format = "%m.%d %H:%M:%S";
  Kind k(c);
  k.Expect({{"[10.30 16:49:06] chrome.exe - proxy.cse.cuhk.edu.hk:5070 open through proxy",
             {.time = Iso("2017-10-30T16:49:06Z"), .level = Level::kInfo,  // default_level
              .logger = "chrome.exe", .message = "proxy.cse.cuhk.edu.hk:5070 open through proxy"}}});
  auto no = k.Parse("garbage");
  EXPECT_FALSE(no.ok);
  EXPECT_FALSE(no.starts);
  EXPECT_EQ(no.error,
            "format 't' (regex): column 1: the line does not match the regex (not even up to the end of "
            "its first group)");
  // Where it stops matching: after the longest leading part that matches.
  EXPECT_EQ(k.Parse("[10.30 16:49:06] chrome.exe without a dash").error,
            "format 't' (regex): column 18: the line does not match the regex after its group logger");
  EXPECT_EQ(k.Parse("[10.30 16:49:06 chrome.exe").error,
            "format 't' (regex): column 16: the line does not match the regex after its group time");
  FormatConfig cut = c;
  cut.regex = R"(^(?P<time>\d\d\.\d\d \d\d:\d\d:\d\d) (a|b)+ [)(]x (?P<message>.*)$)";
  EXPECT_EQ(Kind(cut).Parse("10.30 16:49:06 abba (x m").r.message, "m");
  EXPECT_EQ(Kind(cut).Parse("10.30 16:49:06 abc").error,  // a class with ')' and a quantified group
            "format 't' (regex): column 18: the line does not match the regex after its group 2");
  cut.regex = R"(^(?P<time>\d\d\.\d\d \d\d:\d\d:\d\d) x|y)";  // a top-level '|': no cuts
  EXPECT_EQ(Kind(cut).Parse("10.30 16:49:06 z").error, "format 't' (regex): column 1: the line does not match the regex");

  c.regex = R"(^(?P<time>\S+ \S+) (?P<pid>\d+) (?P<level>\w+) (?P<host>\S+)? ?(?P<message>.*)$)";
  c.time_format = "";
  Kind fields(c);
  fields.Expect({{"2017-05-16 00:00:00.008 25746 WARNING m",
                  {.time = Iso("2017-05-16T00:00:00.008Z"), .level = Level::kWarn,
                   .fields = Fields{{"pid", "25746"}, {"host", "m"}}}}});
  auto t = fields.Parse("2017-05-16 99:00:00 1 INFO m");
  EXPECT_FALSE(t.ok);
  EXPECT_TRUE(t.starts);
  EXPECT_NE(t.error.find("column 1: group time"), std::string::npos) << t.error;
  c.regex = "(?P<message>.*)";
  EXPECT_FALSE(MakeLineParser(c));  // no time group
  c.regex = "(?P<time>";
  EXPECT_FALSE(MakeLineParser(c));
}

TEST(JsonKindTest, EcsLines) {
  Kind k(Config(FormatKind::kJson));
  k.Expect({
      {R"({"@timestamp":"2019-08-06T12:09:12.375Z","log.level":"error","message":"Tomcat started on port(s): 8080",)"
       R"("ecs.version":"1.0.0","service":{"name":"spring-petclinic"},"process.thread.name":"restartedMain",)"
       R"("log":{"logger":"org.springframework.boot.web.embedded.tomcat.TomcatWebServer"},"n":12,"ok":true,)"
       R"("tags":["a","b"],"nothing":null})",
       {.time = Iso("2019-08-06T12:09:12.375Z"), .level = Level::kError, .thread = "restartedMain",
        .logger = "org.springframework.boot.web.embedded.tomcat.TomcatWebServer",
        .message = "Tomcat started on port(s): 8080",
        .fields = Fields{{"ecs.version", "1.0.0"},
                         {"service.name", "spring-petclinic"},
                         {"n", "12"},
                         {"ok", "true"},
                         {"tags", R"(["a","b"])"}}}},
  });
}

TEST(JsonKindTest, DefaultsConfiguredKeysAndEpochs) {
  Kind k(Config(FormatKind::kJson));
  k.Expect({
      // "time" comes before "ts"; pino's level 30 is INFO.
      {R"({"msg":"a \"q\" \u00e9","ts":1700000000.5,"level":30,"time":"2020-01-01T00:00:00+01:00"})",
       {.time = Iso("2019-12-31T23:00:00Z"), .level = Level::kInfo, .message = "a \"q\" \xc3\xa9",
        .fields = Fields{{"ts", "1700000000.5"}}}},
      {R"({"ts":1700000000123,"message":"m"})", {.time = 1700000000123}},
      {R"({"timestamp":"2015-10-18 18:01:47,978"})", {.time = Iso("2015-10-18T18:01:47.978Z")}},
  });
  auto no_time = k.Parse(R"({"message":"m"})");
  EXPECT_FALSE(no_time.ok);
  EXPECT_EQ(no_time.error,
            "format 't' (json): no time: none of the keys time, timestamp, @timestamp, ts");
  // Numbers that are no time or level.
  EXPECT_EQ(k.Parse(R"({"ts":1e300,"message":"m"})").error, "format 't' (json): key 'ts': not an epoch time");
  EXPECT_FALSE(k.Parse(R"({"ts":-7e13,"message":"m"})").ok);  // before the year 0000
  EXPECT_FALSE(k.Parse(R"({"ts":1,"level":1e300})").ok);
  EXPECT_FALSE(k.Parse(R"({"ts":1,"level":30.5})").ok);
  auto not_json = k.Parse("plain text");
  EXPECT_FALSE(not_json.ok);
  EXPECT_FALSE(not_json.starts);
  EXPECT_FALSE(k.Parse(R"({"time":"2020-01-01T00:00:00Z","level":"LOUD"})").ok);
  FormatConfig c = Config(FormatKind::kJson);
  c.time_field = "when";
  c.time_format = "%d/%m/%Y %H:%M";
  c.message_field = "text";
  c.level_field = "sev.name";
  Kind custom(c);
  custom.Expect({
      {R"({"when":"02/01/2020 10:30","text":"hello","sev":{"name":"WARNING"},"message":"other"})",
       {.time = Iso("2020-01-02T10:30:00Z"), .level = Level::kWarn, .message = "hello",
        .fields = Fields{{"message", "other"}}}},
  });
}

TEST(LogfmtKindTest, PairsAndQuotes) {
  Kind k(Config(FormatKind::kLogfmt));
  k.Expect({
      {R"(time=2023-01-02T03:04:05.678Z level=warn msg="disk \"sda\" almost full" path=/var used=97 dry)",
       {.time = Iso("2023-01-02T03:04:05.678Z"), .level = Level::kWarn,
        .message = "disk \"sda\" almost full",
        .fields = Fields{{"path", "/var"}, {"used", "97"}, {"dry", ""}}}},
      {"ts=1700000000 msg=x", {.time = 1700000000000}},
  });
  auto open = k.Parse(R"(time=2023-01-02T03:04:05Z msg="unterminated)");
  EXPECT_FALSE(open.ok);
  EXPECT_NE(open.error.find("column 31: quoted value of 'msg' not closed"), std::string::npos)
      << open.error;
  EXPECT_FALSE(k.Parse("just words").ok);
}

TEST(SyslogKindTest, Rfc5424Examples) {
  Kind k(Config(FormatKind::kSyslog));
  // RFC 5424 section 6.5, examples 1 to 4 (severities 2, crit, and 5, notice).
  auto parsed = k.Expect({
      {"<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \xEF\xBB\xBF'su root' "
       "failed "
       "for lonvick on /dev/pts/8",
       {.time = Iso("2003-10-11T22:14:15.003Z"), .level = Level::kFatal,
        .source = "mymachine.example.com", .logger = "su",
        .message = "'su root' failed for lonvick on /dev/pts/8", .fields = Fields{{"msgid", "ID47"}}}},
      {"<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the "
       "do-nuts.",
       {.time = Iso("2003-08-24T12:14:15Z"), .level = Level::kInfo, .source = "192.0.2.1",
        .logger = "myproc", .message = "%% It's time to make the do-nuts.",
        .fields = Fields{{"pid", "8710"}}}},
      {"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 "
       "iut=\"3\" eventSource=\"Application\" eventID=\"1011\"] \xEF\xBB\xBF"
       "An application event log "
       "entry...",
       {.logger = "evntslog", .message = "An application event log entry...",
        .fields = Fields{{"msgid", "ID47"},
                         {"exampleSDID@32473.iut", "3"},
                         {"exampleSDID@32473.eventSource", "Application"},
                         {"exampleSDID@32473.eventID", "1011"}}}},
      {"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 "
       "iut=\"3\" eventSource=\"Application\" eventID=\"1011\"][examplePriority@32473 "
       "class=\"high\"]",
       {.message = ""}},
      {R"(<13>1 2003-10-11T22:14:15Z h a - - [x@1 v="a\"b\]c"] m)",
       {.fields = Fields{{"x@1.v", "a\"b]c"}}}},
  });
  ASSERT_TRUE(parsed[3].ok);
  EXPECT_EQ(parsed[3].r.fields.back(),
            (std::pair<std::string, std::string>{"examplePriority@32473.class", "high"}));
  EXPECT_FALSE(k.Parse("<13>1 - h a - - - no time").ok);
  EXPECT_FALSE(k.Parse("<13>1 2003-10-11T22:14:15Z h a - - [x@1 v=\"open").ok);
  EXPECT_FALSE(k.Parse("<999>1 2003-10-11T22:14:15Z h a - - - m").ok);
}

TEST(SyslogKindTest, Rfc3164Examples) {
  Kind k(Config(FormatKind::kSyslog),
         ObjectContext{.key = "k", .reference = Iso("2005-12-31T00:00:00Z")});
  // RFC 3164 section 5.4.
  k.Expect({
      {"<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
       {.time = Iso("2005-10-11T22:14:15Z"), .level = Level::kFatal, .source = "mymachine",
        .logger = "su", .message = "'su root' failed for lonvick on /dev/pts/8"}},
      {"<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!",
       {.time = Iso("2005-02-05T17:32:18Z"), .level = Level::kInfo, .source = "10.0.0.99",
        .logger = "", .message = "Use the BFG!"}},
      {"<165>Aug 24 05:34:00 CST 1987 mymachine myproc[10]: %% It's time to make the do-nuts.  %%  "
       "Ingredients: Mix=OK, Jel=OK, Dyn=OK, Oven=OK",
       {.source = "CST", .logger = "1987 mymachine myproc", .fields = Fields{{"pid", "10"}}}},
      {"<0>1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: That's All "
       "Folks!",
       {.time = Iso("1990-10-22T10:52:01Z"), .level = Level::kFatal, .message = "That's All Folks!",
        .fields = Fields{{"pid", "0"}}}},
  });
}

TEST(SyslogKindTest, LinuxLinesAndTheKeysHost) {
  Kind k(
      Config(FormatKind::kSyslog),
      ObjectContext{.key = "k", .reference = Iso("2017-12-31T00:00:00Z"), .source_from_key = true});
  // The key names the host: the source stays empty, the line's host is a field.
  k.Expect({
      {"Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0 ",
       {.time = Iso("2017-06-14T15:16:01Z"), .source = "", .logger = "sshd(pam_unix)",
        .message = "authentication failure; logname= uid=0 ",
        .fields = Fields{{"host", "combo"}, {"pid", "19939"}}}},
      {"Jun  9 06:06:20 combo syslogd 1.4.1: restart.", {.logger = "syslogd 1.4.1"}},
      {"Jul 10 03:55:18 combo -- root[2421]: ROOT LOGIN ON tty2",
       {.logger = "-- root", .message = "ROOT LOGIN ON tty2"}},
  });
  auto bad = k.Parse("Jux 14 15:16:01 combo x: y");
  EXPECT_FALSE(bad.ok);
  EXPECT_EQ(
      bad.error,
      "format 't' (syslog): column 1: expected a time Mmm dd hh:mm:ss: a month name (Jan..Dec)");
}

TEST(BuiltinKindTest, IsoAndClassic) {
  FormatConfig c = Config(FormatKind::kClassic);
  Kind k(c, ObjectContext{.key = "k",
                          .reference = Iso("2026-11-24T00:00:00Z"),
                          .key_date = Iso("2026-11-24T00:00:00Z")});
  auto p = k.Parse("22:47:30.123 [main] WARN  a.B - text");
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.r.time, Iso("2026-11-24T22:47:30.123Z"));
  auto iso = k.Parse("2026-11-24T22:47:30.123Z [main] WARN a.B - text");
  EXPECT_FALSE(iso.ok);
  EXPECT_TRUE(iso.error.starts_with("format 't' (classic): ")) << iso.error;
}

TEST(FormatSetTest, FirstMatchingGlobElseAuto) {
  FormatConfig a = Config(FormatKind::kJson);
  a.name = "a";
  a.match = "apps/**/*.json";
  FormatConfig b = Config(FormatKind::kSyslog);
  b.name = "b";
  b.match = "*/syslog/*";
  FormatConfig fallback;
  fallback.kind = FormatKind::kAuto;
  auto set = FormatSet::Make({a, b}, fallback);
  ASSERT_TRUE(set);
  EXPECT_EQ(set->For("apps/x/y/z.json").config().name, "a");
  EXPECT_EQ(set->For("apps/z.json").config().name, "a");
  EXPECT_EQ(set->For("h1/syslog/1.log").config().name, "b");
  EXPECT_EQ(set->For("h1/x/syslog/1.log").config().kind, FormatKind::kAuto);
}

TEST(GlobTest, Matches) {
  struct Case {
    std::string_view glob;
    std::vector<std::string_view> matches, misses;
  };
  const std::string_view log = "hadoop/2017-12-31/hadoop-000001.log";
  const Case cases[] = {
      {"hadoop/**", {log}, {}},
      {"hadoop/*", {}, {log}},
      {"hadoop/*/*.log", {log}, {}},
      {"**/*.log", {"a.log", "x/y/a.log"}, {}},
      {"a/**/b", {"a/b", "a/x/y/b"}, {"a/xb"}},
      {"h?st-[0-9]/*", {"host-7/f"}, {}},
      {"h?st-[!0-9]/*", {}, {"host-7/f"}},
      {"**", {"anything/at/all"}, {}},
      {"", {""}, {}},
      {"Hadoop/**", {}, {"hadoop/x"}},
  };
  for (const auto& [glob, matches, misses] : cases) {
    for (std::string_view path : matches) EXPECT_TRUE(GlobMatch(glob, path)) << glob << " " << path;
    for (std::string_view path : misses) EXPECT_FALSE(GlobMatch(glob, path)) << glob << " " << path;
  }
}

}  // namespace
}  // namespace line_parser_test
}  // namespace logstream
