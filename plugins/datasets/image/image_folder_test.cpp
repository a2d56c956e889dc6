#include "expect_error.hpp"
#include <mmkd_image/image_decode.hpp>
#include "image_folder.hpp"
#include <mmkd_image/image_transforms.hpp>
#include "mmkd_testing.hpp"
#include "test_images.hpp"

#include <gtest/gtest.h>
#include <torch/types.h>

#include <filesystem>

namespace fs = std::filesystem;
namespace mi = mmkd::image;
using mmkd::testing::expect_error_naming;
using mmkd::testing::TempDir;

namespace {

const std::string eval_8 = "image_size: 8, transform: eval, eval_resize: 8, mean: [0, 0, 0], std: [1, 1, 1]";

std::shared_ptr<mmkd::Dataset> make_folder(const std::string& root, const std::string& options) {
  return mmkd::testing::make<mmkd::Kind::Dataset>("image_folder", "{root: '" + root + "', " + options + "}");
}

mmkd::Options folder_options(const std::string& root, const std::string& options) {
  return mmkd::testing::options_for(mmkd::Kind::Dataset, "image_folder", "{root: '" + root + "', " + options + "}");
}

mi::ImageFolder construct(const std::string& root, const std::string& options) {
  return mi::ImageFolder(folder_options(root, options), {});
}

int64_t label_of(const mmkd::TensorMap& sample) { return sample.at("label").item<int64_t>(); }

// Classes `cat`, `ant`, `bee` (sorted: ant 0, bee 1, cat 2); PNGs hold the constant `value`.
void write_classes(const TempDir& dir) {
  for (const auto& [name, count] : std::vector<std::pair<std::string, int>>{{"cat", 1}, {"ant", 2}, {"bee", 1}}) {
    fs::create_directories(dir.file("train/" + name));
    for (int i = 0; i < count; ++i)
      mi::testing::write_png(dir.file("train/" + name + "/" + std::to_string(i) + ".png"),
                             torch::full({8, 8, 3}, 10 * (i + 1), torch::kUInt8));
  }
  mmkd::testing::write_file(dir.file("train/ant/notes.txt"), "not an image");
}

}  // namespace

TEST(ImageFolder, ClassFoldersSortedByNameGiveTheLabels) {
  TempDir dir;
  write_classes(dir);
  const mi::ImageFolder folder = construct(dir.file("train"), eval_8);
  EXPECT_EQ(folder.classes(), (std::vector<std::string>{"ant", "bee", "cat"}));
  ASSERT_EQ(folder.size(), 4);
  std::vector<int64_t> labels;
  for (int64_t i = 0; i < 4; ++i) labels.push_back(label_of(folder.get(i, 0)));
  EXPECT_EQ(labels, (std::vector<int64_t>{0, 0, 1, 2}));
  const torch::Tensor image = folder.get(1, 0).at("image");  // ant/1.png: constant 20
  EXPECT_EQ(image.sizes(), (std::vector<int64_t>{3, 8, 8}));
  EXPECT_TRUE(torch::allclose(image, torch::full({3, 8, 8}, 20.f / 255)));
}

TEST(ImageFolder, TheRegisteredDatasetNormalisesWithItsMeanAndStd) {
  TempDir dir;
  write_classes(dir);
  const auto folder = make_folder(dir.file("train"), "image_size: 8, transform: eval, eval_resize: 8");
  const torch::Tensor image = folder->get(3, 0).at("image");  // cat/0.png: constant 10
  EXPECT_NEAR(image[0][0][0].item<float>(), (10 / 255.0 - 0.485) / 0.229, 1e-5);
  EXPECT_NEAR(image[2][7][7].item<float>(), (10 / 255.0 - 0.406) / 0.225, 1e-5);
}

TEST(ImageFolder, LabelFileForAFlatFolder) {
  TempDir dir;
  fs::create_directories(dir.file("val"));
  for (const std::string name : {"a.JPEG", "b.png"})
    mi::testing::write_png(dir.file("val/" + name), mi::testing::random_image(8, 8));
  mmkd::testing::write_file(dir.file("val.txt"), "a.JPEG 7\n\nb.png 3\n");
  const auto folder = make_folder(dir.file("val"), "val_labels: '" + dir.file("val.txt") + "', " + eval_8);
  ASSERT_EQ(folder->size(), 2);
  EXPECT_EQ(label_of(folder->get(0, 0)), 7);
  EXPECT_EQ(label_of(folder->get(1, 0)), 3);

  mmkd::testing::write_file(dir.file("bad.txt"), "a.JPEG 7\nb.png three\n");
  expect_error_naming([&] { make_folder(dir.file("val"), "val_labels: '" + dir.file("bad.txt") + "'"); },
                      {dir.file("bad.txt") + ":2", "filename label", "b.png three"});
}

TEST(ImageFolder, BadImageIsSkippedToTheNextIndexAndCounted) {
  TempDir dir;
  write_classes(dir);
  mmkd::testing::write_file(dir.file("train/bee/1.png"), "\x89PNG\r\n\x1a\n broken");
  const mi::ImageFolder folder = construct(dir.file("train"), eval_8);
  ASSERT_EQ(folder.size(), 5);  // ant 0, ant 1, bee 0, bee 1 (broken), cat 0
  EXPECT_EQ(label_of(folder.get(3, 0)), 2);  // replaced by cat/0.png
  EXPECT_EQ(folder.skipped(), 1);
  EXPECT_EQ(label_of(folder.get(2, 0)), 1);
  EXPECT_EQ(folder.skipped(), 1);

  const auto registered = make_folder(dir.file("train"), eval_8);
  registered->get(3, 0);
  EXPECT_EQ(registered->counters().at("skipped_images"), 1);

  const mi::ImageFolder strict = construct(dir.file("train"), "on_bad_image: fail, " + eval_8);
  expect_error_naming([&] { strict.get(3, 0); }, {dir.file("train/bee/1.png"), "corrupt PNG"});
}

TEST(ImageFolder, PathsLeavingTheRootAreRefused) {
  TempDir dir;
  write_classes(dir);
  mi::testing::write_png(dir.file("outside.png"), mi::testing::random_image(8, 8));
  fs::create_symlink(dir.file("outside.png"), dir.file("train/cat/link.png"));
  expect_error_naming([&] { make_folder(dir.file("train"), eval_8); },
                      {dir.file("train/cat/link.png"), "outside the root"});
  fs::remove(dir.file("train/cat/link.png"));
  fs::create_directory_symlink(dir.path(), dir.file("train/up"));
  expect_error_naming([&] { make_folder(dir.file("train"), eval_8); }, {"train/up", "outside the root"});
  fs::remove(dir.file("train/up"));

  mmkd::testing::write_file(dir.file("escape.txt"), "../outside.png 1\n");
  expect_error_naming([&] { make_folder(dir.file("train"), "val_labels: '" + dir.file("escape.txt") + "'"); },
                      {dir.file("escape.txt") + ":1", "../outside.png", "outside the root"});
  expect_error_naming([&] { make_folder(dir.file("missing"), eval_8); }, {dir.file("missing"), "not a folder"});
}

TEST(ImageFolder, TrainSamplesDependOnTheSeedOnly) {
  TempDir dir;
  fs::create_directories(dir.file("train/only"));
  mi::testing::write_jpeg(dir.file("train/only/x.jpg"), mi::testing::smooth_image(40, 48));
  const auto folder = make_folder(dir.file("train"), "image_size: 8");
  const torch::Tensor a = folder->get(0, 1).at("image");
  EXPECT_TRUE(torch::equal(a, folder->get(0, 1).at("image")));
  EXPECT_FALSE(torch::equal(a, folder->get(0, 2).at("image")));
}

TEST(ImageFolder, LargeJpegIsDecodedScaledDownToWhatTheCropNeeds) {
  TempDir dir;
  fs::create_directories(dir.file("train/only"));
  const torch::Tensor ramp = torch::arange(128, torch::kInt) * 2;  // linear: both filters keep it
  const torch::Tensor image = torch::stack({ramp.view({1, 128}).expand({128, 128}), ramp.view({128, 1}).expand({128, 128}),
                                            torch::full({128, 128}, 100, torch::kInt)}, 2).to(torch::kUInt8);
  mi::testing::write_jpeg(dir.file("train/only/x.jpg"), image);
  const auto folder = make_folder(dir.file("train"), eval_8);  // decoded at 1/8: 16 x 16 pixels
  const torch::Tensor expected = mi::resized_crop_normalized(mi::decode_image(mi::read_file_bytes(dir.file("train/only/x.jpg"))),
                                                             {0, 0, 128, 128}, 8, 8, false, {{0, 0, 0}, {1, 1, 1}});
  EXPECT_LT((folder->get(0, 0).at("image") - expected).abs().max().item<float>(), 8.f / 255);
}

TEST(ImageFolder, EvalCropFalseResizesTheWholeImageToSxS) {
  TempDir dir;
  fs::create_directories(dir.file("train/only"));
  const torch::Tensor image = mi::testing::random_image(30, 50, 2);
  mi::testing::write_png(dir.file("train/only/x.png"), image);
  const std::string unit = ", image_size: 8, transform: eval, mean: [0, 0, 0], std: [1, 1, 1]";
  const torch::Tensor squashed = make_folder(dir.file("train"), "eval_crop: false" + unit)->get(0, 0).at("image");
  const torch::Tensor expected = mi::testing::reference_resized_crop(image, 0, 0, 30, 50, 8, 8).permute({2, 0, 1}) / 255;
  EXPECT_LE(mmkd::testing::max_difference(squashed, expected), 1e-5);
  const torch::Tensor cropped = make_folder(dir.file("train"), "eval_crop: true" + unit)->get(0, 0).at("image");
  EXPECT_GT(mmkd::testing::max_difference(cropped, expected), 0.1);
}

TEST(ImageFolder, TeacherViewIsAnOutputOnlyWhenAskedFor) {
  TempDir dir;
  fs::create_directories(dir.file("train/only"));
  mi::testing::write_jpeg(dir.file("train/only/x.jpg"), mi::testing::smooth_image(40, 48));
  const mmkd::TensorMap train = make_folder(dir.file("train"), "image_size: 8, teacher_view: true")->get(0, 1);
  EXPECT_EQ(train.at("image_teacher").sizes(), (std::vector<int64_t>{3, 8, 8}));
  EXPECT_FALSE(torch::equal(train.at("image_teacher"), train.at("image")));
  const mmkd::TensorMap eval = make_folder(dir.file("train"), "teacher_view: true, " + eval_8)->get(0, 1);
  EXPECT_TRUE(torch::equal(eval.at("image_teacher"), eval.at("image")));
  EXPECT_FALSE(make_folder(dir.file("train"), "image_size: 8")->get(0, 1).count("image_teacher"));

  const auto outputs = [&](const std::string& options) {
    std::vector<std::string> names;
    for (const auto& port : mi::ImageFolder::info().outputs_for(folder_options(dir.file("train"), options)))
      names.push_back(port.name);
    return names;
  };
  EXPECT_EQ(outputs("teacher_view: true"), (std::vector<std::string>{"image", "label", "image_teacher"}));
  EXPECT_EQ(outputs("teacher_view: false"), (std::vector<std::string>{"image", "label"}));
}
