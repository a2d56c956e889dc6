#include "mmkd_testing.hpp"
#include "expect_error.hpp"

#include <gtest/gtest.h>
#include <mmkd/mmkd.hpp>
#include <torch/script.h>
#include <torch/nn/module.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <string>
#include <vector>

namespace {

const char* linear_source = R"(
def forward(self, x):
    return torch.matmul(x.flatten(1), self.w.t())
)";

const char* tuple_source = R"(
def forward(self, x):
    y = torch.matmul(x.flatten(1), self.w.t())
    return y, (y * y).sum(1)
)";

const char* list_source = R"(
def forward(self, x):
    y = torch.matmul(x.flatten(1), self.w.t())
    return [y, y * 2.0]
)";

const char* dict_source = R"(
def forward(self, x):
    y = torch.matmul(x.flatten(1), self.w.t())
    return {"logits": y, "energy": (y * y).sum(1)}
)";

// A module as torch.jit.script or torch.jit.trace would save it from Python (with `training`).
torch::jit::Module script(const std::string& source, const mmkd::TensorMap& parameters) {
  torch::jit::Module module("Tiny");
  module.register_attribute("training", c10::BoolType::get(), true);
  for (const auto& [name, value] : parameters) module.register_parameter(name, value, /*is_buffer=*/false);
  module.define(source);
  return module;
}

class TorchScriptTeacher : public ::testing::Test {
 protected:
  void SetUp() override { torch::manual_seed(0); }

  std::string save(const torch::jit::Module& module, const std::string& name) {
    module.save(dir.file(name));
    return dir.file(name);
  }
  std::string save(const std::string& source, const std::string& name) {
    return save(script(source, {{"w", w}}), name);
  }

  std::shared_ptr<mmkd::Teacher> teacher(const std::string& path, const std::string& options = "",
                                         const mmkd::Context& context = {}) {
    return mmkd::testing::make<mmkd::Kind::Teacher>("torchscript_teacher",
                                                    "{path: \"" + path + "\"" + options + "}", context);
  }

  torch::Tensor linear(const torch::Tensor& x) const { return x.flatten(1).matmul(w.t()); }

  mmkd::testing::TempDir dir;
  torch::Tensor w = torch::randn({4, 12});
  torch::Tensor image = torch::randn({2, 3, 2, 2});
};

TEST_F(TorchScriptTeacher, ATensorResultIsTheOneNamedOutput) {
  auto t = teacher(save(linear_source, "linear.pt"));
  mmkd::TensorMap out = t->forward({{"image", image}});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out.at("output").scalar_type(), torch::kFloat);
  EXPECT_TRUE(torch::allclose(out.at("output"), linear(image)));
  auto two_names = teacher(dir.file("linear.pt"), ", outputs: [logits, pooled]");
  mmkd::testing::expect_error_naming([&] { two_names->forward({{"image", image}}); },
                                     {"returned 1 value", "names 2 outputs: logits, pooled"});
}

TEST_F(TorchScriptTeacher, TupleAndListResultsAreNamedByPosition) {
  for (const char* file : {"tuple.pt", "list.pt"}) {
    auto t = teacher(save(file == std::string("tuple.pt") ? tuple_source : list_source, file),
                     ", outputs: [logits, second]");
    mmkd::TensorMap out = t->forward({{"image", image}});
    torch::Tensor y = linear(image);
    EXPECT_TRUE(torch::allclose(out.at("logits"), y)) << file;
    EXPECT_TRUE(torch::allclose(out.at("second"), file == std::string("tuple.pt") ? (y * y).sum(1) : y * 2.0)) << file;
    auto one_name = teacher(dir.file(file), ", outputs: [logits]");
    mmkd::testing::expect_error_naming([&] { one_name->forward({{"image", image}}); },
                                       {"returned 2 values", "names 1 output: logits"});
  }
}

TEST_F(TorchScriptTeacher, DictResultsAreNamedByKey) {
  auto t = teacher(save(dict_source, "dict.pt"), ", outputs: [energy]");
  mmkd::TensorMap out = t->forward({{"image", image}});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(torch::allclose(out.at("energy"), linear(image).pow(2).sum(1)));
  auto missing = teacher(dir.file("dict.pt"), ", outputs: [logits, pooled]");
  mmkd::testing::expect_error_naming([&] { missing->forward({{"image", image}}); },
                                     {"without `pooled`", "its keys: logits, energy"});
}

TEST_F(TorchScriptTeacher, OtherResultsAreRejected) {
  auto t = teacher(save("def forward(self, x):\n    return x.size(0)\n", "int.pt"));
  mmkd::testing::expect_error_naming([&] { t->forward({{"image", image}}); }, {"returned a Int", "Dict[str, Tensor]"});
}

TEST_F(TorchScriptTeacher, PassesInputsInTheirOrderAndKeepsIntegerInputs) {
  torch::Tensor embedding = torch::randn({10, 5});
  const std::string source = R"(
def forward(self, ids, mask):
    return (torch.embedding(self.emb, ids) * mask.unsqueeze(-1).float()).sum(1)
)";
  auto t = teacher(save(script(source, {{"emb", embedding}}), "text.pt"), ", arguments: [ids, mask]");
  torch::Tensor ids = torch::tensor({1, 4, 9, 2, 3, 0}, torch::kLong).reshape({2, 3});
  torch::Tensor mask = torch::tensor({1, 1, 0, 1, 0, 0}, torch::kLong).reshape({2, 3});
  torch::Tensor expected = (embedding.index({ids}) * mask.unsqueeze(-1)).sum(1);
  EXPECT_TRUE(torch::allclose(t->forward({{"ids", ids}, {"mask", mask}}).at("output"), expected));
  EXPECT_THROW(teacher(dir.file("text.pt"), ", arguments: [pixels]"), mmkd::ConfigError);
}

// image -> ((image * input_std + input_mean) - mean) / std before the module sees it.
TEST_F(TorchScriptTeacher, RenormalisesTheImageInput) {
  auto t = teacher(save(linear_source, "linear.pt"), ", input_mean: [0.5], input_std: [0.25], mean: [0.1], std: [2.0]");
  EXPECT_TRUE(torch::allclose(t->forward({{"image", image}}).at("output"), linear((image * 0.25 + 0.5 - 0.1) / 2.0),
                              1e-5, 1e-6));
}

TEST_F(TorchScriptTeacher, IsFrozenAndBuildsNoAutogradGraph) {
  auto t = teacher(save(linear_source, "linear.pt"));
  ASSERT_EQ(t->parameters().size(), 1u);
  EXPECT_FALSE(t->parameters()[0].requires_grad());
  torch::Tensor out = t->forward({{"image", image.clone().requires_grad_(true)}}).at("output");
  EXPECT_FALSE(out.requires_grad());
  EXPECT_FALSE(out.grad_fn());
}

TEST_F(TorchScriptTeacher, RunsTheModuleInEvalMode) {
  const std::string source = R"(
def forward(self, x):
    if self.training:
        return x * 0.0
    return x * 1.0
)";
  auto t = teacher(save(script(source, {}), "mode.pt"));
  EXPECT_TRUE(torch::equal(t->forward({{"image", image}}).at("output"), image));
  t->train(true);
  EXPECT_TRUE(torch::equal(t->forward({{"image", image}}).at("output"), torch::zeros_like(image)));
}

// Submodule tensors appear under their script names and are the script module's own tensors, so
// what the host does to them (move, convert) reaches the module.
torch::jit::Module projection_module(const torch::Tensor& w) {
  torch::jit::Module proj = script("def forward(self, x):\n    return torch.matmul(x, self.w.t())\n", {{"w", w}});
  torch::jit::Module module("Outer");
  module.register_attribute("training", c10::BoolType::get(), true);
  module.register_module("proj", proj);
  module.register_buffer("scale", torch::tensor(1.0));
  module.register_buffer("steps", torch::tensor(7, torch::kLong));
  module.define("def forward(self, x):\n    return self.proj.forward(x.flatten(1)) * self.scale\n");
  return module;
}

TEST_F(TorchScriptTeacher, SharesTheScriptModulesTensors) {
  auto t = teacher(save(projection_module(w), "outer.pt"));
  auto parameters = t->named_parameters();
  auto buffers = t->named_buffers();
  ASSERT_TRUE(parameters.contains("proj.w"));
  ASSERT_TRUE(buffers.contains("scale"));
  EXPECT_TRUE(torch::equal(parameters["proj.w"], w));
  torch::NoGradGuard no_grad;
  buffers["scale"].fill_(3.0);
  EXPECT_TRUE(torch::allclose(t->forward({{"image", image}}).at("output"), 3.0 * linear(image)));
}

TEST_F(TorchScriptTeacher, Bfloat16PrecisionGivesFloat32OutputsCloseToFloat32) {
  const std::string path = save(projection_module(w), "outer.pt");
  auto t = teacher(path, ", precision: bf16");
  EXPECT_EQ(t->named_parameters()["proj.w"].scalar_type(), torch::kBFloat16);
  EXPECT_EQ(t->named_buffers()["steps"].scalar_type(), torch::kLong);
  torch::Tensor out = t->forward({{"image", image}}).at("output");
  torch::Tensor expected = linear(image);
  EXPECT_EQ(out.scalar_type(), torch::kFloat);
  EXPECT_LT((out - expected).abs().max().item<double>(), 0.02 * expected.abs().max().item<double>());
}

TEST_F(TorchScriptTeacher, ResolvesARelativePathAgainstTheExperimentFolder) {
  save(linear_source, "linear.pt");
  mmkd::Context context;
  context.config_dir = dir.path();
  auto t = mmkd::testing::make<mmkd::Kind::Teacher>("torchscript_teacher", "{path: linear.pt}", context);
  EXPECT_TRUE(torch::allclose(t->forward({{"image", image}}).at("output"), linear(image)));
}

TEST_F(TorchScriptTeacher, NamesTheFileItCannotLoad) {
  mmkd::testing::expect_error_naming([&] { teacher(dir.file("missing.pt")); },
                                     {"torchscript_teacher.path", "no such file", "missing.pt"});
  mmkd::testing::write_file(dir.file("garbage.pt"), "not a TorchScript archive");
  mmkd::testing::expect_error_naming([&] { teacher(dir.file("garbage.pt")); },
                                     {"torchscript_teacher.path", "cannot load TorchScript module", "garbage.pt"});
  EXPECT_THROW(mmkd::testing::make<mmkd::Kind::Teacher>("torchscript_teacher", "{}"), mmkd::ConfigError);
}

}  // namespace
