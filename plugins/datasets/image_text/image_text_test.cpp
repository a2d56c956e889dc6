#include "expect_error.hpp"
#include <mmkd_image/image_encode.hpp>
#include "mmkd_testing.hpp"

#include <gtest/gtest.h>
#include <mmkd/mmkd.hpp>
#include <torch/types.h>

namespace {

using mmkd::testing::TempDir;
using mmkd::testing::write_file;

// [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3 a=4 red=5 circle=6 ##s=7
struct Folder {
  TempDir dir;
  torch::Tensor first = torch::randint(0, 256, {8, 8, 3}, torch::kUInt8);
  torch::Tensor second = torch::randint(0, 256, {8, 8, 3}, torch::kUInt8);

  explicit Folder(const std::string& index) {
    write_file(dir.file("vocab.txt"), "[PAD]\n[UNK]\n[CLS]\n[SEP]\na\nred\ncircle\n##s\n");
    mmkd::image::write_file_bytes(dir.file("a.png"), mmkd::image::encode_png(first));
    mmkd::image::write_file_bytes(dir.file("b.png"), mmkd::image::encode_png(second));
    write_file(dir.file("index.jsonl"), index);
  }
  std::shared_ptr<mmkd::Dataset> dataset(const std::string& extra = "") const {
    return with_options("transform: eval, eval_resize: 0, mean: [0, 0, 0], std: [1, 1, 1]" + extra);
  }
  std::shared_ptr<mmkd::Dataset> with_options(const std::string& options) const {
    return mmkd::testing::make<mmkd::Kind::Dataset>(
        "image_text", "{index: '" + dir.file("index.jsonl") + "', vocab: '" + dir.file("vocab.txt") +
                          "', image_size: 8, max_text_len: 6, " + options + "}");
  }
};

const std::string three_pairs =
    "{\"id\": 0, \"image\": \"a.png\", \"text\": \"A red circles\"}\n"
    "{\"id\": 0, \"image\": \"a.png\", \"text\": [\"red\", \"circle\", \"blue\"]}\n"
    "\n"
    "{\"id\": 1, \"image\": \"b.png\", \"text\": [5, 6, 5, 6, 5, 6]}\n";

TEST(ImageText, ReadsCaptionsPiecesAndIds) {
  Folder folder(three_pairs);
  auto dataset = folder.dataset();
  ASSERT_EQ(dataset->size(), 3);
  mmkd::TensorMap a = dataset->get(0, 1), b = dataset->get(1, 1), c = dataset->get(2, 1);
  EXPECT_TRUE(torch::equal(a.at("text_ids"), torch::tensor({2, 4, 5, 6, 7, 3})));
  EXPECT_TRUE(torch::equal(b.at("text_ids"), torch::tensor({2, 5, 6, 1, 3, 0})));
  EXPECT_TRUE(torch::equal(b.at("text_mask"), torch::tensor({1, 1, 1, 1, 1, 0})));
  EXPECT_TRUE(torch::equal(c.at("text_ids"), torch::tensor({2, 5, 6, 5, 6, 3})));  // truncated to max_text_len
  EXPECT_EQ(a.at("image_id").item<int64_t>(), 0);
  EXPECT_EQ(c.at("image_id").item<int64_t>(), 1);
  EXPECT_EQ(c.at("index").item<int64_t>(), 2);
  torch::Tensor expected = folder.second.permute({2, 0, 1}).to(torch::kFloat) / 255;
  EXPECT_TRUE(torch::allclose(c.at("image"), expected, 1e-5, 1e-5));
}

TEST(ImageText, TeacherViewIsASecondIndependentlyAugmentedImage) {
  Folder folder(three_pairs);
  auto train = folder.with_options("transform: train, teacher_view: true");
  const mmkd::TensorMap a = train->get(0, 3), again = train->get(0, 3), other = train->get(0, 4);
  ASSERT_EQ(a.at("image_teacher").sizes(), (std::vector<int64_t>{3, 8, 8}));
  EXPECT_TRUE(torch::equal(a.at("image"), again.at("image")));
  EXPECT_TRUE(torch::equal(a.at("image_teacher"), again.at("image_teacher")));
  EXPECT_FALSE(torch::equal(a.at("image_teacher"), other.at("image_teacher")));
  EXPECT_GT(mmkd::testing::max_difference(a.at("image_teacher"), a.at("image")), 0.1);

  const mmkd::TensorMap eval = folder.dataset(", teacher_view: true")->get(2, 3);
  EXPECT_TRUE(torch::equal(eval.at("image_teacher"), eval.at("image")));
  EXPECT_FALSE(folder.with_options("transform: train")->get(0, 3).count("image_teacher"));
}

TEST(ImageText, TeacherViewOptionsAndOutput) {
  const mmkd::ComponentInfo info = mmkd::testing::plugins().find(mmkd::Kind::Dataset, "image_text")->info;
  const auto names = [&](const std::string& options) {
    std::vector<std::string> out;
    for (const auto& port : info.outputs_for(mmkd::testing::options_for(mmkd::Kind::Dataset, "image_text",
                                                                         "{index: x.jsonl, " + options + "}")))
      out.push_back(port.name);
    return out;
  };
  const std::vector<std::string> pair = {"image", "text_ids", "text_mask", "image_id", "index"};
  std::vector<std::string> with_teacher = pair;
  with_teacher.push_back("image_teacher");
  EXPECT_EQ(names("teacher_view: true"), with_teacher);
  EXPECT_EQ(names("teacher_view: false"), pair);
  const auto defaults = mmkd::testing::options_for(mmkd::Kind::Dataset, "image_text", "{index: x.jsonl}");
  EXPECT_FALSE(defaults.get<bool>("teacher_view"));
  EXPECT_EQ(defaults.get<std::vector<double>>("teacher_crop_scale"), (std::vector<double>{0.9, 1.0}));
  EXPECT_EQ(defaults.get<double>("teacher_color_jitter"), 0.4);
}

TEST(ImageText, TextOnlyIndexHasNoImage) {
  Folder folder("{\"id\": 3, \"text\": \"red\"}\n{\"id\": 4, \"text\": \"circle\"}\n");
  mmkd::TensorMap sample = folder.dataset()->get(1, 0);
  EXPECT_FALSE(sample.count("image"));
  EXPECT_TRUE(torch::equal(sample.at("text_ids"), torch::tensor({2, 6, 3, 0, 0, 0})));
}

TEST(ImageText, MalformedLinesNameTheFileAndLine) {
  Folder broken("{\"id\": 0, \"image\": \"a.png\", \"text\": \"red\"}\n{\"id\": \"x\", \"text\": \"red\"}\n");
  mmkd::testing::expect_error_naming([&] { broken.dataset(); }, {"index.jsonl:2", "integer `id`"});
  Folder not_json("{\"id\": 0, \"image\": \"a.png\", \"text\": \"red\"}\n{oops\n");
  mmkd::testing::expect_error_naming([&] { not_json.dataset(); }, {"index.jsonl:2", "not JSON"});
  Folder mixed("{\"id\": 0, \"image\": \"a.png\", \"text\": \"red\"}\n{\"id\": 1, \"text\": \"red\"}\n");
  mmkd::testing::expect_error_naming([&] { mixed.dataset(); }, {"index.jsonl:2", "fields the first line has"});
}

TEST(ImageText, RefusesImagePathsOutsideTheRoot) {
  Folder folder("{\"id\": 0, \"image\": \"../a.png\", \"text\": \"red\"}\n");
  mmkd::testing::expect_error_naming([&] { folder.dataset(); }, {"index.jsonl:1", "leaves the root"});
}

TEST(ImageText, SkipsAndCountsMissingImagesOrFails) {
  Folder folder("{\"id\": 0, \"image\": \"gone.png\", \"text\": \"red\"}\n{\"id\": 1, \"image\": \"b.png\", \"text\": \"a\"}\n");
  auto skipping = folder.dataset();
  EXPECT_EQ(skipping->get(0, 0).at("image_id").item<int64_t>(), 1);
  EXPECT_EQ(skipping->counters().at("skipped_images"), 1);
  auto failing = folder.dataset(", on_bad_image: fail");
  mmkd::testing::expect_error_naming([&] { failing->get(0, 0); }, {"gone.png"});
}

}  // namespace

namespace {

TEST(ImageText, ARunLogsTheSkippedImagesAtEachEpochEnd) {
  std::string index;
  for (int i = 0; i < 16; ++i)
    index += "{\"id\": " + std::to_string(i) + ", \"image\": \"" + (i == 5 ? "gone" : i % 2 ? "a" : "b") +
             ".png\", \"text\": \"" + (i % 2 ? "a red circle" : "circles") + "\"}\n";
  Folder folder(index);
  write_file(folder.dir.file("exp.yaml"), R"(name: pairs
data:
  train: {type: image_text, index: index.jsonl, vocab: vocab.txt, image_size: 8, max_text_len: 6}
model:
  image: {type: vit, image_size: 8, patch_size: 4, dim: 16, depth: 1, heads: 2, embed_dim: 8}
  text: {type: text_transformer, vocab_size: 8, max_len: 6, dim: 16, depth: 1, heads: 2, embed_dim: 8}
losses:
  clip: {type: clip_contrastive, inputs: {image: image.embedding, text: text.embedding}}
trainer: {epochs: 2, batch_size: 8, threads: 1, data_workers: 2}
log: {runs_dir: runs}
)");
  auto r = mmkd::testing::run_command("cd '" + folder.dir.path() + "' && '" + mmkd::testing::mmkd_executable() +
                                      "' run exp.yaml --run-dir r");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("data.train: 1 skipped_images so far"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("data.train: 2 skipped_images so far"), std::string::npos) << r.output;
  EXPECT_NE(mmkd::testing::read_file(folder.dir.file("r/metrics.jsonl")).find("\"data.train.skipped_images\":2"),
            std::string::npos);
}

}  // namespace
