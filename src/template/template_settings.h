// TemplateSettings: how the records of one format are mined for templates,
// the keys a [[formats]] table takes (defaults in brackets):
//
//   template_similarity = 0.5    # Drain's similarity threshold st [0.5]
//   template_depth = 4           # Drain's depth, root and token-count levels included [4]
//   template_masks = ['req-\w+'] # RE2 regexes whose matches become <*>, after the built-in ones []
//   template_levels = ["WARN", "ERROR", "FATAL"]  # the levels the processor mines
//
// Declared once, here; AddTemplateOptions puts the keys on any table whose
// struct holds a TemplateSettings (FormatsTable does). Plain values;
// thread-compatible.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "src/base/options.h"
#include "src/record/log_record.h"
#include "src/template/masker.h"
#include "src/template/miner.h"

namespace logstream {

// WARN, ERROR, FATAL.
std::vector<Level> DefaultTemplateLevels();

struct TemplateSettings {
  double similarity = 0.5;
  int depth = 4;
  std::vector<std::string> masks = {};
  std::vector<Level> levels = DefaultTemplateLevels();

  // The miner's options for these settings (its limits left at their defaults).
  TemplateMinerOptions MinerOptions() const {
    TemplateMinerOptions o;
    o.similarity = similarity;
    o.depth = depth;
    o.masks = masks;
    return o;
  }
  bool Mines(Level level) const { return std::find(levels.begin(), levels.end(), level) != levels.end(); }
};

// Declares template_similarity, template_depth, template_masks and
// template_levels on `table`; `get(T&)` returns the TemplateSettings& of a T.
template <typename T, typename Get>
void AddTemplateOptions(opt::Table<T>& table, Get get) {
  table.Number(
      "template_similarity", [get](T& t) -> double& { return get(t).similarity; },
      "templates: Drain's similarity threshold: a message joins the most similar template of its "
      "tree leaf when at least this share of its tokens equal the template's",
      0.0, 1.0);
  table.Int(
      "template_depth", [get](T& t) -> int& { return get(t).depth; },
      "templates: Drain's tree depth, the root and the token-count level included (4: messages "
      "are routed by their first two tokens)",
      3, 16);
  table.Custom(
      "template_masks", opt::Type::kList,
      "templates: RE2 regexes whose matches become <*> before mining, applied in order after the "
      "built-in masks (numbers, hex, IPv4/IPv6 with ports, UUIDs, URLs, paths, durations)",
      [get](T& t, const opt::Value& v) -> Status {
        for (const std::string& mask : v.items) RETURN_IF_ERROR(CheckTemplateMask(mask));
        get(t).masks = v.items;
        return Status::Ok();
      },
      [get](const T& t) { return opt::Value{{}, get(const_cast<T&>(t)).masks}; });
  table.Custom(
      "template_levels", opt::Type::kList,
      "templates: the levels of the records the stream processor mines (`logstream templates` "
      "mines every record)",
      [get](T& t, const opt::Value& v) -> Status {
        std::vector<Level> levels;
        for (const std::string& name : v.items) {
          ASSIGN_OR_RETURN(Level l, ParseLevelSetting(name));
          if (std::find(levels.begin(), levels.end(), l) == levels.end()) levels.push_back(l);
        }
        std::sort(levels.begin(), levels.end());
        get(t).levels = std::move(levels);
        return Status::Ok();
      },
      [get](const T& t) {
        opt::Value v;
        for (Level l : get(const_cast<T&>(t)).levels) v.items.emplace_back(LevelName(l));
        return v;
      });
}

// The four keys on their own (a table named "templates").
const opt::Table<TemplateSettings>& TemplateSettingsTable();

}  // namespace logstream
