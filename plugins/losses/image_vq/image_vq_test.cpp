#include "expect_error.hpp"
#include "gradient_check.hpp"
#include "mmkd_testing.hpp"
#include "module_state.hpp"
#include "thread_ranks.hpp"
#include "token_masking.hpp"
#include "vector_quantiser.hpp"

#include <gtest/gtest.h>
#include <mmkd/mmkd.hpp>
#include <torch/autograd.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <cmath>
#include <string>
#include <vector>

namespace vq = mmkd::image_vq;

namespace {

using mmkd::testing::copy_parameters;
using mmkd::testing::copy_state;
using mmkd::testing::expect_error_naming;

constexpr int64_t dim = 4, heads = 2, codebook_dim = 2, layers = 2;
std::string tiny_options(const std::string& extra, int64_t codebook_size) {
  return "{dim: 4, heads: 2, codebook_dim: 2, decoder_layers: 2, mlp_ratio: 2, codebook_size: " +
         std::to_string(codebook_size) + (extra.empty() ? "" : ", " + extra) + "}";
}

std::shared_ptr<mmkd::Loss> make_loss(const std::string& extra = "", int64_t codebook_size = 8, uint64_t seed = 5) {
  mmkd::Context context;
  context.seed = seed;
  return mmkd::testing::make<mmkd::Kind::Loss>("image_vq", tiny_options(extra, codebook_size), context);
}

// Every parameter and the codebook drawn at random, so LayerNorm weights and biases matter too.
void randomize(mmkd::Loss& loss) {
  mmkd::testing::randomize_parameters(loss);
  torch::NoGradGuard no_grad;
  loss.named_buffers()["codebook"].normal_();
}

torch::Tensor param(mmkd::Loss& loss, const std::string& name) {
  return loss.named_parameters()[name].detach().to(torch::kDouble);
}

using Vec = std::vector<double>;

Vec row_of(const torch::Tensor& t) {
  Vec v(t.size(0));
  for (int64_t i = 0; i < t.size(0); ++i) v[i] = t[i].item<double>();
  return v;
}
Vec linear(const Vec& x, const torch::Tensor& w, const torch::Tensor& b = {}) {
  Vec out(w.size(0));
  for (int64_t o = 0; o < w.size(0); ++o) {
    out[o] = b.defined() ? b[o].item<double>() : 0.0;
    for (int64_t i = 0; i < w.size(1); ++i) out[o] += w[o][i].item<double>() * x[i];
  }
  return out;
}
Vec layer_norm(const Vec& v, const torch::Tensor& w, const torch::Tensor& b) {
  double mean = 0, var = 0;
  for (double e : v) mean += e / v.size();
  for (double e : v) var += (e - mean) * (e - mean) / v.size();
  Vec out(v.size());
  for (size_t i = 0; i < v.size(); ++i) out[i] = (v[i] - mean) / std::sqrt(var + 1e-6) * w[i].item<double>() + b[i].item<double>();
  return out;
}
double cosine(const Vec& a, const Vec& b) {
  double ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < a.size(); ++i) ab += a[i] * b[i], aa += a[i] * a[i], bb += b[i] * b[i];
  return ab / std::sqrt(aa * bb);
}

// One pre-LN layer (Eq. 21) over a sequence, from the parameters under `prefix`.
std::vector<Vec> reference_layer(mmkd::Loss& loss, const std::string& prefix, const std::vector<Vec>& x) {
  auto p = [&](const std::string& name) { return param(loss, prefix + name); };
  const int64_t length = static_cast<int64_t>(x.size()), head_dim = dim / heads;
  std::vector<Vec> qkv(length), h(length), out(length);
  for (int64_t t = 0; t < length; ++t)
    qkv[t] = linear(layer_norm(x[t], p("norm1.weight"), p("norm1.bias")), p("attention.in_proj_weight"),
                    p("attention.in_proj_bias"));
  for (int64_t i = 0; i < length; ++i) {
    Vec attended(dim, 0.0);
    for (int64_t hd = 0; hd < heads; ++hd) {
      Vec scores(length);
      double total = 0;
      for (int64_t j = 0; j < length; ++j) {
        double s = 0;
        for (int64_t c = hd * head_dim; c < (hd + 1) * head_dim; ++c) s += qkv[i][c] * qkv[j][dim + c];
        total += scores[j] = std::exp(s / std::sqrt(static_cast<double>(head_dim)));
      }
      for (int64_t j = 0; j < length; ++j)
        for (int64_t c = hd * head_dim; c < (hd + 1) * head_dim; ++c) attended[c] += scores[j] / total * qkv[j][2 * dim + c];
    }
    Vec projected = linear(attended, p("attention.out_proj.weight"), p("attention.out_proj.bias"));
    for (int64_t c = 0; c < dim; ++c) h[i].push_back(projected[c] + x[i][c]);
    Vec hidden = linear(layer_norm(h[i], p("norm2.weight"), p("norm2.bias")), p("mlp.0.weight"), p("mlp.0.bias"));
    for (double& e : hidden) e = 0.5 * e * (1 + std::erf(e / std::sqrt(2.0)));
    Vec mlp = linear(hidden, p("mlp.3.weight"), p("mlp.3.bias"));
    for (int64_t c = 0; c < dim; ++c) out[i].push_back(mlp[c] + h[i][c]);
  }
  return out;
}

// Eq. 86-88 written out sample by sample in double, with the decoder of reference_layer.
double reference_loss(mmkd::Loss& loss, const torch::Tensor& teacher_cls, const torch::Tensor& patch_tokens,
                      const torch::Tensor& masked, double commitment_weight) {
  const torch::Tensor codebook = loss.named_buffers()["codebook"].to(torch::kDouble);
  const int64_t batch = teacher_cls.size(0);
  double reconstruction = 0, commitment = 0;
  for (int64_t b = 0; b < batch; ++b) {
    const Vec h = row_of(teacher_cls[b].to(torch::kDouble));
    const Vec z = linear(h, param(loss, "quantise_down.weight"));
    int64_t m = 0;
    for (int64_t j = 1; j < codebook.size(0); ++j)
      if (cosine(z, row_of(codebook[j])) > cosine(z, row_of(codebook[m]))) m = j;
    const Vec q = row_of(codebook[m]);
    std::vector<Vec> sequence = {linear(q, param(loss, "codeword_up.weight"))};
    for (int64_t n = 0; n < patch_tokens.size(1); ++n)
      sequence.push_back(masked[b][n].item<bool>() ? row_of(param(loss, "mask_token"))
                                                   : row_of(patch_tokens[b][n].to(torch::kDouble)));
    for (int64_t u = 0; u < layers; ++u)
      sequence = reference_layer(loss, "decoder.layers." + std::to_string(u) + ".", sequence);
    reconstruction += (1 - cosine(sequence[0], h)) / batch;
    double zz = 0, qq = 0;
    for (int64_t s = 0; s < codebook_dim; ++s) zz += z[s] * z[s], qq += q[s] * q[s];
    for (int64_t s = 0; s < codebook_dim; ++s)  // Eq. 1: the mean over the dimensions
      commitment += std::pow(z[s] / std::sqrt(zz) - q[s] / std::sqrt(qq), 2) / codebook_dim / batch;
  }
  return reconstruction + commitment_weight * commitment;
}

struct Batch {
  torch::Tensor teacher_cls, patch_tokens;
  mmkd::TensorMap inputs() const { return {{"teacher_cls", teacher_cls}, {"patch_tokens", patch_tokens}}; }
};
Batch random_batch(int64_t batch, int64_t tokens, torch::Dtype dtype = torch::kFloat) {
  return {torch::randn({batch, dim}, dtype), torch::randn({batch, tokens, dim}, dtype)};
}

TEST(ImageVq, LossMatchesPlainImplementation) {
  torch::manual_seed(0);
  auto loss = make_loss("mask_prob: 0.5, commitment_weight: 0.7", 8, 11);
  randomize(*loss);
  const Batch x = random_batch(3, 4);
  const torch::Tensor masked = vq::sample_token_mask(3, 4, 0.5, vq::mask_seed(11, 0, 0));
  ASSERT_GT(masked.sum().item<int64_t>(), 0);
  ASSERT_LT(masked.sum().item<int64_t>(), 12);
  const double expected = reference_loss(*loss, x.teacher_cls, x.patch_tokens, masked, 0.7);
  loss->eval();
  EXPECT_NEAR(loss->compute(x.inputs()).loss.item<double>(), expected, 1e-5);
  loss->train();
  const mmkd::LossOutput out = loss->compute(x.inputs());
  EXPECT_NEAR(out.loss.item<double>(), expected, 1e-5);
  EXPECT_EQ(out.loss.dim(), 0);
}

TEST(ImageVq, MetricsOnHandCase) {
  auto loss = make_loss("", 4);
  loss->eval();
  {
    torch::NoGradGuard no_grad;
    loss->named_parameters()["quantise_down.weight"].copy_(torch::eye(2, 4));
    loss->named_buffers()["codebook"].copy_(torch::tensor({1.0, 0.0, 0.0, 1.0, -1.0, 0.0, 0.0, -1.0}).reshape({4, 2}));
  }
  // Projections (2, 0.5), (3, -1) pick codeword 0 and (0.2, 1) picks codeword 1.
  const torch::Tensor teacher_cls = torch::tensor({2.0, 0.5, 1.0, 1.0, 3.0, -1.0, 0.0, 0.0, 0.2, 1.0, 5.0, 5.0}).reshape({3, 4});
  const mmkd::LossOutput out = loss->compute({{"teacher_cls", teacher_cls}, {"patch_tokens", torch::randn({3, 2, 4})}});
  const double cos[3] = {2 / std::sqrt(4.25), 3 / std::sqrt(10.0), 1 / std::sqrt(1.04)};
  const double third = 1.0 / 3;
  EXPECT_NEAR(out.metrics.at("codebook_usage").item<double>(), 0.5, 1e-7);
  EXPECT_NEAR(out.metrics.at("perplexity").item<double>(), std::exp(-(third * std::log(third) + 2 * third * std::log(2 * third))), 1e-5);
  EXPECT_NEAR(out.metrics.at("codeword_cosine").item<double>(), (cos[0] + cos[1] + cos[2]) / 3, 1e-6);
  // |u - c|^2 = 2 - 2 cos for unit vectors, averaged over the 2 dimensions and the 3 samples
  EXPECT_NEAR(out.metrics.at("commitment").item<double>(), (6 - 2 * (cos[0] + cos[1] + cos[2])) / 3 / 2, 1e-6);
  EXPECT_NEAR(out.loss.item<double>(),
              out.metrics.at("reconstruction").item<double>() + out.metrics.at("commitment").item<double>(), 1e-6);
  for (const auto& [name, value] : out.metrics) EXPECT_FALSE(value.requires_grad()) << name;
}

TEST(ImageVq, TrainingUpdatesTheCodebookByEquation90AndEvalLeavesItUnchanged) {
  torch::manual_seed(1);
  auto loss = make_loss("ema_decay: 0.8");
  const Batch x = random_batch(6, 3);
  const torch::Tensor codebook_before = loss->named_buffers()["codebook"].clone();

  loss->eval();
  loss->compute(x.inputs()).loss.backward();
  EXPECT_TRUE(torch::equal(loss->named_buffers()["codebook"], codebook_before));
  EXPECT_EQ(loss->named_buffers()["step"].item<int64_t>(), 0);
  EXPECT_FALSE(loss->named_buffers()["codebook"].grad().defined());

  loss->train();
  loss->compute(x.inputs());
  const torch::Tensor projected = x.teacher_cls.matmul(param(*loss, "quantise_down.weight").t().to(torch::kFloat));
  const torch::Tensor indices = vq::quantise(projected, codebook_before).indices;
  torch::Tensor expected = codebook_before.clone();
  int used = 0;
  for (int64_t j = 0; j < expected.size(0); ++j) {
    std::vector<int64_t> members;
    for (int64_t i = 0; i < indices.size(0); ++i)
      if (indices[i].item<int64_t>() == j) members.push_back(i);
    if (members.empty()) continue;
    ++used;
    for (int64_t s = 0; s < codebook_dim; ++s) {
      double mean = 0;
      for (int64_t i : members) mean += projected[i][s].item<double>() / members.size();
      expected[j][s] = 0.8 * codebook_before[j][s].item<double>() + 0.2 * mean;  // Eq. 90
    }
  }
  ASSERT_LT(used, 8);  // some codeword stays unused and must keep its value
  EXPECT_TRUE(torch::allclose(loss->named_buffers()["codebook"], expected, 1e-5, 1e-6));
  EXPECT_FALSE(torch::equal(loss->named_buffers()["codebook"], codebook_before));
  EXPECT_EQ(loss->named_buffers()["step"].item<int64_t>(), 1);
}

TEST(ImageVq, StateRestoredFromBuffersContinuesIdentically) {
  torch::manual_seed(2);
  auto original = make_loss("mask_prob: 0.5, ema_decay: 0.5");
  for (int i = 0; i < 2; ++i) original->compute(random_batch(4, 3).inputs());
  torch::manual_seed(3);
  auto restored = make_loss("mask_prob: 0.5, ema_decay: 0.5");
  auto without_buffers = make_loss("mask_prob: 0.5, ema_decay: 0.5");
  copy_state(*original, *restored);
  copy_parameters(*original, *without_buffers);

  const Batch x = random_batch(4, 3);
  const double next = original->compute(x.inputs()).loss.item<double>();
  EXPECT_EQ(restored->compute(x.inputs()).loss.item<double>(), next);
  EXPECT_NE(without_buffers->compute(x.inputs()).loss.item<double>(), next);
  EXPECT_TRUE(torch::equal(restored->named_buffers()["codebook"], original->named_buffers()["codebook"]));
  EXPECT_EQ(restored->named_buffers()["step"].item<int64_t>(), 3);
}

TEST(ImageVq, GradientsMatchFiniteDifferencesInDouble) {
  torch::manual_seed(4);
  auto loss = make_loss("mask_prob: 0.5, commitment_weight: 0.3");
  loss->to(torch::kDouble);
  randomize(*loss);
  loss->eval();
  Batch x = random_batch(3, 3, torch::kDouble);
  x.patch_tokens.requires_grad_();
  auto f = [&] { return loss->compute(x.inputs()).loss; };

  mmkd::testing::NamedLeaves leaves = {{"patch_tokens", x.patch_tokens}};
  for (const auto& p : loss->named_parameters())
    if (p.key() != "quantise_down.weight") leaves.emplace_back(p.key(), p.value());
  mmkd::testing::expect_gradients_match_finite_differences(f, leaves, 1e-5, 1e-7);
}

TEST(ImageVq, ProjectionGetsTheQuantisedVectorsGradientPlusCommitment) {
  // The loss' value depends on W_q_down only through the commitment term; the reconstruction
  // reaches it by the straight-through copy of d loss / d q_m (Eq. 88 and the text after it).
  torch::manual_seed(6);
  auto reconstruction_only = make_loss("mask_prob: 0.5, commitment_weight: 0", 32);
  reconstruction_only->to(torch::kDouble);
  randomize(*reconstruction_only);
  auto with_commitment = make_loss("mask_prob: 0.5, commitment_weight: 1", 32);
  with_commitment->to(torch::kDouble);
  copy_state(*reconstruction_only, *with_commitment);
  reconstruction_only->eval();
  with_commitment->eval();
  const Batch x = random_batch(3, 3, torch::kDouble);
  torch::Tensor w_down = with_commitment->named_parameters()["quantise_down.weight"];
  torch::Tensor codebook = reconstruction_only->named_buffers()["codebook"];
  const torch::Tensor indices = vq::quantise(x.teacher_cls.matmul(w_down.detach().t()), codebook).indices;
  ASSERT_EQ(std::get<0>(at::_unique(indices)).numel(), 3);  // one codeword per image

  auto reconstruction = [&] { return reconstruction_only->compute(x.inputs()).loss; };
  auto total = [&] { return with_commitment->compute(x.inputs()).loss; };
  const torch::Tensor d_loss_d_quantised = mmkd::testing::numeric_gradient(reconstruction, codebook).index_select(0, indices);
  const torch::Tensor straight_through = d_loss_d_quantised.t().matmul(x.teacher_cls);
  const torch::Tensor w_down_reconstruction = reconstruction_only->named_parameters()["quantise_down.weight"];
  EXPECT_TRUE(torch::allclose(torch::autograd::grad({reconstruction()}, {w_down_reconstruction})[0], straight_through, 1e-5, 1e-7));
  EXPECT_GT(straight_through.abs().sum().item<double>(), 0.0);
  const torch::Tensor commitment = mmkd::testing::numeric_gradient(total, w_down);
  EXPECT_TRUE(torch::allclose(torch::autograd::grad({total()}, {w_down})[0], straight_through + commitment, 1e-5, 1e-7));
}

TEST(ImageVq, RanksUpdateTheCodebookFromTheGlobalBatch) {
  torch::manual_seed(7);
  auto single = make_loss("ema_decay: 0.5");
  const Batch x = random_batch(6, 2);
  std::vector<torch::Tensor> codebooks(2);
  mmkd::testing::run_ranks(2, [&](const mmkd::Context& context) {
    auto loss = mmkd::testing::make<mmkd::Kind::Loss>("image_vq", tiny_options("ema_decay: 0.5", 8), context);
    copy_state(*single, *loss);
    const int64_t rows = 3 * context.rank;
    loss->compute({{"teacher_cls", x.teacher_cls.slice(0, rows, rows + 3)},
                   {"patch_tokens", x.patch_tokens.slice(0, rows, rows + 3)}});
    codebooks[context.rank] = loss->named_buffers()["codebook"].clone();
  });
  single->compute(x.inputs());
  for (const auto& codebook : codebooks) EXPECT_TRUE(torch::allclose(codebook, single->named_buffers()["codebook"]));
}

TEST(ImageVq, Bf16InputsGiveAFloatLoss) {
  torch::manual_seed(8);
  auto loss = make_loss();
  loss->eval();
  const Batch x = random_batch(3, 2, torch::kBFloat16);
  const mmkd::LossOutput out = loss->compute(x.inputs());
  EXPECT_EQ(out.loss.scalar_type(), torch::kFloat);
  EXPECT_TRUE(std::isfinite(out.loss.item<double>()));
  const Batch as_float{x.teacher_cls.to(torch::kFloat), x.patch_tokens.to(torch::kFloat)};
  EXPECT_EQ(out.loss.item<double>(), loss->compute(as_float.inputs()).loss.item<double>());
}

torch::Tensor codes_of(mmkd::Loss& loss, const torch::Tensor& teacher_cls) {
  const torch::Tensor codes = loss.evaluate({{"teacher_cls", teacher_cls}}).at("codes");
  EXPECT_EQ(codes.scalar_type(), torch::kLong);
  EXPECT_EQ(codes.sizes(), torch::IntArrayRef({teacher_cls.size(0)}));
  return codes;
}

TEST(ImageVq, EvaluateGivesTheCodesOfTheHandCase) {
  auto loss = make_loss("", 4);
  {
    torch::NoGradGuard no_grad;
    loss->named_parameters()["quantise_down.weight"].copy_(torch::eye(2, 4));
    loss->named_buffers()["codebook"].copy_(torch::tensor({1.0, 0.0, 0.0, 1.0, -1.0, 0.0, 0.0, -1.0}).reshape({4, 2}));
  }
  // Projections (2, 0.5), (3, -1), (0.2, 1), (-4, 1), (0.1, -2) pick codewords 0, 0, 1, 2, 3.
  const torch::Tensor teacher_cls =
      torch::tensor({2.0, 0.5, 1.0, 1.0, 3.0, -1.0, 0.0, 0.0, 0.2, 1.0, 5.0, 5.0, -4.0, 1.0, 0.0, 0.0, 0.1, -2.0, 3.0, 3.0})
          .reshape({5, 4});
  EXPECT_TRUE(torch::equal(codes_of(*loss, teacher_cls), torch::tensor({0, 0, 1, 2, 3}, torch::kLong)));
}

TEST(ImageVq, EvaluateGivesComputesCodesAndChangesNoBuffer) {
  // compute's codes, read back from its EMA update in training (Eq. 89-90) and its batch metrics.
  torch::manual_seed(9);
  auto loss = make_loss("ema_decay: 0.5", 8);
  randomize(*loss);
  const Batch x = random_batch(7, 2);
  const torch::Tensor codebook_before = loss->named_buffers()["codebook"].clone();
  const torch::Tensor codes = codes_of(*loss, x.teacher_cls);
  EXPECT_TRUE(torch::equal(loss->named_buffers()["codebook"], codebook_before));
  EXPECT_EQ(loss->named_buffers()["step"].item<int64_t>(), 0);

  const torch::Tensor projected = x.teacher_cls.matmul(param(*loss, "quantise_down.weight").t().to(torch::kFloat));
  const vq::CodewordSums assigned = vq::codeword_sums(projected, codes, 8);
  torch::Tensor expected = codebook_before.clone();
  vq::ema_update(expected, assigned, 0.5);
  const torch::Tensor counts = torch::bincount(codes, {}, 8);
  ASSERT_GT((counts > 0).sum().item<int64_t>(), 1);
  ASSERT_LT((counts > 0).sum().item<int64_t>(), 8);
  const mmkd::LossOutput out = loss->compute(x.inputs());
  EXPECT_TRUE(torch::allclose(loss->named_buffers()["codebook"], expected, 1e-5, 1e-6));
  EXPECT_NEAR(out.metrics.at("codebook_usage").item<double>(), (counts > 0).sum().item<double>() / 8, 1e-7);
  EXPECT_NEAR(out.metrics.at("perplexity").item<double>(), vq::assignment_perplexity(counts).item<double>(), 1e-6);
  EXPECT_TRUE(torch::equal(codes_of(*loss, x.teacher_cls.to(torch::kDouble)), codes_of(*loss, x.teacher_cls)));
  expect_error_naming([&] { loss->evaluate({{"teacher_cls", torch::randn({3, 5})}}); },
                      {"image_vq", "teacher_cls", "[3, 5]", "[B, 4]"});
  expect_error_naming([&] { loss->evaluate({}); }, {"teacher_cls"});
}

TEST(ImageVq, ShapeErrorsNameThePortsAndShapes) {
  auto loss = make_loss();
  auto compute = [&](const mmkd::TensorMap& inputs) { return [&loss, inputs] { loss->compute(inputs); }; };
  expect_error_naming(compute({{"teacher_cls", torch::randn({4, 7})}, {"patch_tokens", torch::randn({4, 3, 4})}}),
                      {"image_vq", "teacher_cls", "patch_tokens", "[4, 7]", "[4, 3, 4]", "[B, 4]"});
  expect_error_naming(compute({{"teacher_cls", torch::randn({4, 4})}, {"patch_tokens", torch::randn({3, 3, 4})}}),
                      {"[3, 3, 4]"});
  expect_error_naming(compute({{"teacher_cls", torch::randn({4, 4})}, {"patch_tokens", torch::randn({4, 4})}}),
                      {"[B, N, 4]"});
  expect_error_naming(compute({{"teacher_cls", torch::randn({4, 4})}}), {"patch_tokens"});
}

TEST(ImageVq, BadOptionsAreConfigErrors) {
  EXPECT_THROW(make_loss("heads: 3"), mmkd::ConfigError);
  EXPECT_THROW(make_loss("mask_prob: 1.5"), mmkd::ConfigError);
  EXPECT_THROW(make_loss("", 0), mmkd::ConfigError);
  EXPECT_THROW(make_loss("ema_decay: -0.1"), mmkd::ConfigError);
  EXPECT_THROW(make_loss("comitment_weight: 1"), mmkd::ConfigError);
}

// masking: exact, as the thesis code's random_masking: 177 of 196 patches (196 - floor(19.6)),
// other positions per image and per seed.
TEST(ImageVq, ExactMaskingMasksTheSameCountInEveryImage) {
  const torch::Tensor masked = vq::sample_exact_token_mask(3, 196, 0.9, 11);
  EXPECT_TRUE(torch::equal(masked.sum(1), torch::full({3}, 177, torch::kLong)));
  EXPECT_FALSE(torch::equal(masked[0], masked[1]));
  EXPECT_TRUE(torch::equal(masked, vq::sample_exact_token_mask(3, 196, 0.9, 11)));
  EXPECT_FALSE(torch::equal(masked, vq::sample_exact_token_mask(3, 196, 0.9, 12)));
  EXPECT_TRUE(torch::equal(vq::sample_exact_token_mask(2, 10, 0.5, 3).sum(1), torch::full({2}, 5, torch::kLong)));
}

// down_projection: tanh_mlp, the thesis code's embed_to_vq_proj: the codes are those of
// Linear -> Tanh -> Linear written out with the loss' own parameters.
TEST(ImageVq, TanhMlpDownProjectionChoosesTheCodesOfItsProjection) {
  auto loss = make_loss("down_projection: tanh_mlp", 8);
  mmkd::testing::randomize_parameters(*loss);
  auto p = loss->named_parameters();
  EXPECT_FALSE(p.contains("quantise_down.weight"));
  EXPECT_EQ(p["quantise_mlp.0.weight"].sizes(), torch::IntArrayRef({4, 4}));
  EXPECT_EQ(p["quantise_mlp.2.weight"].sizes(), torch::IntArrayRef({2, 4}));
  const torch::Tensor teacher_cls = torch::randn({6, dim});
  const torch::Tensor hidden = torch::tanh(teacher_cls.matmul(p["quantise_mlp.0.weight"].t()) + p["quantise_mlp.0.bias"]);
  const torch::Tensor projected = hidden.matmul(p["quantise_mlp.2.weight"].t()) + p["quantise_mlp.2.bias"];
  const torch::Tensor expected = vq::quantise(projected.detach(), loss->named_buffers()["codebook"]).indices;
  EXPECT_TRUE(torch::equal(loss->evaluate({{"teacher_cls", teacher_cls}}).at("codes"), expected));
  EXPECT_THROW(make_loss("down_projection: mlp"), mmkd::ConfigError);
  EXPECT_THROW(make_loss("masking: half"), mmkd::ConfigError);
}

TEST(ImageVq, TrainedParametersAndStateBuffers) {
  auto loss = make_loss("", 16);
  const auto buffers = loss->named_buffers();
  EXPECT_EQ(buffers["codebook"].sizes(), torch::IntArrayRef({16, 2}));
  EXPECT_EQ(buffers["step"].scalar_type(), torch::kLong);
  const auto parameters = loss->named_parameters();
  EXPECT_EQ(parameters["quantise_down.weight"].sizes(), torch::IntArrayRef({2, 4}));
  EXPECT_EQ(parameters["codeword_up.weight"].sizes(), torch::IntArrayRef({4, 2}));
  EXPECT_EQ(parameters["mask_token"].sizes(), torch::IntArrayRef({4}));
  EXPECT_FALSE(parameters.contains("quantise_down.bias"));
  EXPECT_TRUE(parameters.contains("decoder.layers.1.attention.in_proj_weight"));
  EXPECT_FALSE(parameters.contains("decoder.layers.2.norm1.weight"));
}

}  // namespace
