// TemplateMiner::Encode and Decode: the miner's state as bytes.
//
//   U version (1), U depth, U messages mined, U templates evicted
//   U count of templates, then each, newest (most recently matched) first:
//     U id, U count, I first_seen, U first_seq, U tokens, S token...
//   U count of token-count nodes, by token count: U token count, node
//   node: U count of templates (each U its place in the list above, oldest
//         first), U count of children, by key: S key, node
// (U: varint, I: zigzag varint, S: length and bytes; src/base/varint.h.)
#include <algorithm>
#include <numeric>

#include "src/base/varint.h"
#include "src/template/miner.h"

namespace logstream {
namespace {

constexpr uint64_t kVersion = 1;

}  // namespace

void TemplateMiner::EncodeNode(uint32_t index, const std::vector<uint32_t>& order,
                               std::string* out) const {
  VarintWriter w(out);
  const Node& node = nodes_[index];
  w.U(node.templates.size());
  for (uint32_t slot : node.templates) w.U(order[slot]);
  std::vector<std::pair<std::string_view, uint32_t>> children(node.children.begin(),
                                                              node.children.end());
  std::sort(children.begin(), children.end());
  w.U(children.size());
  for (const auto& [key, child] : children) {
    w.S(key);
    EncodeNode(child, order, out);
  }
}

std::string TemplateMiner::Encode() const {
  std::string out;
  VarintWriter w(&out);
  w.U(kVersion);
  w.U(static_cast<uint64_t>(options_.depth));
  w.U(seq_);
  w.U(evicted_);
  w.U(live_);
  std::vector<uint32_t> order(templates_.size(), 0);  // slot -> place in the list
  uint32_t place = 0;
  for (uint32_t slot = newest_; slot != kNone; slot = templates_[slot].older) {
    const Template& t = templates_[slot];
    order[slot] = place++;
    w.U(t.id);
    w.U(t.count);
    w.I(t.first_seen);
    w.U(t.first_seq);
    w.U(t.tokens.size());
    for (const std::string& token : t.tokens) w.S(token);
  }
  std::vector<std::pair<uint32_t, uint32_t>> lengths(by_length_.begin(), by_length_.end());
  std::sort(lengths.begin(), lengths.end());
  w.U(lengths.size());
  for (const auto& [length, node] : lengths) {
    w.U(length);
    EncodeNode(node, order, &out);
  }
  return out;
}

bool TemplateMiner::DecodeNode(VarintReader& r, uint32_t index, size_t level,
                               std::vector<uint32_t>* leaf_of) {
  const uint32_t length = nodes_[index].length;
  const size_t leaf_level = std::min(levels_, static_cast<size_t>(length));
  const uint64_t n_templates = r.Count();
  if (r.failed() || (n_templates > 0 && level != leaf_level)) return false;
  for (uint64_t i = 0; i < n_templates; ++i) {
    const uint64_t place = r.U();
    if (r.failed() || place >= leaf_of->size() || (*leaf_of)[place] != kNone) return false;
    if (templates_[place].tokens.size() != length) return false;
    (*leaf_of)[place] = index;
    nodes_[index].templates.push_back(static_cast<uint32_t>(place));
  }
  const uint64_t n_children = r.Count();
  if (r.failed() || (n_children > 0 && level >= leaf_level)) return false;
  if (n_templates == 0 && n_children == 0) return false;  // empty nodes are pruned
  for (uint64_t i = 0; i < n_children; ++i) {
    const std::string_view key = r.S();
    if (r.failed() || nodes_[index].children.contains(key)) return false;
    const uint32_t child = NewNode(index, length, key);
    if (!DecodeNode(r, child, level + 1, leaf_of)) return false;
  }
  return true;
}

Status TemplateMiner::Decode(std::string_view bytes) {
  Clear();
  VarintReader r(bytes);
  auto corrupt = [this](std::string_view what) {
    Clear();
    return DataLoss("template state is corrupt: " + std::string(what));
  };
  if (r.U() != kVersion || r.failed()) return corrupt("unknown version");
  const uint64_t depth = r.U();
  if (r.failed()) return corrupt("truncated");
  if (depth != static_cast<uint64_t>(options_.depth)) {
    Clear();
    return InvalidArgument("template state was mined with template_depth = " +
                           std::to_string(depth) + ", not " + std::to_string(options_.depth));
  }
  seq_ = r.U();
  evicted_ = r.U();
  const uint64_t n = r.Count();
  if (r.failed()) return corrupt("truncated header");
  templates_.resize(n);
  for (uint64_t place = 0; place < n; ++place) {
    Template& t = templates_[place];
    t.live = true;
    t.id = r.U();
    t.count = r.U();
    t.first_seen = r.I();
    t.first_seq = r.U();
    const uint64_t tokens = r.Count();
    if (r.failed()) return corrupt("truncated template");
    t.tokens.reserve(tokens);
    for (uint64_t i = 0; i < tokens; ++i) t.tokens.emplace_back(r.S());
    t.text = std::make_shared<const std::string>(Join(t.tokens));
    t.wildcards = static_cast<uint32_t>(
        std::count(t.tokens.begin(), t.tokens.end(), std::string(kTemplateWildcard)));
    if (r.failed()) return corrupt("truncated template");
    if (!by_id_.emplace(t.id, static_cast<uint32_t>(place)).second) return corrupt("duplicate id");
    // The list was written newest first.
    t.newer = place == 0 ? kNone : static_cast<uint32_t>(place - 1);
    t.older = place + 1 == n ? kNone : static_cast<uint32_t>(place + 1);
    t.touched = n - place;  // only their order counts
  }
  touch_clock_ = n;
  if (n > 0) {
    newest_ = 0;
    oldest_ = static_cast<uint32_t>(n - 1);
  }
  live_ = n;
  std::vector<uint32_t> leaf_of(n, kNone);
  const uint64_t lengths = r.Count();
  if (r.failed()) return corrupt("truncated tree");
  for (uint64_t i = 0; i < lengths; ++i) {
    const uint64_t length = r.U();
    if (r.failed() || length > UINT32_MAX || by_length_.contains(static_cast<uint32_t>(length))) {
      return corrupt("bad token count");
    }
    const uint32_t node = NewNode(kNone, static_cast<uint32_t>(length), "");
    by_length_[static_cast<uint32_t>(length)] = node;
    if (!DecodeNode(r, node, 0, &leaf_of)) return corrupt("bad tree");
  }
  if (!r.ok()) return corrupt("trailing bytes");
  for (uint64_t place = 0; place < n; ++place) {
    if (leaf_of[place] == kNone) return corrupt("a template outside the tree");
    templates_[place].leaf = leaf_of[place];
  }
  while (live_ > options_.max_templates) Evict();
  return Status::Ok();
}

}  // namespace logstream
