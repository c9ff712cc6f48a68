#include "src/template/template_settings.h"

namespace logstream {

// Out of line: GCC 12 warns (maybe-uninitialized) about the initializer list
// of a one-byte enum in every inlined default constructor.
std::vector<Level> DefaultTemplateLevels() { return {Level::kWarn, Level::kError, Level::kFatal}; }

const opt::Table<TemplateSettings>& TemplateSettingsTable() {
  static const opt::Table<TemplateSettings> table = [] {
    opt::Table<TemplateSettings> t("templates", "Log template mining (per format).");
    AddTemplateOptions(t, [](TemplateSettings& s) -> TemplateSettings& { return s; });
    return t;
  }();
  return table;
}

}  // namespace logstream
