#include "mmkd_testing.hpp"
#include "module_state.hpp"

#include <gtest/gtest.h>
#include <mmkd/mmkd.hpp>
#include <torch/types.h>
#include <torch/utils.h>

namespace {

using mmkd::testing::TempDir;

const std::string tiny = "{image_size: 8, patch_size: 4, dim: 16, depth: 3, heads: 2, qkv_bias: qv, layer_scale: 0.1, "
                         "position: none, relative_position: per_layer, format: timm_beitv2";

struct Pair {
  std::shared_ptr<mmkd::Encoder> student;
  std::shared_ptr<mmkd::Teacher> teacher;
};

// A vit encoder with random weights, and a teacher loaded from its export.
Pair teacher_from_encoder(const TempDir& dir, const std::string& teacher_extra) {
  torch::manual_seed(1);
  auto encoder = mmkd::testing::make<mmkd::Kind::Encoder>("vit", tiny + "}");
  mmkd::testing::randomize_parameters(*encoder, 0.2);
  encoder->eval();
  mmkd::write_safetensors(dir.file("t.safetensors"), mmkd::export_checkpoint(*encoder, encoder->export_layout()));
  auto teacher = mmkd::testing::make<mmkd::Kind::Teacher>(
      "vit_teacher", tiny + ", checkpoint: '" + dir.file("t.safetensors") + "'" + teacher_extra + "}");
  return {encoder, teacher};
}

TEST(VitTeacher, ReturnsClsPatchesAndEveryLayerOfItsCheckpoint) {
  TempDir dir;
  auto [encoder, teacher] = teacher_from_encoder(dir, ", mean: [0.5], std: [0.25], input_mean: [0.5], input_std: [0.25]");
  torch::Tensor image = torch::randn({2, 3, 8, 8});
  mmkd::TensorMap expected = encoder->forward({{"image", image}}), out = teacher->forward({{"image", image}});
  EXPECT_TRUE(torch::allclose(out.at("cls"), expected.at("cls"), 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(out.at("patches"), expected.at("tokens").slice(1, 1), 1e-5, 1e-5));
  ASSERT_EQ(out.at("layers").sizes(), (std::vector<int64_t>{3, 2, 5, 16}));
  EXPECT_FALSE(torch::allclose(out.at("layers")[0], out.at("layers")[2]));
}

TEST(VitTeacher, RenormalisesItsInput) {
  TempDir dir;
  auto [encoder, teacher] = teacher_from_encoder(dir, ", mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], "
                                                      "input_mean: [0.5], input_std: [0.5]");
  torch::Tensor image = torch::rand({2, 3, 8, 8}) * 2 - 1;  // normalised with mean 0.5, std 0.5
  torch::Tensor raw = image * 0.5 + 0.5;
  torch::Tensor mean = torch::tensor({0.485, 0.456, 0.406}).reshape({1, 3, 1, 1});
  torch::Tensor std = torch::tensor({0.229, 0.224, 0.225}).reshape({1, 3, 1, 1});
  torch::Tensor expected = encoder->forward({{"image", (raw - mean) / std}}).at("cls");
  EXPECT_TRUE(torch::allclose(teacher->forward({{"image", image}}).at("cls"), expected, 1e-4, 1e-4));
}

TEST(VitTeacher, FrozenAndWithoutAutograd) {
  TempDir dir;
  auto pair = teacher_from_encoder(dir, "");
  for (const auto& p : pair.teacher->parameters()) EXPECT_FALSE(p.requires_grad());
  torch::Tensor image = torch::randn({2, 3, 8, 8}, torch::requires_grad());
  EXPECT_FALSE(pair.teacher->forward({{"image", image}}).at("cls").requires_grad());
}

TEST(VitTeacher, Bfloat16ReturnsFloatCloseToFp32) {
  TempDir dir;
  auto [encoder, teacher] = teacher_from_encoder(dir, ", precision: bf16, mean: [0], std: [1]");
  torch::Tensor image = torch::randn({2, 3, 8, 8});
  torch::Tensor out = teacher->forward({{"image", image}}).at("cls");
  EXPECT_EQ(out.scalar_type(), torch::kFloat);
  EXPECT_TRUE(torch::allclose(out, encoder->forward({{"image", image}}).at("cls"), 0.1, 0.1));
}

}  // namespace
