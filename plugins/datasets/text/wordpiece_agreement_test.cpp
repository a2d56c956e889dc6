// WordpieceTokenizer against transformers' BertTokenizer (slow) and BertTokenizerFast with the
// all-MiniLM-L6-v2 vocabulary, on the cases of tools/tokenizer_cases.py: 10,000 docstring sentences,
// 500 truncated sentence pairs and generated hard cases. Every case must match both references but
// for the documented differences below, each recognised by a rule, not by a list of texts.
#include "mmkd_testing.hpp"
#include "python_tools.hpp"
#include <mmkd_text/wordpiece_tokenizer.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <iostream>
#include <map>
#include <string>
#include <tuple>
#include <vector>

using mmkd::text::EncodedText;
using mmkd::text::WordpieceTokenizer;
using nlohmann::json;

namespace {

// Why mmkd may differ from a reference; none: it may not.
enum class Difference { none, special_token_text, pair_truncation, unicode_data };

const std::map<Difference, std::string> reasons = {
    {Difference::special_token_text,
     "the text spells a special token ([CLS], [SEP], ...): transformers makes it that token, mmkd reads text as "
     "text (as BertTokenizerFast with split_special_tokens=True, which these cases must match)"},
    {Difference::pair_truncation,
     "longest_first pair truncation when the budget max_len - 3 is odd and neither text fits in half of it: "
     "tokenizers gives the larger half to the longer text (the second on a tie), mmkd, BERT's _truncate_seq_pair and "
     "BertTokenizer to the first; the pieces kept are otherwise the same"},
    {Difference::unicode_data,
     "tokenizers' Rust character tables are older than Python's Unicode 14.0 (of BertTokenizer and "
     "unicode_tables.inc): it keeps unassigned code points, which BertTokenizer drops with all of category C, misses "
     "the characters and category changes of later versions, and starts its CJK Extension E range at U+2B920, not "
     "U+2B820"},
};

EncodedText word_pieces(std::vector<int64_t> ids) {
  const size_t n = ids.size();
  return {std::move(ids), std::vector<int64_t>(n, 1), std::vector<int64_t>(n, 0)};
}

EncodedText reference(const json& encoding) {
  auto ids = encoding.at("ids").get<std::vector<int64_t>>();
  if (!encoding.contains("mask")) return word_pieces(std::move(ids));  // no special tokens: no mask nor types
  return {std::move(ids), encoding["mask"].get<std::vector<int64_t>>(), encoding["types"].get<std::vector<int64_t>>()};
}

bool operator==(const EncodedText& a, const EncodedText& b) {
  return a.ids == b.ids && a.mask == b.mask && a.types == b.types;
}

EncodedText encode(const WordpieceTokenizer& tokenizer, const json& test_case) {
  const std::string text = test_case.at("text");
  if (!test_case.contains("max_len")) return word_pieces(tokenizer.encode(text));
  const int64_t max_len = test_case["max_len"];
  return test_case.contains("pair") ? tokenizer.encode_pair(text, test_case["pair"], max_len)
                                    : tokenizer.encode_single(text, max_len);
}

// Whether `other` is [CLS] a[:k] [SEP] b[:n-k] [SEP] [PAD]... for some k, where mmkd kept n pieces of a and b.
bool same_pieces_split_differently(const WordpieceTokenizer& tokenizer, const json& test_case, const EncodedText& mine,
                                   const EncodedText& other) {
  const std::vector<int64_t> a = tokenizer.encode(test_case.at("text")), b = tokenizer.encode(test_case.at("pair"));
  const int64_t max_len = test_case["max_len"];
  const size_t kept = std::count(mine.mask.begin(), mine.mask.end(), 1) - 3;
  for (size_t k = 0; k <= std::min(kept, a.size()); ++k) {
    if (kept - k > b.size()) continue;
    EncodedText split{{tokenizer.cls_id()}, {}, {0}};
    split.ids.insert(split.ids.end(), a.begin(), a.begin() + k);
    split.ids.push_back(tokenizer.sep_id());
    split.types.resize(split.ids.size(), 0);
    split.ids.insert(split.ids.end(), b.begin(), b.begin() + (kept - k));
    split.ids.push_back(tokenizer.sep_id());
    split.types.resize(split.ids.size(), 1);
    split.mask.assign(split.ids.size(), 1);
    split.ids.resize(max_len, tokenizer.pad_id());
    split.types.resize(max_len, 0);
    split.mask.resize(max_len, 0);
    if (split == other) return true;
  }
  return false;
}

// The hard cases made of single code points: the sweep over Unicode and two of the named texts.
bool code_point_case(const json& test_case) {
  const std::string name = test_case.at("name");
  return test_case["group"] == "hard" && !test_case.contains("max_len") &&
         (name.rfind("code points ", 0) == 0 || name == "private use and unassigned" || name == "cjk extensions");
}

// The documented difference that explains mmkd's `mine` differing from a reference's `theirs`, or none.
Difference explain(const WordpieceTokenizer& tokenizer, const json& test_case, const EncodedText& mine,
                   const EncodedText& theirs, bool fast) {
  if (test_case.contains("plain_fast")) return Difference::special_token_text;
  if (!fast || test_case["references_agree"]) return Difference::none;  // mmkd follows BertTokenizer where they differ
  if (test_case.contains("pair"))
    return same_pieces_split_differently(tokenizer, test_case, mine, theirs) ? Difference::pair_truncation
                                                                             : Difference::none;
  return code_point_case(test_case) ? Difference::unicode_data : Difference::none;
}

// The pieces of `encoded` from `first` on, at most 40 (types 1 marked /1).
std::string pieces(const WordpieceTokenizer& tokenizer, const EncodedText& encoded, size_t first) {
  std::string out = first > 0 ? "... " : "";
  const size_t end = std::min(encoded.ids.size(), first + 40);
  for (size_t i = first; i < end && encoded.mask[i] == 1; ++i)
    out += tokenizer.token(encoded.ids[i]) + (encoded.types[i] != 0 ? "/1 " : " ");
  return "[" + out + (end < encoded.ids.size() && encoded.mask[end] == 1 ? "...]" : "]");
}

// The case's text (\uXXXX for what is not ASCII) and both encodings from a little before their first difference.
std::string describe(const WordpieceTokenizer& tokenizer, const json& test_case, const EncodedText& mine,
                     const EncodedText& theirs, const std::string& their_name) {
  auto ascii = [](const json& value) { return value.dump(-1, ' ', true); };
  std::string text = ascii(test_case.at("text"));
  if (test_case.contains("pair")) text += " + " + ascii(test_case["pair"]);
  if (text.size() > 400) text = text.substr(0, 400) + "...";
  if (test_case.contains("max_len")) text += " (max_len " + test_case["max_len"].dump() + ")";
  size_t first = 0;
  while (first < mine.ids.size() && first < theirs.ids.size() && mine.ids[first] == theirs.ids[first] &&
         mine.types[first] == theirs.types[first] && mine.mask[first] == theirs.mask[first])
    ++first;
  first = first > 5 ? first - 5 : 0;
  return "case `" + test_case.at("name").get<std::string>() + "`: " + text + "\n  mmkd: " +
         pieces(tokenizer, mine, first) + "\n  " + their_name + ": " + pieces(tokenizer, theirs, first);
}

struct Tally {
  int cases = 0, slow = 0, fast = 0, references = 0;  // agreeing with BertTokenizer, ...Fast, each other
};

constexpr int shown_failures = 20;

TEST(WordpieceAgreement, MatchesTransformersBertTokenizers) {
  MMKD_REQUIRE_PYTHON();
  mmkd::testing::TempDir dir;
  mmkd::testing::run_python_tool("tokenizer_cases.py", "--out '" + dir.path() + "'");
  const json cases_file = json::parse(mmkd::testing::read_file(dir.file("cases.json")));
  const WordpieceTokenizer tokenizer(cases_file.at("vocab").get<std::string>());

  std::map<std::string, Tally> tallies;
  std::map<Difference, int> documented;
  int failures = 0;
  auto fail = [&](const json& test_case, const EncodedText& mine, const EncodedText& theirs, const char* name) {
    if (++failures <= shown_failures) ADD_FAILURE() << describe(tokenizer, test_case, mine, theirs, name);
  };
  for (const json& test_case : cases_file.at("cases")) {
    const EncodedText mine = encode(tokenizer, test_case);
    Tally& tally = tallies[test_case.at("group")];
    ++tally.cases;
    tally.references += test_case.at("references_agree").get<bool>();
    if (test_case.contains("plain_fast") && !(mine == reference(test_case["plain_fast"])))
      fail(test_case, mine, reference(test_case["plain_fast"]), "BertTokenizerFast(split_special_tokens=True)");
    for (const auto& [key, name, fast] : {std::tuple{"slow", "BertTokenizer", false},
                                          std::tuple{"fast", "BertTokenizerFast", true}}) {
      const EncodedText other = reference(test_case.at(key));
      if (mine == other) {
        ++(fast ? tally.fast : tally.slow);
      } else if (const Difference difference = explain(tokenizer, test_case, mine, other, fast);
                 difference != Difference::none) {
        ++documented[difference];
      } else {
        fail(test_case, mine, other, name);
      }
    }
  }
  EXPECT_EQ(failures, 0) << "comparisons differ from transformers without a documented reason (at most "
                         << shown_failures << " shown above)";
  const json& versions = cases_file.at("versions");
  std::cout << "transformers " << versions.at("transformers").get<std::string>() << ", tokenizers "
            << versions.at("tokenizers").get<std::string>() << ", vocabulary " << cases_file["vocab"] << ":\n";
  for (const char* group : {"sentences", "pairs", "hard"}) {
    const Tally& tally = tallies[group];
    std::cout << "  " << tally.slow << "/" << tally.cases << " " << group << " agree with BertTokenizer, " << tally.fast
              << "/" << tally.cases << " with BertTokenizerFast (which agree with each other on " << tally.references
              << ")\n";
  }
  for (const auto& [difference, count] : documented)
    std::cout << "  documented difference in " << count << " comparisons: " << reasons.at(difference) << "\n";
}

}  // namespace
