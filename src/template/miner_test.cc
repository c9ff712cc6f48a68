#include "src/template/miner.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "src/template/template_settings.h"

namespace logstream {
namespace {

TemplateMiner Miner(TemplateMinerOptions o = {}) {
  auto m = TemplateMiner::Make(o);
  EXPECT_TRUE(m) << m.error().message();
  return std::move(*m);
}

uint64_t Fnv(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

// Messages of a few shapes, interleaved, some with variables the masks do not
// catch (user names).
std::vector<std::string> Corpus(int n) {
  const char* users[] = {"alice", "bob", "carol", "dave"};
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    switch (i % 5) {
      case 0: out.push_back("Connection to 10.0.0." + std::to_string(i % 200) + ":9092 refused after " +
                            std::to_string(i % 7) + " retries"); break;
      case 1: out.push_back(std::string("session opened for user ") + users[i % 4] + " by (uid=0)"); break;
      case 2: out.push_back("Took " + std::to_string(i) + ".5 seconds to spawn the instance"); break;
      case 3: out.push_back("job_" + std::to_string(i) + " finished in stage " + std::to_string(i % 3)); break;
      default: out.push_back(std::string("quota exceeded for user ") + users[i % 3]); break;
    }
  }
  return out;
}

TEST(TemplateMiner, MergesVariablesIntoOneTemplate) {
  TemplateMiner m = Miner();
  TemplateMatch a = m.Add("Connection to 10.1.2.3:9092 refused after 3 retries");
  TemplateMatch b = m.Add("Connection to 10.9.8.7:9092 refused after 5 retries");
  EXPECT_TRUE(a.created);
  EXPECT_FALSE(b.created);
  EXPECT_FALSE(b.changed);  // the masks already made them equal
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(m.Text(a.id), "Connection to <*> refused after <*> retries");
  EXPECT_EQ(m.Find(a.id)->count, 2u);
}

TEST(TemplateMiner, IdsAreSixteenHexDigits) {
  EXPECT_EQ(TemplateIdHex(0), "0000000000000000");
  EXPECT_EQ(TemplateIdHex(0x00c0ffee12345678ULL), "00c0ffee12345678");
  EXPECT_EQ(TemplateIdHex(UINT64_MAX), "ffffffffffffffff");
}

TEST(TemplateMiner, GainsWildcardsAndKeepsItsFirstId) {
  TemplateMiner m = Miner();
  TemplateMatch a = m.Add("login of user alice failed", 1000);
  EXPECT_EQ(a.id, Fnv("login of user alice failed"));
  EXPECT_EQ(TemplateIdHex(a.id).size(), 16u);
  TemplateMatch b = m.Add("login of user bob  failed", 2000);  // white space does not count
  EXPECT_FALSE(b.created);
  EXPECT_TRUE(b.changed);
  EXPECT_EQ(b.id, a.id);
  EXPECT_EQ(m.Text(a.id), "login of user <*> failed");
  EXPECT_FALSE(m.Add("login of user carol failed").changed);
  auto t = m.Find(a.id);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->count, 3u);
  EXPECT_EQ(t->first_seen, 1000);
  // Another miner that first saw the template with the same text gives it
  // the same id, whatever else it saw before.
  TemplateMiner other = Miner();
  other.Add("something else entirely");
  EXPECT_EQ(other.Add("login of user alice failed").id, a.id);
}

TEST(TemplateMiner, SimilarityThreshold) {
  TemplateMiner half = Miner();
  EXPECT_EQ(half.Add("a b c d").id, half.Add("a b x y").id);  // 2 of 4 equal: 0.5
  TemplateMinerOptions o;
  o.similarity = 0.6;
  TemplateMiner strict = Miner(o);
  EXPECT_NE(strict.Add("a b c d").id, strict.Add("a b x y").id);
  EXPECT_EQ(strict.size(), 2u);
}

TEST(TemplateMiner, TokenCountAndLeadingTokensRoute) {
  TemplateMiner m = Miner();  // depth 4: two leading tokens
  const uint64_t four = m.Add("job alpha started now").id;
  EXPECT_NE(m.Add("job alpha started").id, four);           // another token count
  EXPECT_NE(m.Add("job beta started now").id, four);        // another second token
  EXPECT_EQ(m.Add("job alpha stopped now").id, four);       // third token: the similarity decides
  // Tokens with digits go to the "<*>" child: one leaf, one template.
  const uint64_t a7 = m.Add("job a7 started now").id;
  EXPECT_EQ(m.Add("job b9 started now").id, a7);
  EXPECT_EQ(m.Text(a7), "job <*> started now");

  TemplateMinerOptions deeper;
  deeper.depth = 5;  // three leading tokens
  TemplateMiner d = Miner(deeper);
  EXPECT_NE(d.Add("job alpha started now").id, d.Add("job alpha stopped now").id);
}

TEST(TemplateMiner, MaxChildrenSendsFurtherTokensToTheWildcardChild) {
  TemplateMinerOptions o;
  o.max_children = 3;  // two named children and "<*>"
  TemplateMiner m = Miner(o);
  const uint64_t a = m.Add("a x y z").id;
  const uint64_t b = m.Add("b x y z").id;
  const uint64_t c = m.Add("c x y z").id;
  EXPECT_NE(a, b);
  EXPECT_NE(b, c);
  EXPECT_EQ(m.Add("d x y z").id, c);  // "c" and "d" share the "<*>" child
  EXPECT_EQ(m.Text(c), "<*> x y z");
  EXPECT_EQ(m.Add("a x y z").id, a);
}

TEST(TemplateMiner, EmptyMessagesAndLongOnes) {
  TemplateMinerOptions o;
  o.max_tokens = 4;
  o.max_token_bytes = 8;
  TemplateMiner m = Miner(o);
  EXPECT_EQ(m.Add("").id, m.Add("   ").id);
  const uint64_t long_id = m.Add("a b c d e f g h").id;
  EXPECT_EQ(m.Text(long_id), "a b c d <*>");
  EXPECT_EQ(m.Add("a b c d x").id, long_id);
  EXPECT_EQ(m.Text(m.Add("token abcdefghijklmnop").id), "token <*>");
}

TEST(TemplateMiner, DeterministicForAnOrder) {
  const std::vector<std::string> corpus = Corpus(2000);
  TemplateMiner a = Miner(), b = Miner();
  for (const std::string& s : corpus) {
    TemplateMatch x = a.Add(s), y = b.Add(s);
    ASSERT_EQ(x.id, y.id);
    ASSERT_EQ(x.created, y.created);
    ASSERT_EQ(x.changed, y.changed);
  }
  EXPECT_EQ(a.Encode(), b.Encode());
  EXPECT_EQ(a.messages(), 2000u);
  // The shapes of the corpus, each one template.
  std::vector<std::string> texts;
  for (const TemplateView& t : a.Templates()) texts.push_back(t.text);
  EXPECT_EQ(texts, (std::vector<std::string>{
                       "Connection to <*> refused after <*> retries",
                       "session opened for user <*> by (uid=<*>)",
                       "Took <*> seconds to spawn the instance",
                       "<*> finished in stage <*>",  // "job_N": the masks keep it, the miner not
                       "quota exceeded for user <*>"}));
}

// A repeated message skips the tree (the repeat cache): at every step, the
// miner gives what a copy restored from its state (an empty cache, so the
// whole path) gives, and ends in the same state. The corpus repeats messages
// while templates of their leaf appear, gain "<*>" and are forgotten.
TEST(TemplateMiner, RepeatedMessagesAsTheWholePath) {
  const std::vector<std::string> shapes = Corpus(60);
  std::vector<std::string> corpus;
  for (int i = 0; i < 1500; ++i) {
    corpus.push_back(shapes[(i * 7) % 13]);  // repeats
    if (i % 3 == 0) corpus.push_back(shapes[13 + i % 47]);
    if (i % 50 == 0) corpus.push_back("session opened for user " + std::to_string(i) + "x by (uid=0)");
    if (i % 70 == 0) corpus.push_back("session opened for root x" + std::to_string(i) + " (uid=0)");
  }
  for (size_t cap : {size_t{10000}, size_t{3}}) {
    TemplateMinerOptions o;
    o.max_templates = cap;  // 3: evictions all along
    o.max_leaf_templates = 2;
    TemplateMiner miner = Miner(o);
    for (size_t i = 0; i < corpus.size(); ++i) {
      TemplateMiner whole = Miner(o);
      ASSERT_TRUE(whole.Decode(miner.Encode()).ok());
      const TemplateMatch x = miner.Add(corpus[i], static_cast<TimeMs>(i));
      const TemplateMatch y = whole.Add(corpus[i], static_cast<TimeMs>(i));
      ASSERT_EQ(x.id, y.id) << i;
      ASSERT_EQ(x.created, y.created) << i;
      ASSERT_EQ(x.changed, y.changed) << i;
      ASSERT_EQ(miner.Encode(), whole.Encode()) << i;
    }
  }
}

TEST(TemplateMiner, StateRoundTrip) {
  const std::vector<std::string> corpus = Corpus(3000);
  TemplateMinerOptions o;
  o.max_templates = 4;  // evictions happen on both sides of the cut
  TemplateMiner original = Miner(o);
  for (size_t i = 0; i < 1500; ++i) original.Add(corpus[i], static_cast<TimeMs>(i));
  const std::string state = original.Encode();
  TemplateMiner restored = Miner(o);
  ASSERT_TRUE(restored.Decode(state).ok());
  EXPECT_EQ(restored.Encode(), state);
  EXPECT_EQ(restored.size(), original.size());
  EXPECT_EQ(restored.messages(), original.messages());
  for (size_t i = 1500; i < corpus.size(); ++i) {
    TemplateMatch x = original.Add(corpus[i], static_cast<TimeMs>(i));
    TemplateMatch y = restored.Add(corpus[i], static_cast<TimeMs>(i));
    ASSERT_EQ(x.id, y.id) << i;
    ASSERT_EQ(x.created, y.created) << i;
  }
  EXPECT_EQ(restored.Encode(), original.Encode());
  TemplateMiner empty = Miner();
  ASSERT_TRUE(empty.Decode(Miner().Encode()).ok());
  EXPECT_EQ(empty.size(), 0u);
}

TEST(TemplateMiner, DecodeRejectsCorruptStateAndAnotherDepth) {
  TemplateMiner m = Miner();
  for (const std::string& s : Corpus(100)) m.Add(s);
  const std::string state = m.Encode();
  TemplateMiner r = Miner();
  for (size_t cut : {size_t{0}, size_t{1}, state.size() / 2, state.size() - 1}) {
    Status s = r.Decode(state.substr(0, cut));
    EXPECT_EQ(s.code(), StatusCode::kDataLoss) << cut;
    EXPECT_EQ(r.size(), 0u);
  }
  EXPECT_EQ(r.Decode(state + "x").code(), StatusCode::kDataLoss);
  // Every single-byte change is either caught or decodes to a valid miner.
  for (size_t i = 0; i < state.size(); ++i) {
    std::string bad = state;
    bad[i] = static_cast<char>(bad[i] ^ 0x5a);
    if (r.Decode(bad).ok()) r.Add("still works 1");
  }
  TemplateMinerOptions deeper;
  deeper.depth = 5;
  TemplateMiner d = Miner(deeper);
  Status s = d.Decode(state);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("template_depth = 4"), std::string::npos);
}

TEST(TemplateMiner, CapForgetsTheLeastRecentlyMatched) {
  TemplateMinerOptions o;
  o.max_templates = 2;
  TemplateMiner m = Miner(o);
  const uint64_t a = m.Add("alpha one").id;
  const uint64_t b = m.Add("beta two").id;
  m.Add("alpha one");  // a is now the most recent
  const uint64_t c = m.Add("gamma three").id;
  EXPECT_EQ(m.size(), 2u);
  EXPECT_EQ(m.evicted(), 1u);
  EXPECT_TRUE(m.Find(a));
  EXPECT_FALSE(m.Find(b));
  EXPECT_TRUE(m.Find(c));
  // b's shape comes back as a new template; with the same text, the same id.
  TemplateMatch again = m.Add("beta two");
  EXPECT_TRUE(again.created);
  EXPECT_EQ(again.id, b);
  EXPECT_FALSE(m.Find(a));  // a was the least recent now
  EXPECT_EQ(m.Find(b)->count, 1u);
  // Decoding into a smaller cap keeps the most recent.
  TemplateMinerOptions one;
  one.max_templates = 1;
  TemplateMiner small = Miner(one);
  ASSERT_TRUE(small.Decode(m.Encode()).ok());
  EXPECT_EQ(small.size(), 1u);
  EXPECT_TRUE(small.Find(b));
}

// A full leaf forgets its least recently matched template, also after a
// restore from the state.
TEST(TemplateMiner, FullLeafForgetsItsLeastRecentlyMatched) {
  TemplateMinerOptions o;
  o.similarity = 0.9;  // "x w1" and "x w2" stay apart, in one leaf
  o.max_leaf_templates = 3;
  TemplateMiner m = Miner(o);
  const uint64_t w1 = m.Add("x w1").id, w2 = m.Add("x w2").id;
  m.Add("y other");  // another leaf
  m.Add("x w3");
  m.Add("x w1");  // w2 is now the leaf's least recent
  TemplateMiner restored = Miner(o);
  ASSERT_TRUE(restored.Decode(m.Encode()).ok());
  for (TemplateMiner* miner : {&m, &restored}) {
    EXPECT_TRUE(miner->Add("x w4").created);
    EXPECT_EQ(miner->size(), 4u);
    EXPECT_TRUE(miner->Find(w1));
    EXPECT_FALSE(miner->Find(w2));
  }
  EXPECT_EQ(m.Encode(), restored.Encode());
}

TEST(TemplateMiner, BadOptions) {
  TemplateMinerOptions o;
  o.depth = 2;
  EXPECT_FALSE(TemplateMiner::Make(o));
  o = {};
  o.similarity = 1.5;
  EXPECT_FALSE(TemplateMiner::Make(o));
  o = {};
  o.masks = {"("};
  EXPECT_FALSE(TemplateMiner::Make(o));
}

TEST(TemplateSettings, TableReadsTheFourKeys) {
  const auto& table = TemplateSettingsTable();
  EXPECT_EQ(table.AllowedKeys(), "template_similarity, template_depth, template_masks, template_levels");
  toml::table doc = toml::parse(R"(
template_similarity = 0.4
template_depth = 5
template_masks = ['blk_-?\d+']
template_levels = ["ERROR", "WARN"]
)");
  TemplateSettings s;
  opt::Problems problems;
  table.Read(doc, "t.toml", &s, &problems);
  ASSERT_TRUE(problems.ok()) << problems.ToStatus().message();
  EXPECT_EQ(s.similarity, 0.4);
  EXPECT_EQ(s.depth, 5);
  EXPECT_EQ(s.masks, std::vector<std::string>{"blk_-?\\d+"});
  EXPECT_EQ(s.levels, (std::vector<Level>{Level::kWarn, Level::kError}));
  EXPECT_EQ(s.MinerOptions().depth, 5);
  toml::table bad = toml::parse(R"(
template_depth = 2
template_masks = ['(']
template_levels = ["LOUD"]
)");
  TemplateSettings d;
  opt::Problems errors;
  table.Read(bad, "t.toml", &d, &errors);
  ASSERT_EQ(errors.list().size(), 3u);
  const std::string all = errors.ToStatus().message();
  EXPECT_NE(all.find("templates.template_depth: '2' is not an integer from 3 to 16"), std::string::npos)
      << all;
  EXPECT_NE(all.find("templates.template_masks: bad regex '('"), std::string::npos) << all;
  EXPECT_NE(all.find("templates.template_levels: unknown level 'LOUD'"), std::string::npos) << all;
  const TemplateSettings defaults;
  EXPECT_EQ(defaults.similarity, 0.5);
  EXPECT_EQ(defaults.depth, 4);
  EXPECT_TRUE(defaults.masks.empty());
  EXPECT_TRUE(defaults.Mines(Level::kWarn) && defaults.Mines(Level::kFatal));
  EXPECT_FALSE(defaults.Mines(Level::kInfo));
}

}  // namespace
}  // namespace logstream
