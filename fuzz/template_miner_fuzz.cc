// The template miner (src/template/miner.h) on any messages, its masks
// (masker.h), and its saved state (Encode/Decode) on any bytes.
// Input: one option byte (bits 0-1: the similarity, 0.3 / 0.5 / 0.7 / 1;
// bits 2-4: the depth, 3..10; bit 5: two user masks; bit 6: the rest is a
// saved state to decode, not messages), one byte of caps (bits 0-3: at most
// 1..16 templates; bits 4-5: at most 2..5 in a leaf and children per node;
// bits 6-7: at most 2, 4, 8 or 128 tokens), then messages separated by '\n'.
// Invariants:
// - the built-in masks give the same tokens whether they split the message
//   themselves (MaskBuiltInTokens) or it is split after them (MaskBuiltIn);
// - a message's template is held after Add, and the same message again joins
//   it without creating or changing a template;
// - a miner decoded from Encode() encodes to the same bytes and mines the
//   next messages exactly as the original does;
// - Decode of any bytes fails cleanly (leaving the miner empty) or yields a
//   miner whose encoding decodes again to the same bytes.
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "src/template/miner.h"

namespace logstream {
namespace {

std::vector<std::string_view> SplitOnSpace(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  auto space = [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
  while (i < s.size()) {
    while (i < s.size() && space(s[i])) ++i;
    size_t end = i;
    while (end < s.size() && !space(s[end])) ++end;
    if (end > i) out.push_back(s.substr(i, end - i));
    i = end;
  }
  return out;
}

void CheckMasks(std::string_view message) {
  std::string masked, scratch;
  std::vector<std::string_view> tokens;
  TemplateMasker::MaskBuiltIn(message, &masked);
  TemplateMasker::MaskBuiltInTokens(message, &scratch, &tokens);
  fuzz::Check(SplitOnSpace(masked) == tokens, "the two built-in mask paths disagree", message);
}

void CheckSameMatch(const TemplateMatch& a, const TemplateMatch& b, std::string_view message) {
  fuzz::Check(a.id == b.id && a.created == b.created && a.changed == b.changed,
              "a decoded miner mines differently from the original", message);
}

}  // namespace
}  // namespace logstream

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace logstream;
  fuzz::Input in(data, size);
  const uint8_t flags = in.Byte();
  const uint8_t caps = in.Byte();
  TemplateMinerOptions o;
  constexpr double kSimilarity[] = {0.3, 0.5, 0.7, 1.0};
  o.similarity = kSimilarity[flags & 3];
  o.depth = 3 + (flags >> 2 & 7);
  if (flags & 0x20) o.masks = {R"(blk_-?\d+)", R"(\b(\w+)=\S+)"};
  o.max_templates = 1 + (caps & 15);
  o.max_leaf_templates = o.max_children = 2 + (caps >> 4 & 3);
  constexpr size_t kTokens[] = {2, 4, 8, 128};
  o.max_tokens = kTokens[caps >> 6];
  o.max_token_bytes = 16;
  auto made = TemplateMiner::Make(o);
  fuzz::Check(made.has_value(), "fixed miner options are refused");
  TemplateMiner miner = std::move(*made);

  if (flags & 0x40) {
    const std::string_view state = in.Rest();
    if (!miner.Decode(state).ok()) {
      fuzz::Check(miner.size() == 0 && miner.messages() == 0, "a failed Decode left templates");
      return 0;
    }
    const std::string once = miner.Encode();
    TemplateMiner again = std::move(*TemplateMiner::Make(o));
    fuzz::Check(again.Decode(once).ok(), "the encoding of a decoded state does not decode");
    fuzz::Check(again.Encode() == once, "a decoded state encodes to other bytes");
    return 0;
  }

  std::vector<std::string_view> messages;
  while (!in.empty()) messages.push_back(in.Until('\n'));
  const size_t half = messages.size() / 2;
  for (size_t i = 0; i < half; ++i) {
    const std::string_view m = messages[i];
    CheckMasks(m);
    const TemplateMatch first = miner.Add(m, static_cast<TimeMs>(i));
    fuzz::Check(miner.Find(first.id).has_value(), "the template of a message just mined is not held", m);
    fuzz::Check(miner.size() <= o.max_templates, "more templates than max_templates", m);
    const TemplateMatch second = miner.Add(m, static_cast<TimeMs>(i));
    fuzz::Check(second.id == first.id && !second.created && !second.changed,
                "the same message again went to another template or changed one", m);
  }
  // The state so far, restored, continues exactly as the original.
  const std::string state = miner.Encode();
  TemplateMiner restored = std::move(*TemplateMiner::Make(o));
  fuzz::Check(restored.Decode(state).ok(), "a miner's own encoding does not decode");
  fuzz::Check(restored.Encode() == state, "a decoded miner encodes to other bytes");
  for (size_t i = half; i < messages.size(); ++i) {
    const std::string_view m = messages[i];
    CheckMasks(m);
    CheckSameMatch(miner.Add(m, static_cast<TimeMs>(i)), restored.Add(m, static_cast<TimeMs>(i)), m);
  }
  fuzz::Check(miner.Encode() == restored.Encode(), "a decoded miner ended in another state");
  return 0;
}
