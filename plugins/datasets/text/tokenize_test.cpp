#include "document_cleaning.hpp"
#include "mmkd_testing.hpp"
#include "val_split.hpp"
#include <mmkd_text/wordpiece_tokenizer.hpp>

#include <gtest/gtest.h>
#include <mmkd/mmkd.hpp>
#include <mmkd/progress.hpp>

#include <filesystem>
#include <string>
#include <vector>

using mmkd::testing::read_file;
using mmkd::testing::TempDir;
using mmkd::testing::write_file;
using Ids = std::vector<int64_t>;

namespace {

// ids: [PAD] 0, [UNK] 1, [CLS] 2, [SEP] 3, the 4, cat 5, sat 6, on 7, mat 8, a 9, dog 10, ##s 11, "," 12, "." 13,
// hello 14, world 15
const std::string tokenize_vocab_text =
    "[PAD]\n[UNK]\n[CLS]\n[SEP]\nthe\ncat\nsat\non\nmat\na\ndog\n##s\n,\n.\nhello\nworld\n";
const char* const digit_words[] = {"the", "cat", "sat", "on", "mat", "a", "dog", "dogs", "hello", "world"};

// A text that differs for every i: one word per decimal digit.
std::string numbered_text(int i) {
  std::string text = "the";
  for (char digit : std::to_string(i)) text += std::string(" ") + digit_words[digit - '0'];
  return text + ".";
}

// The ids of a token file, little-endian uint16.
Ids ids_in_token_file(const std::string& path) {
  const std::string bytes = read_file(path);
  Ids ids;
  for (size_t i = 0; i + 1 < bytes.size(); i += 2)
    ids.push_back(static_cast<unsigned char>(bytes[i]) | (static_cast<unsigned char>(bytes[i + 1]) << 8));
  return ids;
}

class TokenizeCommand : public ::testing::Test {
 protected:
  TokenizeCommand() : vocab_(dir_.file("vocab.txt")) { write_file(vocab_, tokenize_vocab_text); }

  mmkd::testing::CommandResult run(const std::string& arguments) const {
    return mmkd::testing::run_command(std::string(MMKD_TOKENIZE) + " " + arguments);
  }
  mmkd::testing::CommandResult run_into(const std::string& out, const std::string& inputs,
                                        const std::string& options = "") const {
    return run(inputs + " --vocab '" + vocab_ + "' --out '" + dir_.file(out) + "' " + options);
  }
  Ids ids_of_text(const std::string& text) const { return mmkd::text::WordpieceTokenizer(vocab_).encode(text); }
  void append_ids(Ids& ids, const std::string& text) const {
    const Ids more = ids_of_text(text);
    ids.insert(ids.end(), more.begin(), more.end());
  }

  TempDir dir_;
  std::string vocab_;
};

TEST_F(TokenizeCommand, WritesTheIdsOfEveryDocumentInPathOrder) {
  write_file(dir_.file("corpus/b/two.txt"), "A dog sat.");
  write_file(dir_.file("corpus/a/one.txt"), "The cat sat on the mat.\n---\nHello, world!");
  write_file(dir_.file("corpus/c.jsonl"),
             "{\"text\": \"dogs\"}\n\n  \n{\"text\": \"hello\\nbad\\u0000line\\nworld\", \"url\": \"x\"}\n");
  write_file(dir_.file("corpus/notes.md"), "not a corpus file");
  const auto result = run_into("out", "'" + dir_.file("corpus") + "'", "--val-fraction 0 --threads 2");
  ASSERT_EQ(result.exit_code, 0) << result.output;

  // The `---` line and the line with a NUL are dropped as the thesis' cleaning does; "!" is [UNK].
  const Ids expected{4, 5, 6, 7, 4, 8, 13, 14, 12, 15, 1, 9, 10, 6, 13, 10, 11, 14, 15};
  Ids from_tokenizer;
  for (const char* text : {"The cat sat on the mat.\nHello, world!", "A dog sat.", "dogs", "hello\nworld"})
    append_ids(from_tokenizer, text);
  EXPECT_EQ(from_tokenizer, expected);
  EXPECT_EQ(ids_in_token_file(dir_.file("out/train.bin")), expected);
  EXPECT_EQ(read_file(dir_.file("out/val.bin")), "");
  const std::filesystem::directory_iterator out_files(dir_.file("out"));
  EXPECT_EQ(std::distance(out_files, std::filesystem::directory_iterator()), 2) << "temporary files left";
  EXPECT_NE(result.output.find("train.bin  4 documents  19 tokens  38 bytes"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("val.bin    0 documents  0 tokens  0 bytes"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("[UNK] 5.2632% of the tokens"), std::string::npos) << result.output;
}

// On a terminal (here script's pseudo-terminal) the progress line counts the documents, however short the run.
TEST_F(TokenizeCommand, OnATerminalTheProgressLineCountsTheDocuments) {
  write_file(dir_.file("corpus/one.txt"), "The cat sat.");
  write_file(dir_.file("corpus/two.txt"), "A dog sat.");
  const std::string command = std::string(MMKD_TOKENIZE) + " '" + dir_.file("corpus") + "' --vocab '" + vocab_ +
                              "' --out '" + dir_.file("out") + "' --val-fraction 0";
  const auto result = mmkd::testing::run_command("script -qec \"" + command + "\" /dev/null");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("\r\x1b[Ktokenize  2/2 documents"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("train.bin  2 documents"), std::string::npos) << result.output;
}

TEST_F(TokenizeCommand, SplitIsTheSeededHashAndTheSameBytesForAnyThreadCount) {
  // More documents than one batch (4096), from a .jsonl file and .txt files.
  std::vector<std::string> texts;
  std::string json_lines;
  for (int i = 0; i < 4200; ++i) {
    texts.push_back(numbered_text(i));
    json_lines += "{\"text\": \"" + texts.back() + "\"}\n";
  }
  write_file(dir_.file("corpus/0.jsonl"), json_lines);
  for (int i = 4200; i < 4300; ++i) {
    texts.push_back(numbered_text(i));
    write_file(dir_.file("corpus/" + std::to_string(i) + ".txt"), texts.back());
  }
  const std::string corpus = "'" + dir_.file("corpus") + "'";
  ASSERT_EQ(run_into("one", corpus, "--val-fraction 0.25 --threads 1").exit_code, 0);
  const auto three = run_into("three", corpus, "--val-fraction 0.25 --threads 3");
  ASSERT_EQ(three.exit_code, 0) << three.output;
  EXPECT_EQ(read_file(dir_.file("one/train.bin")), read_file(dir_.file("three/train.bin")));
  EXPECT_EQ(read_file(dir_.file("one/val.bin")), read_file(dir_.file("three/val.bin")));

  Ids train, val;
  int64_t val_documents = 0;
  for (const std::string& text : texts) {
    const bool in_val = mmkd::text::in_val_split(text, 42, 0.25);
    val_documents += in_val;
    append_ids(in_val ? val : train, text);
  }
  EXPECT_GT(val_documents, 950);
  EXPECT_LT(val_documents, 1200);
  EXPECT_EQ(ids_in_token_file(dir_.file("three/train.bin")), train);
  EXPECT_EQ(ids_in_token_file(dir_.file("three/val.bin")), val);
  EXPECT_NE(three.output.find("val.bin    " + mmkd::format_count(val_documents) + " documents"), std::string::npos)
      << three.output;

  ASSERT_EQ(run_into("seed", corpus, "--val-fraction 0.25 --seed 7").exit_code, 0);
  EXPECT_NE(read_file(dir_.file("seed/val.bin")), read_file(dir_.file("one/val.bin")));
  ASSERT_EQ(run_into("all", corpus, "--val-fraction 1").exit_code, 0);
  EXPECT_EQ(read_file(dir_.file("all/train.bin")), "");
  EXPECT_EQ(ids_in_token_file(dir_.file("all/val.bin")).size(), train.size() + val.size());
}

TEST_F(TokenizeCommand, ValInputsGoToValBinAndEveryOtherDocumentToTrainBin) {
  write_file(dir_.file("owt/subset00/a.txt"), "the cat");
  write_file(dir_.file("owt/subset01/b.txt"), "a dog");
  write_file(dir_.file("owt/subset06/c.txt"), "the mat");
  const std::string owt = dir_.file("owt/");
  const auto result =
      run_into("out", "'" + owt + "subset00' '" + owt + "subset01'", "--val '" + owt + "subset06' --threads 3");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(ids_in_token_file(dir_.file("out/train.bin")), (Ids{4, 5, 9, 10}));
  EXPECT_EQ(ids_in_token_file(dir_.file("out/val.bin")), (Ids{4, 8}));
  EXPECT_EQ(run_into("both", "'" + owt + "subset00'", "--val '" + owt + "subset06' --val-fraction 0.5").exit_code, 2);
}

TEST_F(TokenizeCommand, TheOpenwebtextDatasetReadsTheOutput) {
  write_file(dir_.file("doc.txt"), "The cat sat on the mat. A dog sat on a cat.");
  ASSERT_EQ(run_into("out", "'" + dir_.file("doc.txt") + "'", "--val-fraction 0").exit_code, 0);
  mmkd::Context context;
  context.config_dir = dir_.path();
  auto dataset = mmkd::testing::make<mmkd::Kind::Dataset>(
      "openwebtext", "{path: out/train.bin, max_len: 5, cls_id: 2, sep_id: 3}", context);
  ASSERT_EQ(dataset->size(), 4);  // 14 ids, slices of 3
  EXPECT_EQ(mmkd::testing::ids_of(dataset->get(0, 0).at("text_ids")), (Ids{2, 4, 5, 6, 3}));
  EXPECT_EQ(mmkd::testing::ids_of(dataset->get(3, 0).at("text_ids")), (Ids{2, 6, 7, 9, 3}));
}

TEST_F(TokenizeCommand, BadInputExitsWith2NamingThePath) {
  write_file(dir_.file("doc.txt"), "the cat");
  const std::string doc = "'" + dir_.file("doc.txt") + "'";

  auto result = run(doc + " --vocab '" + dir_.file("missing_vocab.txt") + "' --out '" + dir_.file("out") + "'");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find(dir_.file("missing_vocab.txt")), std::string::npos) << result.output;

  result = run_into("out", "'" + dir_.file("missing.txt") + "'");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find(dir_.file("missing.txt") + "` does not exist"), std::string::npos) << result.output;

  write_file(dir_.file("empty/notes.md"), "");
  result = run_into("out", "'" + dir_.file("empty") + "'");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find(dir_.file("empty") + "` holds no .txt or .jsonl file"), std::string::npos)
      << result.output;

  write_file(dir_.file("bad.jsonl"), "{\"text\": \"the\"}\n{\"body\": \"cat\"}\n");
  result = run_into("out", "'" + dir_.file("bad.jsonl") + "'");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find(dir_.file("bad.jsonl") + "` line 2"), std::string::npos) << result.output;
  EXPECT_FALSE(std::filesystem::exists(dir_.file("out/train.bin")));
  EXPECT_TRUE(std::filesystem::is_empty(dir_.file("out"))) << "temporary files left";

  std::string big_vocab = tokenize_vocab_text;
  for (int i = 0; i < 65536; ++i) big_vocab += "w" + std::to_string(i) + "\n";
  write_file(dir_.file("big_vocab.txt"), big_vocab);
  result = run(doc + " --vocab '" + dir_.file("big_vocab.txt") + "' --out '" + dir_.file("out") + "'");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find(dir_.file("big_vocab.txt") + "` has 65552 tokens"), std::string::npos)
      << result.output;

  EXPECT_EQ(run_into("out", doc, "--val-fraction 2").exit_code, 2);
  EXPECT_EQ(run_into("out", doc, "--threads 0").exit_code, 2);
  EXPECT_EQ(run("--vocab '" + vocab_ + "' --out '" + dir_.file("out") + "'").exit_code, 2);
  EXPECT_EQ(run("--help").exit_code, 0);
}

TEST(TokenizeValSplit, TakesAboutTheFractionAndDependsOnTheSeed) {
  int in_val = 0, changed_by_seed = 0;
  for (int i = 0; i < 10000; ++i) {
    const std::string text = "document " + std::to_string(i);
    in_val += mmkd::text::in_val_split(text, 42, 0.1);
    changed_by_seed += mmkd::text::in_val_split(text, 42, 0.1) != mmkd::text::in_val_split(text, 43, 0.1);
    EXPECT_FALSE(mmkd::text::in_val_split(text, 42, 0));
    EXPECT_TRUE(mmkd::text::in_val_split(text, 42, 1));
  }
  EXPECT_NEAR(in_val, 1000, 100);
  EXPECT_NEAR(changed_by_seed, 1800, 200);  // 2 * 0.1 * 0.9 of the texts
}

TEST(TokenizeNoiseLines, DropsLinesWithNulAndDashRules) {
  using mmkd::text::drop_noise_lines;
  EXPECT_EQ(drop_noise_lines("a\n---\nb"), "a\nb");
  EXPECT_EQ(drop_noise_lines("a\n  ---\t\r\nb\n---"), "a\nb\n");
  EXPECT_EQ(drop_noise_lines(std::string("a\nx\0y\nb", 7)), "a\nb");
  EXPECT_EQ(drop_noise_lines("a ---\n----\n-- -"), "a ---\n----\n-- -");
  EXPECT_EQ(drop_noise_lines("no noise\n\n"), "no noise\n\n");
}

}  // namespace
