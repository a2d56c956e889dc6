#include "mmkd_testing.hpp"
#include "expect_error.hpp"

#include <gtest/gtest.h>
#include <mmkd/mmkd.hpp>
#include <torch/nn/module.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <set>
#include <string>
#include <vector>

namespace {

using StateDict = std::map<std::string, torch::Tensor>;

const std::string tiny = "width: 8, stage_blocks: [2, 1, 1, 1], num_classes: 10";
const std::vector<int64_t> tiny_blocks = {2, 1, 1, 1};
const std::vector<double> imagenet_mean = {0.485, 0.456, 0.406}, imagenet_std = {0.229, 0.224, 0.225};

std::shared_ptr<mmkd::Teacher> make_teacher(const std::string& options) {
  torch::manual_seed(0);
  return mmkd::testing::make<mmkd::Kind::Teacher>("resnet50_teacher", "{" + options + "}");
}

std::string with_checkpoint(const std::string& path) { return tiny + ", checkpoint: \"" + path + "\""; }

bool ends_with(const std::string& text, const std::string& end) {
  return text.size() >= end.size() && text.compare(text.size() - end.size(), end.size(), end) == 0;
}

// Every tensor away from its initial value, BatchNorm statistics included, so that loading and
// eval-mode normalisation show in the outputs.
void randomise(mmkd::Teacher& teacher, uint64_t seed) {
  torch::manual_seed(seed);
  torch::NoGradGuard no_grad;
  for (auto& item : teacher.named_buffers()) {
    if (ends_with(item.key(), "running_mean")) item.value().normal_(0.0, 0.2);
    if (ends_with(item.key(), "running_var")) item.value().uniform_(0.5, 2.0);
  }
  for (auto& item : teacher.named_parameters()) {
    torch::Tensor& value = item.value();
    if (value.dim() > 1) value.mul_(torch::empty_like(value).uniform_(0.5, 1.5));
    else if (ends_with(item.key(), "weight")) value.uniform_(0.5, 1.5);
    else value.normal_(0.0, 0.2);
  }
}

StateDict state_of(const torch::nn::Module& module) {
  StateDict state;
  for (const auto& item : module.named_parameters()) state[item.key()] = item.value().detach().clone();
  for (const auto& item : module.named_buffers()) state[item.key()] = item.value().detach().clone();
  return state;
}

torch::Tensor channels(const std::vector<double>& values) { return torch::tensor(values).reshape({1, 3, 1, 1}); }

// A second implementation of timm's ResNet-50 forward pass, over the state dict.
torch::Tensor batch_norm(const torch::Tensor& x, const StateDict& s, const std::string& p) {
  return torch::batch_norm(x, s.at(p + ".weight"), s.at(p + ".bias"), s.at(p + ".running_mean"),
                           s.at(p + ".running_var"), /*training=*/false, 0.1, 1e-5, /*cudnn_enabled=*/false);
}

torch::Tensor bottleneck(const torch::Tensor& x, const StateDict& s, const std::string& p, int64_t stride) {
  torch::Tensor out = torch::relu(batch_norm(torch::conv2d(x, s.at(p + ".conv1.weight")), s, p + ".bn1"));
  out = torch::relu(batch_norm(torch::conv2d(out, s.at(p + ".conv2.weight"), {}, stride, 1), s, p + ".bn2"));
  out = batch_norm(torch::conv2d(out, s.at(p + ".conv3.weight")), s, p + ".bn3");
  torch::Tensor shortcut =
      s.count(p + ".downsample.0.weight")
          ? batch_norm(torch::conv2d(x, s.at(p + ".downsample.0.weight"), {}, stride), s, p + ".downsample.1")
          : x;
  return torch::relu(out + shortcut);
}

std::pair<torch::Tensor, torch::Tensor> reference(const torch::Tensor& raw_image, const StateDict& s) {
  torch::Tensor x = (raw_image - channels(imagenet_mean)) / channels(imagenet_std);
  x = torch::relu(batch_norm(torch::conv2d(x, s.at("conv1.weight"), {}, 2, 3), s, "bn1"));
  x = torch::max_pool2d(x, 3, 2, 1);
  for (size_t stage = 0; stage < tiny_blocks.size(); ++stage)
    for (int64_t block = 0; block < tiny_blocks[stage]; ++block)
      x = bottleneck(x, s, "layer" + std::to_string(stage + 1) + "." + std::to_string(block),
                     stage > 0 && block == 0 ? 2 : 1);
  torch::Tensor features = x.mean({2, 3});
  return {torch::linear(features, s.at("fc.weight"), s.at("fc.bias")), features};
}

// timm's state_dict keys of a ResNet with `blocks` Bottlenecks per stage.
std::set<std::string> timm_keys(const std::vector<int64_t>& blocks) {
  std::set<std::string> keys = {"conv1.weight", "fc.weight", "fc.bias"};
  auto add_norm = [&](const std::string& p) {
    for (const char* name : {"weight", "bias", "running_mean", "running_var", "num_batches_tracked"})
      keys.insert(p + "." + name);
  };
  add_norm("bn1");
  for (size_t stage = 0; stage < blocks.size(); ++stage)
    for (int64_t block = 0; block < blocks[stage]; ++block) {
      const std::string p = "layer" + std::to_string(stage + 1) + "." + std::to_string(block);
      for (const char* i : {"1", "2", "3"}) {
        keys.insert(p + ".conv" + i + ".weight");
        add_norm(p + ".bn" + i);
      }
      if (block == 0) {
        keys.insert(p + ".downsample.0.weight");
        add_norm(p + ".downsample.1");
      }
    }
  return keys;
}

TEST(ResNet50Teacher, OutputShapesFrozenAndInEvalMode) {
  auto teacher = make_teacher(tiny);
  EXPECT_FALSE(teacher->is_training());
  torch::Tensor image = torch::rand({2, 3, 32, 32}).requires_grad_(true);
  mmkd::TensorMap out = teacher->forward({{"image", image}});
  EXPECT_EQ(out.at("logits").sizes(), (std::vector<int64_t>{2, 10}));
  EXPECT_EQ(out.at("features").sizes(), (std::vector<int64_t>{2, 256}));
  EXPECT_EQ(out.at("logits").scalar_type(), torch::kFloat);
  EXPECT_FALSE(out.at("logits").requires_grad());
}

TEST(ResNet50Teacher, MatchesAStraightforwardImplementation) {
  auto teacher = make_teacher(tiny);
  randomise(*teacher, 1);
  torch::Tensor image = torch::rand({2, 3, 32, 32});
  mmkd::TensorMap out = teacher->forward({{"image", image}});
  auto [logits, features] = reference(image, state_of(*teacher));
  EXPECT_TRUE(torch::allclose(out.at("features"), features, 1e-4, 1e-5));
  EXPECT_TRUE(torch::allclose(out.at("logits"), logits, 1e-4, 1e-5));
}

TEST(ResNet50Teacher, TensorsAreNamedLikeTimm) {
  auto teacher = make_teacher(tiny);
  std::set<std::string> names;
  for (const auto& [name, tensor] : state_of(*teacher)) names.insert(name);
  EXPECT_EQ(names, timm_keys(tiny_blocks));
  std::set<std::string> exported;
  for (const auto& [key, tensor] : mmkd::export_checkpoint(*teacher, teacher->export_layout())) exported.insert(key);
  EXPECT_EQ(exported, names);
  EXPECT_EQ(teacher->export_layout().format, "timm");
}

TEST(ResNet50Teacher, DefaultsAreTimmResNet50) {
  auto teacher = make_teacher("");
  EXPECT_EQ(mmkd::parameter_count(*teacher), 25557032);
  EXPECT_EQ(teacher->named_parameters()["fc.weight"].sizes(), (std::vector<int64_t>{1000, 2048}));
}

TEST(ResNet50Teacher, LoadsATimmCheckpoint) {
  mmkd::testing::TempDir dir;
  auto source = make_teacher(tiny);
  randomise(*source, 2);
  mmkd::write_safetensors(dir.file("resnet.safetensors"), state_of(*source));
  auto loaded = make_teacher(with_checkpoint(dir.file("resnet.safetensors")));
  torch::Tensor image = torch::rand({2, 3, 32, 32});
  mmkd::TensorMap expected = source->forward({{"image", image}}), out = loaded->forward({{"image", image}});
  EXPECT_TRUE(torch::equal(out.at("logits"), expected.at("logits")));
  EXPECT_TRUE(torch::equal(out.at("features"), expected.at("features")));
}

TEST(ResNet50Teacher, StrictLoadingNamesEveryKeyThatDoesNotFit) {
  mmkd::testing::TempDir dir;
  StateDict state = state_of(*make_teacher(tiny));
  const std::string path = dir.file("r.safetensors");
  auto expect_load_error = [&](const StateDict& tensors, const std::string& problem) {
    mmkd::write_safetensors(path, tensors);
    mmkd::testing::expect_error_naming([&] { make_teacher(with_checkpoint(path)); },
                                       {"resnet50_teacher.checkpoint", path, problem});
  };
  StateDict missing = state;
  missing.erase("layer2.0.bn1.running_var");
  expect_load_error(missing, "missing in the checkpoint: layer2.0.bn1.running_var [16]");
  StateDict unexpected = state;
  unexpected["head.fc.weight"] = torch::zeros({10, 256});
  expect_load_error(unexpected, "unexpected in the checkpoint: head.fc.weight [10, 256]");
  StateDict wrong_shape = state;
  wrong_shape["fc.weight"] = torch::zeros({1000, 256});
  expect_load_error(wrong_shape, "shape mismatch: fc.weight: checkpoint [1000, 256], model [10, 256]");
  mmkd::testing::expect_error_naming([&] { make_teacher(with_checkpoint(dir.file("none.safetensors"))); },
                                     {"resnet50_teacher.checkpoint", "no such file", "none.safetensors"});
}

TEST(ResNet50Teacher, NonStrictLoadingLoadsWhatMatches) {
  mmkd::testing::TempDir dir;
  auto source = make_teacher(tiny);
  randomise(*source, 3);
  StateDict state = state_of(*source);
  state.erase("fc.weight");
  state["head.fc.weight"] = torch::zeros({10, 256});
  mmkd::write_safetensors(dir.file("r.safetensors"), state);
  auto loaded = make_teacher(with_checkpoint(dir.file("r.safetensors")) + ", strict: false");
  StateDict after = state_of(*loaded);
  EXPECT_TRUE(torch::equal(after.at("layer3.0.bn2.running_mean"), state.at("layer3.0.bn2.running_mean")));
  EXPECT_TRUE(torch::equal(after.at("fc.bias"), state.at("fc.bias")));
  EXPECT_TRUE(torch::equal(after.at("fc.weight"), make_teacher(tiny)->named_parameters()["fc.weight"]));
  EXPECT_FALSE(torch::equal(after.at("fc.weight"), source->named_parameters()["fc.weight"]));
}

TEST(ResNet50Teacher, Bfloat16PrecisionGivesFloat32OutputsCloseToFloat32) {
  mmkd::testing::TempDir dir;
  auto fp32 = make_teacher(tiny);
  randomise(*fp32, 4);
  mmkd::write_safetensors(dir.file("r.safetensors"), state_of(*fp32));
  auto bf16 = make_teacher(with_checkpoint(dir.file("r.safetensors")) + ", precision: bf16");
  EXPECT_EQ(bf16->named_parameters()["layer1.0.conv2.weight"].scalar_type(), torch::kBFloat16);
  torch::Tensor image = torch::rand({2, 3, 32, 32});
  torch::Tensor expected = fp32->forward({{"image", image}}).at("logits");
  torch::Tensor logits = bf16->forward({{"image", image}}).at("logits");
  EXPECT_EQ(logits.scalar_type(), torch::kFloat);
  EXPECT_LT((logits - expected).abs().max().item<double>(), 0.05 * expected.abs().max().item<double>());
}

// A batch normalised with other statistics (CLIP's) is brought back to pixels, then to ImageNet's:
// the logits equal those of the raw pixels under the defaults input_mean [0], input_std [1].
TEST(ResNet50Teacher, RenormalisesTheBatchImage) {
  const std::vector<double> clip_mean = {0.4815, 0.4578, 0.4082}, clip_std = {0.2686, 0.2613, 0.2758};
  auto raw = make_teacher(tiny);
  auto renormalising =
      make_teacher(tiny + ", input_mean: [0.4815, 0.4578, 0.4082], input_std: [0.2686, 0.2613, 0.2758]");
  torch::Tensor pixels = torch::rand({2, 3, 32, 32});
  torch::Tensor normalised = (pixels - channels(clip_mean)) / channels(clip_std);
  EXPECT_TRUE(torch::allclose(renormalising->forward({{"image", normalised}}).at("logits"),
                              raw->forward({{"image", pixels}}).at("logits"), 1e-4, 1e-5));
}

TEST(ResNet50Teacher, RejectsBadOptionsAndImages) {
  mmkd::testing::expect_error_naming([] { make_teacher("stage_blocks: [3, 4, 6]"); },
                                     {"resnet50_teacher.stage_blocks", "expected 4 stages"});
  EXPECT_THROW(make_teacher("stage_blocks: [3, 0, 6, 3]"), mmkd::ConfigError);
  EXPECT_THROW(make_teacher("format: hf"), mmkd::ConfigError);
  auto teacher = make_teacher(tiny);
  mmkd::testing::expect_error_naming([&] { teacher->forward({{"image", torch::rand({2, 1, 32, 32})}}); },
                                     {"image", "[B, 3, H, W]", "[2, 1, 32, 32]"});
}

}  // namespace
