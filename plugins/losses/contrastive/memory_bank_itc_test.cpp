#include "expect_error.hpp"
#include "gradient_check.hpp"
#include "mmkd_testing.hpp"
#include "module_state.hpp"
#include "rank_equivalence.hpp"
#include "reference_loops.hpp"

#include <gtest/gtest.h>
#include <mmkd/mmkd.hpp>
#include <torch/autograd.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <cmath>
#include <string>
#include <vector>

namespace {

using mmkd::testing::expect_error_naming;
using mmkd::testing::expect_ranks_match_one_process;

std::shared_ptr<mmkd::Loss> make_memory_bank_itc(const std::string& options) {
  return mmkd::testing::make<mmkd::Kind::Loss>("memory_bank_itc", options);
}

// Student features, and momentum features when `momentum`.
mmkd::TensorMap batch(int64_t rows, int64_t dim, bool momentum, torch::Dtype dtype = torch::kFloat) {
  mmkd::TensorMap inputs = {{"image", torch::randn({rows, dim}, dtype)}, {"text", torch::randn({rows, dim}, dtype)}};
  if (momentum) {
    inputs["image_momentum"] = torch::randn({rows, dim}, dtype);
    inputs["text_momentum"] = torch::randn({rows, dim}, dtype);
  }
  return inputs;
}

using mmkd::testing::metric;

TEST(MemoryBankItc, EmptyQueueWithoutMomentumIsTheClipLoss) {
  torch::manual_seed(20);
  mmkd::TensorMap inputs = batch(4, 6, false);
  auto clip = mmkd::testing::make<mmkd::Kind::Loss>("clip_contrastive", "{init_temperature: 0.1}");
  const mmkd::LossOutput expected = clip->compute(inputs);
  for (const char* fill : {"", ", initial_fill: empty"}) {
    SCOPED_TRACE(fill);
    auto loss = make_memory_bank_itc(std::string("{queue_size: 8, dim: 6, init_temperature: 0.1") + fill + "}");
    mmkd::LossOutput out = loss->compute(inputs);
    EXPECT_NEAR(out.loss.item<double>(), expected.loss.item<double>(), 1e-6);
    for (const char* name : {"i2t_loss", "t2i_loss", "i2t_acc", "t2i_acc", "temperature"})
      EXPECT_NEAR(metric(out, name), metric(expected, name), 1e-6) << name;
    EXPECT_EQ(metric(out, "queue_fill"), 4.0);
  }
}

TEST(MemoryBankItc, RandomInitialFillScoresTheFirstBatchAgainstFullQueuesOfRandomUnitRows) {
  torch::manual_seed(28);
  auto loss = make_memory_bank_itc("{queue_size: 5, dim: 3, init_temperature: 0.5, initial_fill: random}");
  const auto state = mmkd::testing::buffer_values(*loss);
  for (const char* queue : {"image_queue", "text_queue"}) {
    const torch::Tensor rows = state.at(std::string(queue) + ".rows");
    EXPECT_EQ(state.at(std::string(queue) + ".pushed").item<int64_t>(), 5) << queue;
    EXPECT_TRUE(torch::allclose(rows.norm(2, 1), torch::ones({5}))) << queue;
    EXPECT_GE(rows.min().item<double>(), 0.0) << queue;  // uniform [0, 1) before normalising
  }
  EXPECT_FALSE(torch::equal(state.at("image_queue.rows"), state.at("text_queue.rows")));
  mmkd::TensorMap inputs = batch(2, 3, false);
  mmkd::LossOutput out = loss->compute(inputs);
  const reference::Rows images = reference::unit_rows(inputs["image"]), texts = reference::unit_rows(inputs["text"]);
  const reference::Rows text_columns = reference::concat(texts, reference::unit_rows(state.at("text_queue.rows")));
  const reference::Rows image_columns = reference::concat(images, reference::unit_rows(state.at("image_queue.rows")));
  const double i2t = reference::info_nce(images, text_columns, 2.0);
  const double t2i = reference::info_nce(texts, image_columns, 2.0);
  EXPECT_NEAR(metric(out, "i2t_loss"), i2t, 1e-5);
  EXPECT_NEAR(metric(out, "t2i_loss"), t2i, 1e-5);
  EXPECT_NEAR(out.loss.item<double>(), (i2t + t2i) / 2, 1e-5);
  EXPECT_EQ(metric(out, "queue_fill"), 5.0);
}

TEST(MemoryBankItc, RandomInitialFillFollowsTheSeedAndIsRestoredFromState) {
  const std::string options = "{queue_size: 4, dim: 3, initial_fill: random}";
  torch::manual_seed(29);
  auto original = make_memory_bank_itc(options);
  torch::manual_seed(29);
  auto same_seed = make_memory_bank_itc(options);
  mmkd::testing::expect_buffers_equal(*same_seed, mmkd::testing::buffer_values(*original));
  torch::manual_seed(30);
  auto restored = make_memory_bank_itc(options);
  EXPECT_FALSE(torch::equal(restored->named_buffers()["text_queue.rows"], original->named_buffers()["text_queue.rows"]))
      << "another seed, other rows";
  mmkd::testing::copy_state(*original, *restored);
  const mmkd::TensorMap inputs = batch(2, 3, false);
  EXPECT_EQ(restored->compute(inputs).loss.item<double>(), original->compute(inputs).loss.item<double>());
}

TEST(MemoryBankItc, MatchesLoopImplementationWithMomentumKeysWhileQueuesFillAndWrap) {
  torch::manual_seed(21);
  auto loss = make_memory_bank_itc("{queue_size: 5, dim: 3, init_temperature: 0.5}");
  reference::Rows image_queue, text_queue;
  for (int step = 0; step < 4; ++step) {
    SCOPED_TRACE("step " + std::to_string(step));
    mmkd::TensorMap inputs = batch(2, 3, true);
    mmkd::LossOutput out = loss->compute(inputs);
    const reference::Rows images = reference::unit_rows(inputs["image"]), texts = reference::unit_rows(inputs["text"]);
    const reference::Rows image_keys = reference::unit_rows(inputs["image_momentum"]);
    const reference::Rows text_keys = reference::unit_rows(inputs["text_momentum"]);
    const reference::Rows text_columns = reference::concat(text_keys, text_queue);
    const reference::Rows image_columns = reference::concat(image_keys, image_queue);
    const double i2t = reference::info_nce(images, text_columns, 2.0);
    const double t2i = reference::info_nce(texts, image_columns, 2.0);
    EXPECT_NEAR(metric(out, "i2t_loss"), i2t, 1e-5);
    EXPECT_NEAR(metric(out, "t2i_loss"), t2i, 1e-5);
    EXPECT_NEAR(out.loss.item<double>(), (i2t + t2i) / 2, 1e-5);
    EXPECT_NEAR(metric(out, "i2t_acc"), reference::top1(images, text_columns), 1e-7);
    EXPECT_NEAR(metric(out, "t2i_acc"), reference::top1(texts, image_columns), 1e-7);
    image_queue = reference::newest(reference::concat(image_queue, image_keys), 5);
    text_queue = reference::newest(reference::concat(text_queue, text_keys), 5);
    EXPECT_EQ(metric(out, "queue_fill"), static_cast<double>(text_queue.size()));
  }
}

TEST(MemoryBankItc, GradientsMatchFiniteDifferencesInDouble) {
  torch::manual_seed(22);
  auto loss = make_memory_bank_itc("{queue_size: 4, dim: 3, init_temperature: 0.3}");
  loss->to(torch::kDouble);
  loss->compute(batch(3, 3, true, torch::kDouble));  // fills the queues
  loss->eval();
  mmkd::TensorMap inputs = batch(3, 3, true, torch::kDouble);
  torch::Tensor image = inputs["image"].requires_grad_(), text = inputs["text"].requires_grad_();
  inputs["image_momentum"].requires_grad_();
  torch::Tensor logit_scale = loss->named_parameters()["logit_scale"];
  auto f = [&] {
    mmkd::TensorMap current = inputs;
    current["image"] = image, current["text"] = text;
    return loss->compute(current).loss;
  };
  mmkd::testing::expect_gradients_match_finite_differences(
      f, {{"image", image}, {"text", text}, {"logit_scale", logit_scale}}, 1e-5, 1e-7);
  f().backward();
  EXPECT_FALSE(inputs["image_momentum"].grad().defined()) << "keys are constants";
}

TEST(MemoryBankItc, WithoutMomentumTheKeysAreTheDetachedStudentFeatures) {
  torch::manual_seed(23);
  mmkd::TensorMap history = batch(3, 4, false, torch::kDouble), inputs = batch(3, 4, false, torch::kDouble);
  mmkd::TensorMap as_momentum = inputs;
  as_momentum["image_momentum"] = inputs["image"].clone();
  as_momentum["text_momentum"] = inputs["text"].clone();
  auto gradients = [&](const mmkd::TensorMap& step) {
    auto loss = make_memory_bank_itc("{queue_size: 4, dim: 4}");
    loss->to(torch::kDouble);
    mmkd::TensorMap first = history;
    if (step.count("image_momentum")) first["image_momentum"] = history["image"], first["text_momentum"] = history["text"];
    loss->compute(first);
    mmkd::TensorMap current = step;
    current["image"] = step.at("image").clone().requires_grad_();
    current["text"] = step.at("text").clone().requires_grad_();
    mmkd::LossOutput out = loss->compute(current);
    return std::make_pair(out.loss.item<double>(), torch::autograd::grad({out.loss}, {current["image"], current["text"]}));
  };
  const auto [own_loss, own] = gradients(inputs);
  const auto [momentum_loss, momentum] = gradients(as_momentum);
  EXPECT_NEAR(own_loss, momentum_loss, 1e-12);
  EXPECT_TRUE(torch::allclose(own[0], momentum[0], 1e-10, 1e-12));
  EXPECT_TRUE(torch::allclose(own[1], momentum[1], 1e-10, 1e-12));
}

TEST(MemoryBankItc, KeysWithGradientMatchReferenceWithUndetachedBatchKeysInDouble) {
  torch::manual_seed(31);
  const mmkd::TensorMap history = batch(3, 4, false, torch::kDouble), inputs = batch(3, 4, false, torch::kDouble);
  // Eq. 26-29 by hand: the batch's unit rows, `detach`ed or not, then the queued keys as constants.
  auto reference_loss = [](const torch::Tensor& image, const torch::Tensor& text, const torch::Tensor& image_queue,
                           const torch::Tensor& text_queue, const torch::Tensor& scale, bool detach) {
    const torch::Tensor unit_image = image / image.norm(2, 1, true), unit_text = text / text.norm(2, 1, true);
    auto keys = [&](const torch::Tensor& batch_keys, const torch::Tensor& queue) {
      return torch::cat({detach ? batch_keys.detach() : batch_keys, queue});
    };
    auto cross_entropy = [](const torch::Tensor& logits) { return -logits.log_softmax(1).diagonal().mean(); };
    return (cross_entropy(scale * unit_image.matmul(keys(unit_text, text_queue).t())) +
            cross_entropy(scale * unit_text.matmul(keys(unit_image, image_queue).t()))) / 2;
  };
  auto gradients = [&](bool keys_with_gradient) {
    auto loss = make_memory_bank_itc(std::string("{queue_size: 3, dim: 4, init_temperature: 0.25, ") +
                                     "keys_with_gradient: " + (keys_with_gradient ? "true}" : "false}"));
    loss->to(torch::kDouble);
    loss->compute(history);  // fills both queues
    const auto state = mmkd::testing::buffer_values(*loss);
    const torch::Tensor scale = loss->named_parameters()["logit_scale"].exp().detach();
    const torch::Tensor image = inputs.at("image").clone().requires_grad_();
    const torch::Tensor text = inputs.at("text").clone().requires_grad_();
    const torch::Tensor got = loss->compute({{"image", image}, {"text", text}}).loss;
    const torch::Tensor expected = reference_loss(image, text, state.at("image_queue.rows"),
                                                  state.at("text_queue.rows"), scale, !keys_with_gradient);
    EXPECT_NEAR(got.item<double>(), expected.item<double>(), 1e-12);
    const auto got_grads = torch::autograd::grad({got}, {image, text});
    const auto expected_grads = torch::autograd::grad({expected}, {image, text});
    for (int i = 0; i < 2; ++i) EXPECT_TRUE(torch::allclose(got_grads[i], expected_grads[i], 1e-9, 1e-12)) << i;
    return got_grads;
  };
  const auto with_keys = gradients(true), detached_keys = gradients(false);
  for (int i = 0; i < 2; ++i) EXPECT_FALSE(torch::allclose(with_keys[i], detached_keys[i], 1e-3, 1e-6)) << i;
}

TEST(MemoryBankItc, RanksOnSlicesMatchOneProcessOnTheBatch) {
  torch::manual_seed(24);
  for (const char* options : {"{queue_size: 8, dim: 3, init_temperature: 0.2}",
                              "{queue_size: 8, dim: 3, init_temperature: 0.2, keys_with_gradient: true, "
                              "initial_fill: random}"})
    for (bool momentum : {true, false})
      for (int world : {2, 3}) {
        SCOPED_TRACE(std::string(options) + (momentum ? " momentum keys" : " student keys"));
        std::vector<mmkd::TensorMap> steps;
        for (int step = 0; step < 3; ++step) steps.push_back(batch(2 * world, 3, momentum, torch::kDouble));
        expect_ranks_match_one_process("memory_bank_itc", options, steps, {"image", "text"}, world);
      }
}

TEST(MemoryBankItc, RestoredQueuesContinueIdentically) {
  torch::manual_seed(25);
  const std::string options = "{queue_size: 6, dim: 4}";
  auto original = make_memory_bank_itc(options);
  for (int step = 0; step < 2; ++step) original->compute(batch(4, 4, true));
  auto restored = make_memory_bank_itc(options), fresh = make_memory_bank_itc(options);
  mmkd::testing::copy_state(*original, *restored);
  for (int step = 0; step < 2; ++step) {
    mmkd::TensorMap inputs = batch(4, 4, true);
    mmkd::LossOutput expected = original->compute(inputs), got = restored->compute(inputs);
    EXPECT_EQ(got.loss.item<double>(), expected.loss.item<double>());
    for (const auto& [name, value] : expected.metrics) EXPECT_EQ(metric(got, name), value.item<double>()) << name;
    EXPECT_NE(fresh->compute(inputs).loss.item<double>(), expected.loss.item<double>());
  }
}

TEST(MemoryBankItc, EvalModeLeavesTheQueuesUnchanged) {
  torch::manual_seed(26);
  auto loss = make_memory_bank_itc("{queue_size: 6, dim: 4}");
  loss->compute(batch(2, 4, true));
  const auto before = mmkd::testing::buffer_values(*loss);
  loss->eval();
  EXPECT_EQ(metric(loss->compute(batch(2, 4, true)), "queue_fill"), 2.0);
  mmkd::testing::expect_buffers_equal(*loss, before);
  loss->train();
  EXPECT_EQ(metric(loss->compute(batch(2, 4, true)), "queue_fill"), 4.0);
}

TEST(MemoryBankItc, ShapeAndDimErrorsNameThePorts) {
  auto loss = make_memory_bank_itc("{queue_size: 4, dim: 8}");
  mmkd::TensorMap inputs = batch(2, 8, true);
  inputs.erase("text_momentum");
  expect_error_naming([&] { loss->compute(inputs); }, {"memory_bank_itc", "`image_momentum`", "`text_momentum`"});
  inputs["text_momentum"] = torch::randn({2, 6});
  expect_error_naming([&] { loss->compute(inputs); },
                      {"memory_bank_itc", "`image_momentum` [2, 8]", "`text_momentum` [2, 6]"});
  expect_error_naming([&] { loss->compute(batch(2, 16, false)); }, {"memory_bank_itc", "`image`", "[2, 16]", "`dim: 8`"});
  EXPECT_THROW(make_memory_bank_itc("{queue_size: 0}"), mmkd::ConfigError);
  EXPECT_THROW(make_memory_bank_itc("{dim: 0}"), mmkd::ConfigError);
  EXPECT_THROW(make_memory_bank_itc("{initial_fill: zeros}"), mmkd::ConfigError);
}

TEST(MemoryBankItc, Bfloat16FeaturesGiveAFloat32Loss) {
  torch::manual_seed(27);
  auto loss = make_memory_bank_itc("{queue_size: 4, dim: 8, init_temperature: 0.5}");
  mmkd::TensorMap bf16;
  for (const auto& [port, tensor] : batch(2, 8, true)) bf16[port] = tensor.to(torch::kBFloat16);
  mmkd::LossOutput out = loss->compute(bf16);
  EXPECT_EQ(out.loss.scalar_type(), torch::kFloat);
  auto rows = [&](const char* port) { return reference::unit_rows(bf16[port].to(torch::kFloat)); };
  const double expected = (reference::info_nce(rows("image"), rows("text_momentum"), 2.0) +
                           reference::info_nce(rows("text"), rows("image_momentum"), 2.0)) / 2;
  EXPECT_NEAR(out.loss.item<double>(), expected, 1e-5);
  EXPECT_EQ(metric(out, "queue_fill"), 2.0);
}

}  // namespace
