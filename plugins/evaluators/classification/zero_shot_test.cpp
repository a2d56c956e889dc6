#include "expect_error.hpp"
#include "fake_eval_models.hpp"
#include "mmkd_testing.hpp"
#include "name_lists.hpp"
#include <mmkd_text/wordpiece_tokenizer.hpp>

#include <gtest/gtest.h>
#include <torch/types.h>
#include <torch/utils.h>
#include <mmkd/mmkd.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <string>
#include <vector>

namespace {

namespace ce = mmkd::classification_eval;
using mmkd::testing::expect_error_naming;
using mmkd::testing::TempDir;

const std::string vocab_text = "[PAD]\n[UNK]\n[CLS]\n[SEP]\na\nphoto\nof\nthe\n.\ncat\ndog\nbird\nfish\nred\nin\nart\n";
const std::vector<std::string> class_names = {"cat", "dog", "bird", "fish", "red fish", "zebra"};
const std::vector<std::string> templates = {"a photo of a {}.", "the {} in art", "{}"};
constexpr int64_t max_len = 8, dim = 6;

// A text branch: the mean of a fixed embedding table's rows over each prompt's non-padded ids.
struct TableModel {
  torch::Tensor table = torch::randn({16, dim});
  std::vector<int64_t> batch_sizes;
  std::vector<torch::Tensor> ids_seen;

  torch::Tensor embed(const torch::Tensor& ids, const torch::Tensor& mask) const {
    const torch::Tensor m = mask.to(torch::kFloat).unsqueeze(2);
    return (table.index_select(0, ids.reshape({-1})).view({ids.size(0), ids.size(1), dim}) * m).sum(1) / m.sum(1);
  }

  mmkd::testing::FakeEvalModels models(const std::string& ids_name = "batch.text_ids",
                                       const std::string& mask_name = "batch.text_mask",
                                       const std::string& output = "text.embedding") {
    mmkd::testing::FakeEvalModels fake;
    fake.model = [=](mmkd::TensorMap& tensors) {
      const torch::Tensor& ids = tensors.at(ids_name);
      EXPECT_EQ(ids.scalar_type(), torch::kLong);
      EXPECT_EQ(tensors.at(mask_name).scalar_type(), torch::kLong);
      batch_sizes.push_back(ids.size(0));
      ids_seen.push_back(ids);
      tensors[output] = embed(ids, tensors.at(mask_name));
    };
    return fake;
  }
};

std::string lines(const std::vector<std::string>& entries) {
  std::string text;
  for (const auto& entry : entries) text += entry + "\n";
  return text;
}

class ZeroShot : public ::testing::Test {
 protected:
  void SetUp() override {
    mmkd::testing::write_file(dir.file("vocab.txt"), vocab_text);
    mmkd::testing::write_file(dir.file("classes.txt"), "cat\ndog\r\n\nbird\nfish\nred fish\nzebra\n");
    mmkd::testing::write_file(dir.file("templates.txt"), lines(templates));
  }

  // The test's files and sizes, with `changed` options replaced or added.
  std::shared_ptr<mmkd::Evaluator> make(const std::map<std::string, std::string>& changed = {}) {
    std::map<std::string, std::string> options = {{"classes", "classes.txt"},
                                                  {"templates", "templates.txt"},
                                                  {"vocab", "vocab.txt"},
                                                  {"max_len", "8"},
                                                  {"text_embedding", "text.embedding"}};
    for (const auto& [name, value] : changed) options[name] = value;
    std::string yaml;
    for (const auto& [name, value] : options) yaml += (yaml.empty() ? "{" : ", ") + name + ": " + value;
    mmkd::Context context;
    context.config_dir = dir.path();
    return mmkd::testing::make<mmkd::Kind::Evaluator>("zero_shot", yaml + "}", context);
  }

  // The tokenized prompts embedded by `model`, normalised, averaged per class and normalised: [classes, D].
  torch::Tensor reference_classes(const TableModel& model) const {
    const mmkd::text::WordpieceTokenizer tokenizer(dir.file("vocab.txt"));
    std::vector<torch::Tensor> rows;
    for (const auto& name : class_names) {
      torch::Tensor sum = torch::zeros({dim}, torch::kDouble);
      for (std::string prompt : templates) {
        prompt.replace(prompt.find("{}"), 2, name);
        const mmkd::text::EncodedText text = tokenizer.encode_single(prompt, max_len);
        torch::Tensor embedding = torch::zeros({dim}, torch::kDouble);
        double tokens = 0;
        for (int64_t i = 0; i < max_len; ++i)
          if (text.mask[i] == 1) embedding += model.table[text.ids[i]].to(torch::kDouble), tokens += 1;
        embedding /= tokens;
        sum += embedding / embedding.norm();
      }
      rows.push_back(sum / sum.norm());
    }
    return torch::stack(rows);
  }

  TempDir dir;
};

// Top-k accuracy by sorting each image's cosine similarities, the lower class index first among equals.
double reference_top_k(const torch::Tensor& images, const torch::Tensor& labels, const torch::Tensor& classes,
                       int64_t k) {
  double hits = 0;
  for (int64_t i = 0; i < images.size(0); ++i) {
    const torch::Tensor image = images[i].to(torch::kDouble);
    std::vector<double> similarity;
    for (int64_t c = 0; c < classes.size(0); ++c)
      similarity.push_back((image.dot(classes[c]) / image.norm()).item<double>());
    std::vector<int64_t> order(similarity.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return similarity[a] > similarity[b]; });
    hits += std::find(order.begin(), order.begin() + k, labels[i].item<int64_t>()) != order.begin() + k;
  }
  return hits / static_cast<double>(images.size(0));
}

TEST_F(ZeroShot, MatchesPlainReimplementationOverUnevenBatches) {
  torch::manual_seed(5);
  TableModel model;
  const auto models = model.models();
  const torch::Tensor classes = reference_classes(model).to(torch::kFloat);
  const torch::Tensor labels = torch::randint(0, 6, {29}, torch::kLong);
  const torch::Tensor images = 3 * classes.index_select(0, labels) + torch::randn({29, dim});
  auto evaluator = make({{"prompt_batch", "5"}});
  evaluator->add({{"image", images.slice(0, 0, 4)}, {"label", labels.slice(0, 0, 4)}}, models);
  evaluator->add({{"image", images.slice(0, 4, 25)}, {"label", labels.slice(0, 4, 25)}}, models);
  evaluator->add({{"image", images.slice(0, 25)}, {"label", labels.slice(0, 25)}}, models);
  EXPECT_TRUE(model.batch_sizes.empty());  // the text branch runs in compute() only
  const auto metrics = evaluator->compute(models);
  EXPECT_EQ(model.batch_sizes, (std::vector<int64_t>{5, 5, 5, 3}));  // 6 classes x 3 templates
  EXPECT_DOUBLE_EQ(metrics.at("top1"), reference_top_k(images, labels, classes.to(torch::kDouble), 1));
  EXPECT_DOUBLE_EQ(metrics.at("top5"), reference_top_k(images, labels, classes.to(torch::kDouble), 5));
  EXPECT_GT(metrics.at("top1"), 0.5);
}

TEST_F(ZeroShot, PromptsAreTokenizedLikeTheTextDatasets) {
  TableModel model;
  auto evaluator = make({{"prompt_batch", "100"}});
  evaluator->add({{"image", torch::randn({2, dim})}, {"label", torch::tensor({0, 5}, torch::kLong)}}, model.models());
  evaluator->compute(model.models());
  ASSERT_EQ(model.ids_seen.size(), 1u);
  const torch::Tensor& ids = model.ids_seen[0];
  ASSERT_EQ(ids.sizes(), (std::vector<int64_t>{18, max_len}));
  const auto row = [&](int64_t p) {
    return std::vector<int64_t>(ids[p].data_ptr<int64_t>(), ids[p].data_ptr<int64_t>() + max_len);
  };
  EXPECT_EQ(row(0), (std::vector<int64_t>{2, 4, 5, 6, 4, 9, 8, 3}));    // [CLS] a photo of a cat . [SEP]
  EXPECT_EQ(row(1), (std::vector<int64_t>{2, 7, 9, 14, 15, 3, 0, 0}));  // [CLS] the cat in art [SEP] [PAD] [PAD]
  EXPECT_EQ(row(17), (std::vector<int64_t>{2, 1, 3, 0, 0, 0, 0, 0}));   // class 5, template 2: [CLS] [UNK] [SEP]
}

TEST_F(ZeroShot, CustomTensorNamesAndRecomputedEachTime) {
  TableModel model;
  const auto models = model.models("tok.ids", "tok.mask", "txt.vec");
  auto evaluator =
      make({{"text_ids", "tok.ids"}, {"text_mask", "tok.mask"}, {"text_embedding", "txt.vec"}, {"prompt_batch", "18"}});
  const torch::Tensor labels = torch::arange(6);
  evaluator->add({{"image", reference_classes(model).to(torch::kFloat)}, {"label", labels}}, models);
  EXPECT_EQ(evaluator->compute(models).at("top1"), 1.0);
  model.table = torch::randn({16, dim});  // the model changed: the class embeddings must follow
  evaluator->reset();
  const torch::Tensor images = reference_classes(model).to(torch::kFloat);
  evaluator->add({{"image", images}, {"label", labels}}, models);
  EXPECT_EQ(evaluator->compute(models).at("top1"), 1.0);
  EXPECT_EQ(model.batch_sizes, (std::vector<int64_t>{18, 18}));
}

TEST_F(ZeroShot, TableInPercent) {
  const auto cells = make()->table({{"top1", 0.4026}, {"top5", 0.7}});
  ASSERT_EQ(cells.size(), 2u);
  EXPECT_EQ(cells[0].heading, std::vector<std::string>{"Accuracy"});
  EXPECT_EQ(cells[0].value, "40.26");
  EXPECT_EQ(cells[1].heading, std::vector<std::string>{"Top-5"});
  EXPECT_EQ(cells[1].value, "70.00");
}

TEST_F(ZeroShot, BuiltInImagenetClassesAndClipTemplatesByDefault) {
  TableModel model;
  mmkd::Context context;
  context.config_dir = dir.path();
  auto evaluator = mmkd::testing::make<mmkd::Kind::Evaluator>(
      "zero_shot", "{vocab: vocab.txt, max_len: 12, text_embedding: text.embedding, prompt_batch: 40000}", context);
  expect_error_naming(
      [&] {
        evaluator->add({{"image", torch::randn({1, dim})}, {"label", torch::tensor({1000})}}, model.models());
      },
      {"1000..1000", "1000 classes", "`classes`"});
  evaluator->add({{"image", torch::randn({2, dim})}, {"label", torch::tensor({0, 999})}}, model.models());
  evaluator->compute(model.models());
  EXPECT_EQ(model.batch_sizes, (std::vector<int64_t>{40000, 40000}));  // 1000 classes x 80 templates
  EXPECT_EQ(model.ids_seen[0][0][1].item<int64_t>(), 4);               // "a bad photo of a tench.": `a` first
}

TEST(BuiltInLists, ImagenetClassesAndClipTemplates) {
  const std::vector<std::string> classes = ce::imagenet_class_names();
  ASSERT_EQ(classes.size(), 1000u);
  EXPECT_EQ(classes.front(), "tench");
  EXPECT_EQ(classes[207], "Golden Retriever");
  EXPECT_EQ(classes[657], "missile");
  EXPECT_EQ(classes[744], "missile");  // CLIP names classes 657 and 744 alike
  EXPECT_EQ(classes.back(), "toilet paper");
  const std::vector<std::string> prompts = ce::clip_imagenet_templates();
  ASSERT_EQ(prompts.size(), 80u);
  EXPECT_EQ(prompts.front(), "a bad photo of a {}.");
  EXPECT_EQ(prompts.back(), "a tattoo of the {}.");
  for (const auto& prompt : prompts) EXPECT_NE(prompt.find("{}"), std::string::npos) << prompt;
}

TEST(BuiltInLists, LinesSkipBlanksAndCarriageReturns) {
  EXPECT_EQ(ce::lines_of("a b\r\n\n  \nc"), (std::vector<std::string>{"a b", "c"}));
  EXPECT_TRUE(ce::lines_of("").empty());
}

TEST_F(ZeroShot, ErrorsNameTheOptionAndFile) {
  expect_error_naming([&] { make({{"classes", "missing.txt"}}); }, {"classes", "missing.txt"});
  expect_error_naming([&] { make({{"templates", "none.txt"}}); }, {"templates", "none.txt"});
  expect_error_naming([&] { make({{"vocab", "nowhere.txt"}}); }, {"vocab", "nowhere.txt"});
  mmkd::testing::write_file(dir.file("bad_templates.txt"), "a photo of a {}.\na photo\n");
  expect_error_naming(
      [&] {
        make({{"templates", "bad_templates.txt"}});
      },
      {"templates", "template 2", "`a photo`", "{}"});
  mmkd::testing::write_file(dir.file("few.txt"), "cat\ndog\n");
  expect_error_naming([&] { make({{"classes", "few.txt"}}); }, {"classes", "2 classes", "at least 5"});
  mmkd::testing::write_file(dir.file("empty.txt"), "\n");
  expect_error_naming([&] { make({{"classes", "empty.txt"}}); }, {"classes", "empty.txt", "no lines"});
  expect_error_naming([&] { make({{"max_len", "2"}}); }, {"max_len"});

  TableModel model;
  auto evaluator = make();
  expect_error_naming(
      [&] {
        evaluator->add({{"image", torch::randn({2, dim})}, {"label", torch::tensor({0, 6})}}, model.models());
      },
      {"`label`", "0..6", "6 classes", "`classes`"});
  expect_error_naming(
      [&] {
        evaluator->add({{"image", torch::randn({3, dim})}, {"label", torch::tensor({0, 1})}}, model.models());
      },
      {"`image`", "[B, D]", "[3, 6]", "[2]"});
  expect_error_naming([&] { evaluator->compute(model.models()); }, {"zero_shot", "before any batch"});
  evaluator->add({{"image", torch::randn({2, dim})}, {"label", torch::tensor({0, 1})}}, model.models());
  expect_error_naming([&] { evaluator->compute(model.models("batch.text_ids", "batch.text_mask", "text.cls")); },
                      {"`text.embedding`", "option `text_embedding`", "wrote: text.cls"});
  mmkd::testing::FakeEvalModels wrong_dim;
  wrong_dim.model = [](mmkd::TensorMap& tensors) {
    tensors["text.embedding"] = torch::randn({tensors.at("batch.text_ids").size(0), dim + 1});
  };
  expect_error_naming([&] { evaluator->compute(wrong_dim); },
                      {"`text.embedding`", "7 dimensions", "image embeddings 6"});
}

}  // namespace
