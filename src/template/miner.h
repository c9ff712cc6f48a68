// TemplateMiner: log templates learned online, after Drain (He, Zhu, Zheng,
// Lyu: "Drain: An Online Log Parsing Approach with Fixed Depth Tree", ICWS
// 2017).
//
// Each message is masked (TemplateMasker), split on white space into tokens
// and routed down a tree of fixed depth: the first level by the number of
// tokens, the next `depth - 2` levels by the leading tokens (the depth counts
// the root and the token-count level, as Drain's reference implementation
// does: depth 4 routes by two leading tokens). A token with a digit, or a
// "<*>", takes the node's "<*>" child; a node has at most `max_children`
// children, the last place kept for "<*>", which takes every further token.
// The leaf holds templates; the message joins the one it is most similar to
// (the share of positions whose tokens are equal, "<*>" to "<*>" included),
// ties going to the one with more "<*>", then to the older one, if that share
// is at least `similarity`. The template then turns every position where the
// message differs into "<*>". Otherwise the message starts a new template.
//
// Ids: a template's id is the 64-bit FNV-1a hash of its first text (its tokens
// joined by one space), shown as 16 hex digits; it keeps that id when it later
// gains "<*>". The same template found by two miners (two partitions) has the
// same id when both first saw it with the same text, which is usual with the
// built-in masks; it differs when their first messages differed in a token
// the masks do not catch. Two templates of one miner never share an id: a
// taken id is rehashed (deterministically).
//
// Determinism: the ids, templates and state depend only on the settings and
// the order of the messages (no clocks, no randomness, no address order).
//
// Memory and time: at most `max_templates` templates, and at most
// `max_leaf_templates` in one leaf (each message is compared with every
// template of its leaf: messages of no common shape, such as random text,
// would otherwise fill one leaf with thousands). A message that would start
// one more first forgets the least recently matched template (of the miner,
// or of its leaf when that is full; its count and first-seen time go with
// it; a later message of its shape starts a new template, whose id is the
// same only if its text is). Messages are mined on
// their first `max_tokens` tokens (the rest counts as one more "<*>"), and a
// token longer than `max_token_bytes` is a variable. So a template costs at
// most about max_tokens * (max_token_bytes + 32) bytes.
//
// State: Encode() and Decode() write and read every template, the tree and
// the recency order, so a miner restored from its encoding continues exactly
// as the original would.
//
// Not thread-safe; one miner per partition.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "src/base/status.h"
#include "src/base/time.h"
#include "src/template/masker.h"

namespace logstream {

class VarintReader;

struct TemplateMinerOptions {
  double similarity = 0.5;  // Drain's st, 0..1
  int depth = 4;            // Drain's depth, 3..16 (root and token-count levels included)
  std::vector<std::string> masks = {};  // user masks (RE2), after the built-in ones
  size_t max_children = 100;            // per tree node, at least 2
  size_t max_templates = 10000;         // at least 1
  size_t max_leaf_templates = 64;       // per tree leaf, at least 2
  size_t max_tokens = 128;              // tokens mined per message, at least 1
  size_t max_token_bytes = 64;          // longer tokens are variables
};

// Checks the ranges above.
Status CheckTemplateMinerOptions(const TemplateMinerOptions& options);

// "00c0ffee12345678".
std::string TemplateIdHex(uint64_t id);

// One template as the miner holds it.
struct TemplateView {
  uint64_t id = 0;
  std::string text;         // tokens joined by one space
  uint64_t count = 0;       // messages that joined it (the first included)
  TimeMs first_seen = 0;    // the time given with its first message
  uint64_t first_seq = 0;   // the number of the message that started it (0-based)
};

// A held template's current text, shared: copying it costs no allocation, and
// the string never changes (a template that gains "<*>" gets a new one).
struct TemplateRef {
  std::shared_ptr<const std::string> text;  // nullptr: not held
  TimeMs first_seen = 0;
};

// What Add did with one message.
struct TemplateMatch {
  uint64_t id = 0;
  bool created = false;  // a new template
  bool changed = false;  // an existing template gained "<*>"
};

class TemplateMiner {
 public:
  static Result<TemplateMiner> Make(const TemplateMinerOptions& options);

  // Mines one message; `time` (e.g. its event time) is kept as the first-seen
  // time of a template it starts.
  TemplateMatch Add(std::string_view message, TimeMs time = 0);

  // The template of an id the miner holds.
  std::optional<TemplateView> Find(uint64_t id) const;
  // The text of the template of `id` ("" when not held).
  std::string Text(uint64_t id) const;
  TemplateRef Ref(uint64_t id) const;
  // Every template held, in the order they were started.
  std::vector<TemplateView> Templates() const;
  size_t size() const { return live_; }
  // Messages mined so far.
  uint64_t messages() const { return seq_; }
  // Templates forgotten to stay within max_templates.
  uint64_t evicted() const { return evicted_; }
  const TemplateMinerOptions& options() const { return options_; }

  // The whole state as bytes (deterministic: equal states, equal bytes).
  std::string Encode() const;
  // Replaces the state with an encoded one. DataLoss when the bytes are
  // corrupt; InvalidArgument when they were mined with another depth (the
  // tree would not fit); on error the miner is left empty.
  Status Decode(std::string_view bytes);

 private:
  static constexpr uint32_t kNone = UINT32_MAX;

  struct StringHash {  // XXH3: several times faster than std::hash on messages
    using is_transparent = void;
    size_t operator()(std::string_view s) const;
  };
  using Children = std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>>;

  struct Node {
    uint32_t parent = kNone;
    uint32_t length = 0;       // the token count of its subtree
    std::string key = {};      // the token of the edge from its parent (length nodes: "")
    Children children = {};
    std::vector<uint32_t> templates = {};  // leaves: slots, oldest first
  };

  struct Template {
    bool live = false;
    uint64_t id = 0;
    std::vector<std::string> tokens = {};
    std::shared_ptr<const std::string> text = {};  // tokens joined
    uint32_t wildcards = 0;
    uint64_t count = 0;
    TimeMs first_seen = 0;
    uint64_t first_seq = 0;
    uint32_t leaf = kNone;
    uint32_t newer = kNone, older = kNone;  // the recency list
    uint64_t touched = 0;  // orders the recency list: larger is more recent
  };

  explicit TemplateMiner(TemplateMinerOptions options, TemplateMasker masker);

  void Tokenize(std::string_view masked);
  // Tokenize's limits (max_tokens, max_token_bytes) on tokens_ split elsewhere.
  void LimitTokens();
  uint32_t FindLeaf() const;
  uint32_t MakeLeaf();
  uint32_t NewNode(uint32_t parent, uint32_t length, std::string_view key);
  uint32_t Best(uint32_t leaf) const;
  uint32_t Create(TimeMs time);
  void Evict();
  void EvictFromLeaf(uint32_t leaf);
  void Forget(uint32_t slot);
  void PruneFrom(uint32_t node);
  void Touch(uint32_t slot);
  void Unlink(uint32_t slot);
  void PushNewest(uint32_t slot);
  uint64_t FreeId(std::string_view text) const;
  std::string Join(const std::vector<std::string>& tokens) const;
  TemplateView View(uint32_t slot) const;
  void Clear();
  void EncodeNode(uint32_t node, const std::vector<uint32_t>& order, std::string* out) const;
  bool DecodeNode(VarintReader& r, uint32_t node, size_t level, std::vector<uint32_t>* leaf_of);

  TemplateMinerOptions options_;
  TemplateMasker masker_;
  size_t levels_ = 2;  // token levels: depth - 2

  std::unordered_map<uint32_t, uint32_t> by_length_;  // token count -> node
  std::vector<Node> nodes_;
  std::vector<uint32_t> free_nodes_;
  std::vector<Template> templates_;
  std::vector<uint32_t> free_slots_;
  std::unordered_map<uint64_t, uint32_t> by_id_;
  uint32_t newest_ = kNone, oldest_ = kNone;
  uint64_t touch_clock_ = 0;
  size_t live_ = 0;
  uint64_t seq_ = 0;
  uint64_t evicted_ = 0;

  // Repeated messages: a message that last joined a template without
  // changing it does so again as long as no template was created, changed
  // or forgotten since (epoch_: the tree and Best depend on nothing else),
  // so a direct-mapped cache of such messages skips masking and the tree;
  // a second one, of masked token sequences (shapes), skips the tree for
  // messages that differ only in what the masks replace. Results are the
  // same with or without them (they are not part of the state).
  struct Repeat {
    size_t hash = 0;
    uint64_t epoch = 0;
    uint32_t slot = kNone;
    std::string message;
  };
  static constexpr size_t kRepeatSlots = 1024;
  static constexpr size_t kRepeatMaxBytes = 256;  // longer messages are not cached
  std::vector<Repeat> repeats_, shapes_;
  uint64_t epoch_ = 1;
  std::string shape_;  // scratch: the tokens, each followed by ' '

  Repeat* RepeatOf(std::vector<Repeat>& cache, std::string_view key, size_t* hash);
  bool Holds(const Repeat* r, size_t hash, std::string_view key) const;
  void Remember(Repeat* r, size_t hash, std::string_view key, uint32_t slot);
  TemplateMatch JoinAgain(uint32_t slot);

  // Scratch of Add.
  std::string masked_;
  std::vector<std::string_view> tokens_;

  friend class TemplateStateCodec;
};

}  // namespace logstream
