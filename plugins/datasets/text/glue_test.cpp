#include "expect_error.hpp"
#include "mmkd_testing.hpp"

#include <gtest/gtest.h>
#include <mmkd/mmkd.hpp>
#include <torch/types.h>

#include <string>
#include <vector>

using mmkd::testing::TempDir;
using Ids = std::vector<int64_t>;

namespace {

// ids:                           0      1      2      3      4    5    6    7   8   9    10  11   12  13
const std::string glue_vocab_text = "[PAD]\n[UNK]\n[CLS]\n[SEP]\nthe\ncat\nsat\ndog\na\nran\nis\n?\n.\nit\n";

class Glue : public ::testing::Test {
 protected:
  void SetUp() override { mmkd::testing::write_file(dir.file("vocab.txt"), glue_vocab_text); }

  void write(const std::string& name, const std::string& text) { mmkd::testing::write_file(dir.file(name), text); }

  // Task `task` with its files under `task/`; `more` adds options.
  std::shared_ptr<mmkd::Dataset> make(const std::string& task, const std::string& more = "",
                                      const std::string& vocab = "vocab.txt") {
    mmkd::Context context;
    context.config_dir = dir.path();
    return mmkd::testing::make<mmkd::Kind::Dataset>(
        "glue", "{task: " + task + ", root: " + task + ", vocab: " + vocab + more + "}", context);
  }

  TempDir dir;
};

using mmkd::testing::ids_of;

int64_t label_of(const mmkd::TensorMap& sample) { return sample.at("label").item<int64_t>(); }

TEST_F(Glue, ColaHasNoHeaderAndOneSentence) {
  write("cola/train.tsv", "gj04\t1\t\tThe cat sat.\ngj04\t0\t*\tcat the sat sat\n");
  auto dataset = make("cola", ", max_len: 6");
  ASSERT_EQ(dataset->size(), 2);
  mmkd::TensorMap first = dataset->get(0, 0);
  EXPECT_EQ(first.size(), 4u);
  EXPECT_EQ(ids_of(first.at("text_ids")), (Ids{2, 4, 5, 6, 12, 3}));
  EXPECT_EQ(ids_of(first.at("text_mask")), (Ids{1, 1, 1, 1, 1, 1}));
  EXPECT_EQ(ids_of(first.at("text_types")), (Ids{0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(first.at("label").dim(), 0);
  EXPECT_EQ(first.at("label").scalar_type(), torch::kLong);
  EXPECT_EQ(label_of(first), 1);
  mmkd::TensorMap second = dataset->get(1, 0);
  EXPECT_EQ(ids_of(second.at("text_ids")), (Ids{2, 5, 4, 6, 6, 3}));
  EXPECT_EQ(label_of(second), 0);
  EXPECT_THROW(dataset->get(2, 0), mmkd::Error);
}

TEST_F(Glue, Sst2ReadsSentenceAndLabelByHeader) {
  write("sst2/dev.tsv", "sentence\tlabel\nit ran \t1\na dog \t0\n");
  auto dataset = make("sst2", ", split: dev, max_len: 5");
  ASSERT_EQ(dataset->size(), 2);
  EXPECT_EQ(ids_of(dataset->get(0, 0).at("text_ids")), (Ids{2, 13, 9, 3, 0}));
  EXPECT_EQ(ids_of(dataset->get(0, 0).at("text_mask")), (Ids{1, 1, 1, 1, 0}));
  EXPECT_EQ(label_of(dataset->get(0, 0)), 1);
  EXPECT_EQ(label_of(dataset->get(1, 0)), 0);
}

TEST_F(Glue, MrpcEncodesSentencePairs) {
  write("mrpc/train.tsv",
        "Quality\t#1 ID\t#2 ID\t#1 String\t#2 String\n"
        "1\t702876\t702977\tThe cat sat.\tA cat sat.\n"
        "0\t2108705\t2108831\tthe dog ran\tit is\n");
  auto dataset = make("mrpc", ", max_len: 12");
  ASSERT_EQ(dataset->size(), 2);
  mmkd::TensorMap first = dataset->get(0, 0);
  EXPECT_EQ(ids_of(first.at("text_ids")), (Ids{2, 4, 5, 6, 12, 3, 8, 5, 6, 12, 3, 0}));
  EXPECT_EQ(ids_of(first.at("text_types")), (Ids{0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0}));
  EXPECT_EQ(ids_of(first.at("text_mask")), (Ids{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0}));
  EXPECT_EQ(label_of(first), 1);
  EXPECT_EQ(label_of(dataset->get(1, 0)), 0);
}

TEST_F(Glue, PairsTruncateTheLongerSentenceFirst) {
  write("mrpc/train.tsv", "Quality\t#1 ID\t#2 ID\t#1 String\t#2 String\n1\t1\t2\tthe dog ran a dog\tit is\n");
  auto dataset = make("mrpc", ", max_len: 8");  // 5 + 2 pieces into 8 - 3
  EXPECT_EQ(ids_of(dataset->get(0, 0).at("text_ids")), (Ids{2, 4, 7, 9, 3, 13, 10, 3}));
  EXPECT_EQ(ids_of(dataset->get(0, 0).at("text_types")), (Ids{0, 0, 0, 0, 0, 1, 1, 1}));
}

TEST_F(Glue, StsbHasAFloatScoreInsteadOfALabel) {
  write("stsb/train.tsv",
        "index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2\tscore\n"
        "0\tmain-captions\tMSRvid\t2012test\t0001\tnone\tnone\tA cat sat.\tThe cat sat.\t3.800\n"
        "1\tmain-captions\tMSRvid\t2012test\t0004\tnone\tnone\ta dog\tthe cat\t0\n");
  auto dataset = make("stsb", ", max_len: 10");
  mmkd::TensorMap first = dataset->get(0, 0);
  EXPECT_EQ(first.count("label"), 0u);
  ASSERT_EQ(first.count("score"), 1u);
  EXPECT_EQ(first.at("score").dim(), 0);
  EXPECT_EQ(first.at("score").scalar_type(), torch::kFloat);
  EXPECT_FLOAT_EQ(first.at("score").item<float>(), 3.8f);
  EXPECT_FLOAT_EQ(dataset->get(1, 0).at("score").item<float>(), 0.0f);
  EXPECT_EQ(ids_of(first.at("text_ids")), (Ids{2, 8, 5, 6, 12, 3, 4, 5, 6, 3}));  // 4 + 4 pieces into 7: b loses "."
}

TEST_F(Glue, QqpQnliRteColumnsAndLabels) {
  write("qqp/train.tsv", "id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate\n5\t11\t12\tis it?\tit is?\t1\n");
  write("qnli/train.tsv", "index\tquestion\tsentence\tlabel\n0\tis it?\tit is.\tnot_entailment\n1\tit?\tit.\tentailment\n");
  write("rte/train.tsv", "index\tsentence1\tsentence2\tlabel\n0\tthe dog ran\ta dog ran\tentailment\n");
  auto qqp = make("qqp", ", max_len: 10");
  EXPECT_EQ(ids_of(qqp->get(0, 0).at("text_ids")), (Ids{2, 10, 13, 11, 3, 13, 10, 11, 3, 0}));
  EXPECT_EQ(label_of(qqp->get(0, 0)), 1);
  auto qnli = make("qnli", ", max_len: 10");
  EXPECT_EQ(ids_of(qnli->get(0, 0).at("text_ids")), (Ids{2, 10, 13, 11, 3, 13, 10, 12, 3, 0}));
  EXPECT_EQ(label_of(qnli->get(0, 0)), 1);
  EXPECT_EQ(label_of(qnli->get(1, 0)), 0);
  auto rte = make("rte", ", max_len: 9");
  EXPECT_EQ(ids_of(rte->get(0, 0).at("text_ids")), (Ids{2, 4, 7, 9, 3, 8, 7, 9, 3}));
  EXPECT_EQ(label_of(rte->get(0, 0)), 0);
}

TEST_F(Glue, MnliReadsGoldLabelsOfMatchedAndMismatchedDev) {
  const std::string header =
      "index\tpromptID\tpairID\tgenre\tsentence1_binary_parse\tsentence2_binary_parse\tsentence1_parse\t"
      "sentence2_parse\tsentence1\tsentence2\tlabel1\tlabel2\tlabel3\tlabel4\tlabel5\tgold_label\n";
  const std::string parses = "\t( the cat )\t( a dog )\t(ROOT (NP the cat))\t(ROOT (NP a dog))\t";
  write("mnli/dev_matched.tsv",
        header + "0\t1\t1e\tfiction" + parses + "the cat\ta dog\tneutral\tneutral\tentailment\tneutral\tneutral\tneutral\n" +
            "1\t2\t2c\tfiction" + parses + "the cat\tthe dog\tcontradiction\tcontradiction\tcontradiction\t" +
            "contradiction\tcontradiction\tcontradiction\n");
  write("mnli/dev_mismatched.tsv",
        header + "0\t1\t1e\tletters" + parses + "a cat\ta cat\tentailment\tentailment\tentailment\tentailment\t" +
            "entailment\tentailment\n");
  auto matched = make("mnli", ", split: dev, max_len: 8");
  ASSERT_EQ(matched->size(), 2);
  EXPECT_EQ(ids_of(matched->get(0, 0).at("text_ids")), (Ids{2, 4, 5, 3, 8, 7, 3, 0}));
  EXPECT_EQ(label_of(matched->get(0, 0)), 1);
  EXPECT_EQ(label_of(matched->get(1, 0)), 2);
  auto mismatched = make("mnli", ", split: dev_mismatched, max_len: 8");
  ASSERT_EQ(mismatched->size(), 1);
  EXPECT_EQ(label_of(mismatched->get(0, 0)), 0);
  EXPECT_EQ(ids_of(mismatched->get(0, 0).at("text_ids")), (Ids{2, 8, 5, 3, 8, 5, 3, 0}));
}

TEST_F(Glue, ToleratesByteOrderMarkCrlfAndBlankLines) {
  write("sst2/train.tsv", "\xEF\xBB\xBFsentence\tlabel\r\nthe cat\t1\r\n\r\na dog\t0\r\n");
  auto dataset = make("sst2", ", max_len: 4");
  ASSERT_EQ(dataset->size(), 2);
  EXPECT_EQ(ids_of(dataset->get(1, 0).at("text_ids")), (Ids{2, 8, 7, 3}));
  EXPECT_EQ(label_of(dataset->get(0, 0)), 1);
}

TEST_F(Glue, DeclaresLabelOrScoreByTask) {
  const mmkd::Registry::Entry* entry = mmkd::testing::plugins().find(mmkd::Kind::Dataset, "glue");
  ASSERT_NE(entry, nullptr);
  auto names = [&](const std::string& task) {
    std::vector<std::string> out;
    const std::string yaml = "{task: " + task + ", root: r, vocab: v}";
    for (const mmkd::Port& port : entry->info.outputs_for(mmkd::testing::options_for(mmkd::Kind::Dataset, "glue", yaml)))
      out.push_back(port.name);
    return out;
  };
  EXPECT_EQ(names("rte"), (std::vector<std::string>{"text_ids", "text_mask", "text_types", "label"}));
  EXPECT_EQ(names("stsb"), (std::vector<std::string>{"text_ids", "text_mask", "text_types", "score"}));
}

TEST_F(Glue, MalformedLinesNameFileAndLine) {
  write("sst2/train.tsv", "sentence\tlabel\nthe cat\t1\nthe\tcat\t0\n");
  mmkd::testing::expect_error_naming([&] { make("sst2"); },
                                     {dir.file("sst2/train.tsv") + ":3:", "3 tab-separated columns, expected 2"});
  write("rte/train.tsv", "index\tsentence1\tsentence2\tlabel\n\n0\ta\tb\tneutral\n");
  mmkd::testing::expect_error_naming([&] { make("rte"); },
                                     {dir.file("rte/train.tsv") + ":3:", "`label` is `neutral`", "`entailment`, `not_entailment`"});
  write("cola/train.tsv", "gj04\t2\t\tthe cat\n");
  mmkd::testing::expect_error_naming([&] { make("cola"); }, {dir.file("cola/train.tsv") + ":1:", "`label` is `2`"});
  write("stsb/train.tsv", "sentence1\tsentence2\tscore\na\tb\t5.5\n");
  mmkd::testing::expect_error_naming([&] { make("stsb"); }, {":2:", "`score` is `5.5`", "[0, 5]"});
  write("qqp/train.tsv", "id\tquestion1\tquestion2\tlabel\n");
  mmkd::testing::expect_error_naming([&] { make("qqp"); }, {dir.file("qqp/train.tsv") + ":1:", "no column `is_duplicate`"});
}

TEST_F(Glue, BadOptionsFailAtTheirKey) {
  write("sst2/train.tsv", "sentence\tlabel\n");
  mmkd::testing::expect_error_naming([&] { make("sst2"); }, {"root", dir.file("sst2/train.tsv"), "no examples"});
  mmkd::testing::expect_error_naming([&] { make("mrpc"); }, {"root", dir.file("mrpc/train.tsv"), "train split"});
  mmkd::testing::expect_error_naming([&] { make("rte", ", split: dev_mismatched"); }, {"split", "MNLI"});
  mmkd::testing::expect_error_naming([&] { make("wnli"); }, {"task", "one of"});
  mmkd::testing::expect_error_naming(
      [&] { make("sst2", "", "missing.txt"); }, {"vocab", dir.file("missing.txt"), "does not exist"});
  EXPECT_THROW(make("sst2", ", max_len: 2"), mmkd::ConfigError);
}

}  // namespace
