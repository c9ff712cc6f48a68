// kind = "regex": RE2 with named groups.
#include <re2/re2.h>

#include "src/format/kinds.h"

namespace logstream::format_internal {
namespace {

// Where a line stops matching, for its dead letter: the regex cut after
// each capture group that stands at its top level (with the group's
// quantifier), longest first. A line that fails the whole regex is reported
// at the end of the longest cut it matches from its start. None when the
// regex has a top-level '|' (a cut would change its meaning).
struct Cut {
  std::unique_ptr<RE2> re;
  std::string group;  // "group time", "group 2"
};

std::vector<Cut> Cuts(const std::string& regex) {
  std::vector<std::pair<size_t, std::string>> ends;  // after a top-level group, its name
  int depth = 0, groups = 0;
  std::string name;
  bool capturing = false;
  for (size_t i = 0; i < regex.size(); ++i) {
    const char c = regex[i];
    if (c == '\\') {
      ++i;
    } else if (c == '[') {  // a class: ']' right after '[' or '[^' is a member
      size_t j = i + 1;
      if (j < regex.size() && regex[j] == '^') ++j;
      if (j < regex.size() && regex[j] == ']') ++j;
      while (j < regex.size() && regex[j] != ']') j += regex[j] == '\\' ? 2 : 1;
      i = j;
    } else if (c == '(') {
      const bool named = regex.compare(i, 4, "(?P<") == 0 || (regex.compare(i, 3, "(?<") == 0);
      const bool plain = i + 1 >= regex.size() || regex[i + 1] != '?';
      if (plain || named) ++groups;
      if (depth++ == 0) {
        capturing = plain || named;
        name.clear();
        if (named) {
          const size_t from = regex.find('<', i) + 1, to = regex.find('>', from);
          name = regex.substr(from, to == std::string::npos ? 0 : to - from);
        }
        if (capturing && name.empty()) name = std::to_string(groups);
      }
    } else if (c == ')' && depth > 0 && --depth == 0 && capturing) {
      size_t end = i + 1;
      if (end < regex.size() && regex[end] == '{') {
        const size_t close = regex.find('}', end);
        if (close != std::string::npos) end = close + 1;
      } else if (end < regex.size() && (regex[end] == '?' || regex[end] == '*' || regex[end] == '+')) {
        ++end;
      }
      if (end < regex.size() && regex[end] == '?') ++end;  // lazy
      ends.emplace_back(end, "group " + name);
    } else if (c == '|' && depth == 0) {
      return {};
    }
  }
  std::vector<Cut> cuts;
  RE2::Options options;
  options.set_log_errors(false);
  for (auto it = ends.rbegin(); it != ends.rend(); ++it) {
    auto re = std::make_unique<RE2>(regex.substr(0, it->first), options);
    if (re->ok()) cuts.push_back({std::move(re), it->second});
  }
  return cuts;
}

class RegexParser final : public LineParser {
 public:
  RegexParser(const FormatConfig& config, std::unique_ptr<RE2> re,
              std::optional<TimeFormat> time_format, LevelMap levels, Zone zone)
      : LineParser(config),
        cuts_(Cuts(config.regex)),
        re_(std::move(re)),
        time_format_(std::move(time_format)),
        levels_(std::move(levels)),
        zone_(std::move(zone)) {
    groups_.resize(static_cast<size_t>(re_->NumberOfCapturingGroups()) + 1);
    for (const auto& [name, index] : re_->NamedCapturingGroups()) {
      if (name == "time")
        time_ = index;
      else if (name == "level")
        level_ = index;
      else if (name == "thread")
        thread_ = index;
      else if (name == "logger")
        logger_ = index;
      else if (name == "message")
        message_ = index;
      else if (name == "source")
        source_ = index;
      else
        fields_of_.emplace_back(index, name);
    }
    std::sort(fields_of_.begin(), fields_of_.end());
  }

 protected:
  Status ParseLine(std::string_view line, LogLine* out, bool* starts_record) override {
    if (!re_->Match(re2::StringPiece(line.data(), line.size()), 0, line.size(), RE2::UNANCHORED,
                    groups_.data(), static_cast<int>(groups_.size()))) {
      return InvalidArgument(Mismatch(line));
    }
    *starts_record = true;
    auto group = [&](int i) {
      const re2::StringPiece& g = groups_[static_cast<size_t>(i)];
      return g.data() == nullptr ? std::string_view() : std::string_view(g.data(), g.size());
    };
    auto column = [&](std::string_view v) { return std::to_string(v.data() - line.data() + 1); };
    const std::string_view time = group(time_);
    if (Status s = ParseTextTime(time, time_format_ ? &*time_format_ : nullptr, context_.reference,
                                 zone_, &out->time);
        !s.ok()) {
      return InvalidArgument("column " + column(time) + ": group time: " + s.message());
    }
    if (level_ > 0) {
      const std::string_view word = group(level_);
      if (!word.empty()) {
        auto level = levels_.Find(word);
        if (!level) {
          return InvalidArgument(
              "column " + column(word) + ": unknown level '" + std::string(word.substr(0, 32)) +
              "' (not in the standard level map; add it to the format's levels)");
        }
        out->level = *level;
      }
    }
    if (thread_ > 0) out->thread = group(thread_);
    if (logger_ > 0) out->logger = group(logger_);
    out->message = message_ > 0 ? group(message_) : line;
    fields_.Clear();
    if (source_ > 0) {
      if (context_.source_from_key)
        fields_.Add("source", group(source_));
      else
        out->source = group(source_);
    }
    for (const auto& [i, name] : fields_of_) {
      if (groups_[static_cast<size_t>(i)].data() != nullptr) fields_.Add(name, group(i));
    }
    if (!fields_.empty()) out->fields = fields_.Views();
    return Status::Ok();
  }

 private:
  // Why a line does not match: where the longest cut of the regex that
  // matches its start ends.
  std::string Mismatch(std::string_view line) const {
    for (const Cut& cut : cuts_) {
      re2::StringPiece matched;
      if (cut.re->Match(re2::StringPiece(line.data(), line.size()), 0, line.size(), RE2::ANCHOR_START,
                        &matched, 1)) {
        const size_t column = static_cast<size_t>(matched.data() + matched.size() - line.data()) + 1;
        return "column " + std::to_string(column) + ": the line does not match the regex after its " +
               cut.group;
      }
    }
    return "column 1: the line does not match the regex" +
           std::string(cuts_.empty() ? "" : " (not even up to the end of its first group)");
  }

  std::vector<Cut> cuts_;
  std::unique_ptr<RE2> re_;
  std::optional<TimeFormat> time_format_;
  LevelMap levels_;
  Zone zone_;
  int time_ = 0, level_ = 0, thread_ = 0, logger_ = 0, message_ = 0, source_ = 0;
  std::vector<std::pair<int, std::string>> fields_of_;
  std::vector<re2::StringPiece> groups_;
  FieldBuffer fields_;
};

}  // namespace

Result<std::unique_ptr<LineParser>> MakeRegexParser(const FormatConfig& config) {
  RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_unique<RE2>(config.regex, options);
  if (!re->ok()) return Err(InvalidArgument("bad regex '" + config.regex + "': " + re->error()));
  if (!re->NamedCapturingGroups().contains("time")) {
    return Err(InvalidArgument("the regex has no (?P<time>...) group: records need a time"));
  }
  std::optional<TimeFormat> time_format;
  if (!config.time_format.empty()) {
    ASSIGN_OR_RETURN(time_format, TimeFormat::FromStrftime(config.time_format));
  }
  LevelMap levels;
  for (const auto& [w, l] : config.levels) RETURN_IF_ERROR(levels.Add(w, l));
  ASSIGN_OR_RETURN(Zone zone, Zone::Parse(config.timezone));
  return std::unique_ptr<LineParser>(new RegexParser(config, std::move(re), std::move(time_format),
                                                     std::move(levels), std::move(zone)));
}

}  // namespace logstream::format_internal
