#include "mmkd_testing.hpp"
#include "shape_renderer.hpp"
#include "shape_scene.hpp"
#include "word_tokenizer.hpp"
#include <mmkd_text/wordpiece_tokenizer.hpp>
#include "expect_error.hpp"

#include <gtest/gtest.h>
#include <mmkd/mmkd.hpp>
#include <torch/types.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <string>
#include <vector>

namespace ss = mmkd::synthetic_shapes;

namespace {

std::shared_ptr<mmkd::Dataset> make_dataset(const std::string& options) {
  return mmkd::testing::make<mmkd::Kind::Dataset>("synthetic_shapes", options);
}

int index_of(const std::vector<std::string>& names, const std::string& word) {
  auto it = std::find(names.begin(), names.end(), word);
  return it == names.end() ? -1 : static_cast<int>(it - names.begin());
}

// The attributes a caption names, read back from its token ids.
struct CaptionAttributes {
  int shape = -1, colour = -1, size = -1, row = 1, column = 1;
};

CaptionAttributes read_caption(const torch::Tensor& ids, const torch::Tensor& mask) {
  static const ss::WordTokenizer tokenizer(ss::caption_words());
  std::vector<std::string> colour_names;
  for (const ss::Colour& colour : ss::colours) colour_names.push_back(colour.name);
  CaptionAttributes attributes;
  for (int64_t t = 0; t < ids.size(0); ++t) {
    if (mask[t].item<int64_t>() == 0) continue;
    const std::string& word = tokenizer.word(ids[t].item<int64_t>());
    if (index_of(ss::shape_names, word) >= 0) attributes.shape = index_of(ss::shape_names, word);
    if (index_of(colour_names, word) >= 0) attributes.colour = index_of(colour_names, word);
    if (index_of(ss::size_names, word) >= 0) attributes.size = index_of(ss::size_names, word);
    if (word == "top") attributes.row = 0;
    if (word == "bottom") attributes.row = 2;
    if (word == "left") attributes.column = 0;
    if (word == "right") attributes.column = 2;
  }
  return attributes;
}

// What the pixels show: centroid and colour of the pixels brighter than the background, and
// the shape's area in pixels measured on the colour's strongest channel.
struct DrawnShape {
  double centroid_x = 0, centroid_y = 0;
  std::array<double, 3> colour_direction{};
  double area = 0;
};

DrawnShape measure(const torch::Tensor& image, int named_colour) {
  torch::Tensor pixels = image * ss::pixel_std + ss::pixel_mean;
  auto p = pixels.accessor<float, 3>();
  const auto& rgb = ss::colours[named_colour].rgb;
  int strongest = 0;
  for (int c = 1; c < 3; ++c)
    if (rgb[c] - ss::background_rgb[c] > rgb[strongest] - ss::background_rgb[strongest]) strongest = c;
  DrawnShape drawn;
  double total_weight = 0;
  for (int64_t y = 0; y < image.size(1); ++y) {
    for (int64_t x = 0; x < image.size(2); ++x) {
      std::array<double, 3> excess{};
      double weight = 0;
      for (int c = 0; c < 3; ++c) {
        excess[c] = p[c][y][x] - ss::background_rgb[c];
        weight += excess[c];
      }
      drawn.area += excess[strongest] / (rgb[strongest] - ss::background_rgb[strongest]);
      if (weight < 0.15) continue;
      drawn.centroid_x += weight * (x + 0.5);
      drawn.centroid_y += weight * (y + 0.5);
      for (int c = 0; c < 3; ++c) drawn.colour_direction[c] += excess[c];
      total_weight += weight;
    }
  }
  drawn.centroid_x /= total_weight;
  drawn.centroid_y /= total_weight;
  return drawn;
}

int closest_colour(const std::array<double, 3>& direction) {
  int best = -1;
  double best_cosine = -2;
  for (size_t i = 0; i < ss::colours.size(); ++i) {
    double dot = 0, norm_a = 0, norm_b = 0;
    for (int c = 0; c < 3; ++c) {
      const double b = ss::colours[i].rgb[c] - ss::background_rgb[c];
      dot += direction[c] * b;
      norm_a += direction[c] * direction[c];
      norm_b += b * b;
    }
    const double cosine = dot / std::sqrt(norm_a * norm_b);
    if (cosine > best_cosine) best_cosine = cosine, best = static_cast<int>(i);
  }
  return best;
}

TEST(SyntheticShapes, OutputsHaveDeclaredShapesAndTypes) {
  auto dataset = make_dataset("{size: 10, image_size: 8, max_text_len: 12}");
  EXPECT_EQ(dataset->size(), 10);
  mmkd::TensorMap sample = dataset->get(3, 0);
  EXPECT_EQ(sample.size(), 6u);
  EXPECT_EQ(sample.at("image_id").item<int64_t>(), 3);
  EXPECT_EQ(sample.at("image").sizes(), (std::vector<int64_t>{3, 8, 8}));
  EXPECT_EQ(sample.at("image").scalar_type(), torch::kFloat);
  EXPECT_EQ(sample.at("text_ids").sizes(), (std::vector<int64_t>{12}));
  EXPECT_EQ(sample.at("text_ids").scalar_type(), torch::kLong);
  EXPECT_EQ(sample.at("text_mask").sizes(), (std::vector<int64_t>{12}));
  EXPECT_EQ(sample.at("text_mask").scalar_type(), torch::kLong);
  EXPECT_EQ(sample.at("index").dim(), 0);
  EXPECT_EQ(sample.at("index").item<int64_t>(), 3);
  EXPECT_EQ(sample.at("label").item<int64_t>(), read_caption(sample.at("text_ids"), sample.at("text_mask")).shape);
  auto jittered = make_dataset("{size: 10, image_size: 8, brightness_jitter: 0.5}");
  const torch::Tensor plain = dataset->get(3, 0).at("image");
  EXPECT_TRUE(torch::equal(jittered->get(3, 11).at("image"), jittered->get(3, 11).at("image")));
  EXPECT_FALSE(torch::equal(jittered->get(3, 11).at("image"), jittered->get(3, 12).at("image")));
  const torch::Tensor image = jittered->get(3, 11).at("image");
  const double factor = (image.abs().sum() / plain.abs().sum()).item<double>();  // one factor per image
  EXPECT_GE(factor, 0.5);
  EXPECT_LE(factor, 1.5);
  EXPECT_TRUE(torch::allclose(image, plain * factor, 1e-5, 1e-6));
  EXPECT_TRUE(torch::equal(dataset->get(3, 11).at("image"), dataset->get(3, 12).at("image")));  // no jitter
  auto by_colour = make_dataset("{size: 10, image_size: 8, max_text_len: 12, label: colour}");
  for (int64_t i = 0; i < 10; ++i) {
    mmkd::TensorMap s = by_colour->get(i, 0);
    EXPECT_EQ(s.at("label").item<int64_t>(), read_caption(s.at("text_ids"), s.at("text_mask")).colour);
  }
  EXPECT_THROW(dataset->get(10, 0), mmkd::Error);
  EXPECT_THROW(dataset->get(-1, 0), mmkd::Error);
}

TEST(SyntheticShapes, SampleDependsOnlyOnSeedAndIndex) {
  auto dataset = make_dataset("{size: 20, seed: 5}");
  auto same_seed = make_dataset("{size: 20, seed: 5}");
  auto other_seed = make_dataset("{size: 20, seed: 6}");
  mmkd::TensorMap first = dataset->get(7, 0);
  for (int64_t i = 19; i >= 0; --i) dataset->get(i, 123);
  mmkd::TensorMap again = dataset->get(7, 99);
  mmkd::TensorMap twin = same_seed->get(7, 0);
  for (const char* key : {"image", "text_ids", "text_mask"}) {
    EXPECT_TRUE(torch::equal(first.at(key), again.at(key))) << key;
    EXPECT_TRUE(torch::equal(first.at(key), twin.at(key))) << key;
  }
  EXPECT_FALSE(torch::equal(first.at("image"), other_seed->get(7, 0).at("image")));
  EXPECT_FALSE(torch::equal(first.at("image"), dataset->get(8, 0).at("image")));
}

TEST(SyntheticShapes, MaskMarksClsCaptionSepAndPadding) {
  auto dataset = make_dataset("{size: 50, max_text_len: 16}");
  for (int64_t i = 0; i < dataset->size(); ++i) {
    mmkd::TensorMap sample = dataset->get(i, 0);
    torch::Tensor ids = sample.at("text_ids"), mask = sample.at("text_mask");
    const int64_t length = mask.sum().item<int64_t>();
    EXPECT_GE(length, 2 + 6);  // the shortest caption has 6 words
    EXPECT_TRUE(torch::equal(mask.slice(0, 0, length), torch::ones({length}, torch::kLong)));
    EXPECT_TRUE(torch::equal(ids.slice(0, length), torch::zeros({16 - length}, torch::kLong)));
    EXPECT_EQ(ids[0].item<int64_t>(), ss::WordTokenizer::cls_id);
    EXPECT_EQ(ids[length - 1].item<int64_t>(), ss::WordTokenizer::sep_id);
    EXPECT_FALSE((ids == ss::WordTokenizer::unk_id).any().item<bool>());
  }
}

TEST(SyntheticShapes, VocabMakesCaptionsWordPieceIdsOfThatVocabulary) {
  mmkd::testing::TempDir dir;
  std::string vocab = "[PAD]\n[UNK]\n[CLS]\n[SEP]\nunused\n";
  for (const std::string& word : ss::caption_words()) vocab += word + "\n";
  mmkd::testing::write_file(dir.file("vocab.txt"), vocab);
  auto words = make_dataset("{size: 20, max_text_len: 14}");
  auto pieces = make_dataset("{size: 20, max_text_len: 14, vocab: '" + dir.file("vocab.txt") + "'}");
  const ss::WordTokenizer word_tokenizer(ss::caption_words());
  const mmkd::text::WordpieceTokenizer wordpiece(dir.file("vocab.txt"));
  for (int64_t i = 0; i < words->size(); ++i) {
    const mmkd::TensorMap a = words->get(i, 0), b = pieces->get(i, 0);
    EXPECT_TRUE(torch::equal(a.at("text_mask"), b.at("text_mask"))) << i;
    for (int64_t t = 0; t < 14; ++t)
      EXPECT_EQ(word_tokenizer.word(a.at("text_ids")[t].item<int64_t>()),
                wordpiece.token(b.at("text_ids")[t].item<int64_t>()))
          << "sample " << i << ", position " << t;
  }
  mmkd::testing::expect_error_naming([&] { make_dataset("{vocab: '" + dir.file("none.txt") + "'}"); },
                                     {"vocab", "none.txt", "does not exist"});
}

TEST(SyntheticShapes, DefaultTextLengthHoldsTheLongestCaption) {
  auto dataset = make_dataset("{size: 200}");
  for (int64_t i = 0; i < dataset->size(); ++i) {
    torch::Tensor ids = dataset->get(i, 0).at("text_ids");
    EXPECT_EQ(ids.size(0), 12);
    EXPECT_TRUE((ids == ss::WordTokenizer::sep_id).any().item<bool>()) << "caption " << i << " was truncated";
  }
}

TEST(SyntheticShapes, CaptionsDescribeTheDrawnShape) {
  auto dataset = make_dataset("{size: 240, image_size: 32, seed: 11}");
  std::map<int, double> largest_small_area, smallest_large_area;
  for (int64_t i = 0; i < dataset->size(); ++i) {
    mmkd::TensorMap sample = dataset->get(i, 0);
    CaptionAttributes named = read_caption(sample.at("text_ids"), sample.at("text_mask"));
    ASSERT_GE(named.shape, 0);
    ASSERT_GE(named.colour, 0);
    ASSERT_GE(named.size, 0);
    DrawnShape drawn = measure(sample.at("image"), named.colour);
    EXPECT_EQ(static_cast<int>(drawn.centroid_x * 3 / 32), named.column) << "sample " << i;
    EXPECT_EQ(static_cast<int>(drawn.centroid_y * 3 / 32), named.row) << "sample " << i;
    EXPECT_EQ(closest_colour(drawn.colour_direction), named.colour) << "sample " << i;
    if (named.size == 0) {
      double& area = largest_small_area[named.shape];
      area = std::max(area, drawn.area);
    } else {
      auto [it, fresh] = smallest_large_area.emplace(named.shape, drawn.area);
      if (!fresh) it->second = std::min(it->second, drawn.area);
    }
  }
  ASSERT_EQ(smallest_large_area.size(), ss::shape_names.size());
  for (const auto& [shape, area] : smallest_large_area)
    EXPECT_GT(area, largest_small_area[shape]) << ss::shape_names[shape];
}

TEST(SyntheticShapes, EveryAttributeOccurs) {
  auto dataset = make_dataset("{size: 300, image_size: 8}");
  std::vector<int> shapes(ss::shape_names.size()), colours(ss::colours.size()), cells(9);
  for (int64_t i = 0; i < dataset->size(); ++i) {
    mmkd::TensorMap sample = dataset->get(i, 0);
    CaptionAttributes named = read_caption(sample.at("text_ids"), sample.at("text_mask"));
    ++shapes.at(named.shape);
    ++colours.at(named.colour);
    ++cells.at(named.row * 3 + named.column);
  }
  for (int count : shapes) EXPECT_GT(count, 0);
  for (int count : colours) EXPECT_GT(count, 0);
  for (int count : cells) EXPECT_GT(count, 0);
}

TEST(SyntheticShapes, ImagesHaveAboutZeroMeanAndUnitRange) {
  auto dataset = make_dataset("{size: 400, image_size: 16}");
  std::vector<torch::Tensor> images;
  for (int64_t i = 0; i < dataset->size(); ++i) images.push_back(dataset->get(i, 0).at("image"));
  torch::Tensor all = torch::stack(images);
  EXPECT_NEAR(all.mean().item<double>(), 0.0, 0.1);
  EXPECT_NEAR(all.std().item<double>(), 0.45, 0.15);
  EXPECT_LT(all.max().item<double>(), 4.0);
  EXPECT_GT(all.min().item<double>(), -0.5);
}

TEST(SyntheticShapes, RejectsBadOptions) {
  EXPECT_THROW(make_dataset("{image_size: 4}"), mmkd::ConfigError);
  EXPECT_THROW(make_dataset("{size: 0}"), mmkd::ConfigError);
  EXPECT_THROW(make_dataset("{max_text_len: 1}"), mmkd::ConfigError);
}

}  // namespace
