// kind = "json": one JSON object per line (simdjson); nested objects are
// flattened to dotted keys ("log.level"), so a dotted path reaches a nested
// value and a flat "log.level" key alike.
#include <simdjson.h>

#include <charconv>

#include "src/format/structured.h"

namespace logstream::format_internal {
namespace {

class JsonParser final : public LineParser {
 public:
  JsonParser(const FormatConfig& config, KeyMapper mapper)
      : LineParser(config), mapper_(std::move(mapper)) {}

 protected:
  Status ParseLine(std::string_view line, LogLine* out, bool* starts_record) override {
    // simdjson reads SIMDJSON_PADDING bytes past the end: parse a padded copy.
    if (buffer_.capacity() < line.size() + simdjson::SIMDJSON_PADDING) {
      buffer_.reserve(line.size() + simdjson::SIMDJSON_PADDING);
    }
    buffer_.assign(line);
    simdjson::dom::element doc;
    if (auto e = parser_.parse(buffer_.data(), buffer_.size(), false).get(doc)) {
      return InvalidArgument(std::string("not JSON: ") + simdjson::error_message(e));
    }
    simdjson::dom::object obj;
    if (doc.get_object().get(obj)) return InvalidArgument("not a JSON object");
    *starts_record = true;
    raw_.clear();
    arena_.clear();
    Flatten(obj, -1, 0);
    items_.clear();
    for (const Raw& r : raw_) {
      Item it;
      it.key = r.key_at < 0 ? r.key : std::string_view(arena_.data() + r.key_at, r.key_size);
      it.value =
          r.value_at < 0 ? r.value : std::string_view(arena_.data() + r.value_at, r.value_size);
      it.number = r.number;
      it.number_value = r.number_value;
      items_.push_back(it);
    }
    return mapper_.Map(items_, context_, out, &fields_);
  }

 private:
  struct Raw {
    std::string_view key, value;
    int64_t key_at = -1, value_at = -1;  // in arena_, or -1: the views
    size_t key_size = 0, value_size = 0;
    bool number = false;
    double number_value = 0;
  };

  int64_t Store(std::string_view s) {
    const int64_t at = static_cast<int64_t>(arena_.size());
    arena_.append(s);
    return at;
  }

  // Adds the members of obj, their keys prefixed by arena_[prefix_at, +prefix_size) and '.'.
  void Flatten(simdjson::dom::object obj, int64_t prefix_at, size_t prefix_size) {
    for (auto [key, value] : obj) {
      Raw r;
      if (prefix_at < 0) {
        r.key = key;
      } else {
        const std::string prefix = arena_.substr(static_cast<size_t>(prefix_at), prefix_size);
        r.key_at = Store(prefix);
        arena_.push_back('.');
        arena_.append(key);
        r.key_size = prefix_size + 1 + key.size();
      }
      switch (value.type()) {
        case simdjson::dom::element_type::OBJECT: {
          int64_t at = r.key_at;
          size_t size = r.key_size;
          if (at < 0) at = Store(key), size = key.size();
          Flatten(value.get_object().value_unsafe(), at, size);
          continue;
        }
        case simdjson::dom::element_type::STRING:
          r.value = value.get_string().value_unsafe();
          break;
        case simdjson::dom::element_type::INT64:
        case simdjson::dom::element_type::UINT64:
        case simdjson::dom::element_type::DOUBLE: {
          char buf[40];
          std::to_chars_result res;
          if (value.is_int64()) {
            res = std::to_chars(buf, buf + sizeof(buf), value.get_int64().value_unsafe());
          } else if (value.is_uint64()) {
            res = std::to_chars(buf, buf + sizeof(buf), value.get_uint64().value_unsafe());
          } else {
            res = std::to_chars(buf, buf + sizeof(buf), value.get_double().value_unsafe());
          }
          r.value_at = Store(std::string_view(buf, res.ptr - buf));
          r.value_size = static_cast<size_t>(res.ptr - buf);
          r.number = true;
          r.number_value = value.get_double().value_unsafe();
          break;
        }
        case simdjson::dom::element_type::BOOL:
          r.value = value.get_bool().value_unsafe() ? "true" : "false";
          break;
        case simdjson::dom::element_type::NULL_VALUE:
          continue;  // no value
        case simdjson::dom::element_type::ARRAY: {
          const std::string text = simdjson::minify(value);
          r.value_at = Store(text);
          r.value_size = text.size();
          break;
        }
      }
      raw_.push_back(r);
    }
  }

  KeyMapper mapper_;
  simdjson::dom::parser parser_;
  std::string buffer_;
  std::string arena_;
  std::vector<Raw> raw_;
  std::vector<Item> items_;
  FieldBuffer fields_;
};

}  // namespace

Result<std::unique_ptr<LineParser>> MakeJsonParser(const FormatConfig& config) {
  ASSIGN_OR_RETURN(KeyMapper mapper, MakeKeyMapper(config));
  return std::unique_ptr<LineParser>(new JsonParser(config, std::move(mapper)));
}

}  // namespace logstream::format_internal
