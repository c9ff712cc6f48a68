#include "src/template/miner.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include <xxhash.h>

#include "src/base/ascii.h"

namespace logstream {
namespace {

constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
constexpr uint64_t kFnvPrime = 0x100000001b3ULL;

uint64_t Fnv1a64(std::string_view s) {
  uint64_t h = kFnvOffset;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= kFnvPrime;
  }
  return h;
}

// splitmix64's finaliser: the next id to try when one is taken.
uint64_t Rehash(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Token equality without a call to memcmp: tokens are short, and the miner
// compares every token of a message with every template of its leaf.
inline bool SameToken(std::string_view a, std::string_view b) {
  const size_t n = a.size();
  if (n != b.size()) return false;
  const char* x = a.data();
  const char* y = b.data();
  if (n < 8) {
    for (size_t i = 0; i < n; ++i) {
      if (x[i] != y[i]) return false;
    }
    return true;
  }
  uint64_t u, v;
  for (size_t i = 0; i + 8 <= n; i += 8) {
    std::memcpy(&u, x + i, 8);
    std::memcpy(&v, y + i, 8);
    if (u != v) return false;
  }
  std::memcpy(&u, x + n - 8, 8);  // the last 8 bytes (overlapping)
  std::memcpy(&v, y + n - 8, 8);
  return u == v;
}

inline bool IsWildcard(std::string_view token) {
  return token.size() == 3 && token[0] == '<' && token[1] == '*' && token[2] == '>';
}

bool HasDigit(std::string_view token) {
  return std::any_of(token.begin(), token.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

Status CheckTemplateMinerOptions(const TemplateMinerOptions& o) {
  if (!(o.similarity >= 0 && o.similarity <= 1)) {
    return InvalidArgument("template similarity must be from 0 to 1");
  }
  if (o.depth < 3 || o.depth > 16) return InvalidArgument("template depth must be from 3 to 16");
  if (o.max_children < 2) return InvalidArgument("template max children must be at least 2");
  if (o.max_templates < 1) return InvalidArgument("template cap must be at least 1");
  if (o.max_leaf_templates < 2) return InvalidArgument("template leaf cap must be at least 2");
  if (o.max_tokens < 1 || o.max_token_bytes < 1) {
    return InvalidArgument("template token limits must be at least 1");
  }
  return Status::Ok();
}

std::string TemplateIdHex(uint64_t id) {
  std::string hex(16, '0');
  char digits[16];
  const auto end = std::to_chars(digits, digits + 16, id, 16).ptr;  // never fails: at most 16 digits
  std::copy(digits, end, hex.end() - (end - digits));
  return hex;
}

TemplateMiner::TemplateMiner(TemplateMinerOptions options, TemplateMasker masker)
    : options_(std::move(options)),
      masker_(std::move(masker)),
      levels_(static_cast<size_t>(options_.depth - 2)) {}

Result<TemplateMiner> TemplateMiner::Make(const TemplateMinerOptions& options) {
  RETURN_IF_ERROR(CheckTemplateMinerOptions(options));
  ASSIGN_OR_RETURN(TemplateMasker masker, TemplateMasker::Make(options.masks));
  return TemplateMiner(options, std::move(masker));
}

void TemplateMiner::Tokenize(std::string_view masked) {
  tokens_.clear();
  size_t i = 0;
  const size_t n = masked.size();
  while (true) {
    while (i < n && IsAsciiSpace(masked[i])) ++i;
    if (i == n) break;
    size_t end = i;
    while (end < n && !IsAsciiSpace(masked[end])) ++end;
    if (tokens_.size() == options_.max_tokens) {  // the rest as one variable
      tokens_.push_back(kTemplateWildcard);
      break;
    }
    std::string_view token = masked.substr(i, end - i);
    tokens_.push_back(token.size() > options_.max_token_bytes ? kTemplateWildcard : token);
    i = end;
  }
}

void TemplateMiner::LimitTokens() {
  if (tokens_.size() > options_.max_tokens) {  // the rest as one variable
    tokens_.resize(options_.max_tokens);
    tokens_.push_back(kTemplateWildcard);
  }
  for (std::string_view& token : tokens_) {
    if (token.size() > options_.max_token_bytes) token = kTemplateWildcard;
  }
}

uint32_t TemplateMiner::FindLeaf() const {
  auto it = by_length_.find(static_cast<uint32_t>(tokens_.size()));
  if (it == by_length_.end()) return kNone;
  uint32_t node = it->second;
  const size_t levels = std::min(levels_, tokens_.size());
  for (size_t level = 0; level < levels; ++level) {
    const Children& children = nodes_[node].children;
    auto child = children.find(tokens_[level]);
    if (child == children.end()) child = children.find(kTemplateWildcard);
    if (child == children.end()) return kNone;
    node = child->second;
  }
  return node;
}

uint32_t TemplateMiner::NewNode(uint32_t parent, uint32_t length, std::string_view key) {
  uint32_t index;
  if (!free_nodes_.empty()) {
    index = free_nodes_.back();
    free_nodes_.pop_back();
    nodes_[index] = Node{};
  } else {
    index = static_cast<uint32_t>(nodes_.size());
    nodes_.emplace_back();
  }
  Node& node = nodes_[index];
  node.parent = parent;
  node.length = length;
  node.key = std::string(key);
  if (parent != kNone) nodes_[parent].children.emplace(node.key, index);
  return index;
}

uint32_t TemplateMiner::MakeLeaf() {
  const uint32_t length = static_cast<uint32_t>(tokens_.size());
  auto it = by_length_.find(length);
  uint32_t node = it != by_length_.end() ? it->second : by_length_[length] = NewNode(kNone, length, "");
  const size_t levels = std::min(levels_, tokens_.size());
  for (size_t level = 0; level < levels; ++level) {
    const std::string_view token = tokens_[level];
    const Children& children = nodes_[node].children;
    if (auto child = children.find(token); child != children.end()) {
      node = child->second;
      continue;
    }
    // One place is kept for the "<*>" child, which takes tokens with digits
    // and every token once the node is full.
    const bool wild_child = children.contains(kTemplateWildcard);
    const size_t named = children.size() - (wild_child ? 1 : 0);
    std::string_view key = token;
    if (HasDigit(token) || named + 1 >= options_.max_children) key = kTemplateWildcard;
    if (auto child = children.find(key); child != children.end()) {
      node = child->second;
    } else {
      node = NewNode(node, length, key);
    }
  }
  return node;
}

uint32_t TemplateMiner::Best(uint32_t leaf) const {
  uint32_t best = kNone;
  size_t best_same = 0;
  uint32_t best_wild = 0;
  const size_t n = tokens_.size();
  // The fewest equal positions whose share reaches the similarity (an empty
  // message is like every other empty message).
  size_t needed = n == 0 ? 0 : static_cast<size_t>(std::ceil(options_.similarity * static_cast<double>(n)));
  while (needed > 0 && static_cast<double>(needed - 1) / static_cast<double>(n) >= options_.similarity) --needed;
  while (needed < n && static_cast<double>(needed) / static_cast<double>(n) < options_.similarity) ++needed;
  for (uint32_t slot : nodes_[leaf].templates) {
    const Template& t = templates_[slot];
    // A template that can no longer reach `needed`, or tie the best so far,
    // is left as soon as that shows: with random text, after a few tokens.
    const size_t reach = std::max(needed, best_same);
    size_t same = 0, i = 0;
    for (; i < n; ++i) {
      same += SameToken(t.tokens[i], tokens_[i]);
      if (same + (n - i - 1) < reach) break;
    }
    if (i < n) continue;
    if (best == kNone || same > best_same || (same == best_same && t.wildcards > best_wild)) {
      best = slot;
      best_same = same;
      best_wild = t.wildcards;
    }
  }
  return best;
}

std::string TemplateMiner::Join(const std::vector<std::string>& tokens) const {
  std::string text;
  for (const std::string& t : tokens) {
    if (!text.empty()) text += ' ';
    text += t;
  }
  return text;
}

uint64_t TemplateMiner::FreeId(std::string_view text) const {
  uint64_t id = Fnv1a64(text);
  while (by_id_.contains(id)) id = Rehash(id);
  return id;
}

void TemplateMiner::Unlink(uint32_t slot) {
  Template& t = templates_[slot];
  if (t.newer != kNone) templates_[t.newer].older = t.older;
  else newest_ = t.older;
  if (t.older != kNone) templates_[t.older].newer = t.newer;
  else oldest_ = t.newer;
  t.newer = t.older = kNone;
}

void TemplateMiner::PushNewest(uint32_t slot) {
  Template& t = templates_[slot];
  t.touched = ++touch_clock_;
  t.newer = kNone;
  t.older = newest_;
  if (newest_ != kNone) templates_[newest_].newer = slot;
  newest_ = slot;
  if (oldest_ == kNone) oldest_ = slot;
}

void TemplateMiner::Touch(uint32_t slot) {
  if (newest_ == slot) return;
  Unlink(slot);
  PushNewest(slot);
}

void TemplateMiner::PruneFrom(uint32_t node) {
  while (node != kNone && nodes_[node].templates.empty() && nodes_[node].children.empty()) {
    Node& n = nodes_[node];
    const uint32_t parent = n.parent;
    if (parent == kNone) by_length_.erase(n.length);
    else nodes_[parent].children.erase(n.key);
    n = Node{};
    free_nodes_.push_back(node);
    node = parent;
  }
}

void TemplateMiner::Evict() { Forget(oldest_); }

void TemplateMiner::EvictFromLeaf(uint32_t leaf) {
  const std::vector<uint32_t>& slots = nodes_[leaf].templates;
  uint32_t slot = slots.front();  // the least recently matched template of the leaf
  for (uint32_t s : slots) {
    if (templates_[s].touched < templates_[slot].touched) slot = s;
  }
  Forget(slot);
}

void TemplateMiner::Forget(uint32_t slot) {
  Template& t = templates_[slot];
  Unlink(slot);
  by_id_.erase(t.id);
  auto& leaf = nodes_[t.leaf].templates;
  leaf.erase(std::find(leaf.begin(), leaf.end(), slot));
  const uint32_t node = t.leaf;
  t = Template{};
  free_slots_.push_back(slot);
  --live_;
  ++evicted_;
  PruneFrom(node);
}

uint32_t TemplateMiner::Create(TimeMs time) {
  ++epoch_;
  if (live_ >= options_.max_templates) Evict();
  const uint32_t leaf = MakeLeaf();
  // A full leaf (messages that share no shape: random text) forgets its
  // least recently matched template, so that a message is compared with at
  // most max_leaf_templates templates.
  if (nodes_[leaf].templates.size() >= options_.max_leaf_templates) EvictFromLeaf(leaf);
  uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    slot = static_cast<uint32_t>(templates_.size());
    templates_.emplace_back();
  }
  Template& t = templates_[slot];
  t.live = true;
  t.tokens.assign(tokens_.begin(), tokens_.end());
  t.wildcards = static_cast<uint32_t>(
      std::count(t.tokens.begin(), t.tokens.end(), std::string(kTemplateWildcard)));
  t.text = std::make_shared<const std::string>(Join(t.tokens));
  t.id = FreeId(*t.text);
  t.count = 1;
  t.first_seen = time;
  t.first_seq = seq_;
  t.leaf = leaf;
  nodes_[leaf].templates.push_back(slot);
  by_id_.emplace(t.id, slot);
  PushNewest(slot);
  ++live_;
  return slot;
}

size_t TemplateMiner::StringHash::operator()(std::string_view s) const { return XXH3_64bits(s.data(), s.size()); }

TemplateMiner::Repeat* TemplateMiner::RepeatOf(std::vector<Repeat>& cache, std::string_view key, size_t* hash) {
  if (key.size() > kRepeatMaxBytes) return nullptr;
  if (cache.empty()) cache.resize(kRepeatSlots);
  *hash = StringHash{}(key);
  return &cache[*hash % kRepeatSlots];
}

bool TemplateMiner::Holds(const Repeat* r, size_t hash, std::string_view key) const {
  return r != nullptr && r->epoch == epoch_ && r->hash == hash && r->message == key;
}

void TemplateMiner::Remember(Repeat* r, size_t hash, std::string_view key, uint32_t slot) {
  if (r == nullptr) return;
  r->hash = hash;
  r->epoch = epoch_;
  r->slot = slot;
  r->message.assign(key);
}

TemplateMatch TemplateMiner::JoinAgain(uint32_t slot) {
  Template& t = templates_[slot];
  ++t.count;
  Touch(slot);
  ++seq_;
  return TemplateMatch{t.id, false, false};
}

TemplateMatch TemplateMiner::Add(std::string_view message, TimeMs time) {
  size_t hash = 0, shape_hash = 0;
  Repeat* repeat = RepeatOf(repeats_, message, &hash);
  if (Holds(repeat, hash, message)) return JoinAgain(repeat->slot);
  if (masker_.has_user_masks()) {
    masker_.Mask(message, &masked_);
    Tokenize(masked_);
  } else {
    TemplateMasker::MaskBuiltInTokens(message, &masked_, &tokens_);
    LimitTokens();
  }
  // The same tokens (the message with other numbers, addresses, ...) go the
  // same way too.
  shape_.clear();
  for (std::string_view token : tokens_) shape_.append(token).push_back(' ');
  Repeat* shape = RepeatOf(shapes_, shape_, &shape_hash);
  if (Holds(shape, shape_hash, shape_)) {
    Remember(repeat, hash, message, shape->slot);
    return JoinAgain(shape->slot);
  }
  const uint32_t leaf = FindLeaf();
  const uint32_t best = leaf == kNone ? kNone : Best(leaf);
  TemplateMatch match;
  if (best == kNone) {
    const uint32_t slot = Create(time);
    match.id = templates_[slot].id;
    match.created = true;
  } else {
    Template& t = templates_[best];
    for (size_t i = 0; i < tokens_.size(); ++i) {
      std::string& token = t.tokens[i];
      if (!IsWildcard(token) && !SameToken(token, tokens_[i])) {
        token = kTemplateWildcard;
        ++t.wildcards;
        match.changed = true;
      }
    }
    if (match.changed) {
      t.text = std::make_shared<const std::string>(Join(t.tokens));
      ++epoch_;
    } else {
      Remember(repeat, hash, message, best);
      Remember(shape, shape_hash, shape_, best);
    }
    ++t.count;
    Touch(best);
    match.id = t.id;
  }
  ++seq_;
  return match;
}

TemplateView TemplateMiner::View(uint32_t slot) const {
  const Template& t = templates_[slot];
  return TemplateView{t.id, *t.text, t.count, t.first_seen, t.first_seq};
}

std::optional<TemplateView> TemplateMiner::Find(uint64_t id) const {
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return std::nullopt;
  return View(it->second);
}

std::string TemplateMiner::Text(uint64_t id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? std::string() : *templates_[it->second].text;
}

TemplateRef TemplateMiner::Ref(uint64_t id) const {
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return {};
  const Template& t = templates_[it->second];
  return {t.text, t.first_seen};
}

std::vector<TemplateView> TemplateMiner::Templates() const {
  std::vector<TemplateView> out;
  out.reserve(live_);
  for (uint32_t slot = 0; slot < templates_.size(); ++slot) {
    if (templates_[slot].live) out.push_back(View(slot));
  }
  std::sort(out.begin(), out.end(),
            [](const TemplateView& a, const TemplateView& b) { return a.first_seq < b.first_seq; });
  return out;
}

void TemplateMiner::Clear() {
  ++epoch_;
  by_length_.clear();
  nodes_.clear();
  free_nodes_.clear();
  templates_.clear();
  free_slots_.clear();
  by_id_.clear();
  newest_ = oldest_ = kNone;
  touch_clock_ = 0;
  live_ = 0;
  seq_ = 0;
  evicted_ = 0;
}

}  // namespace logstream
