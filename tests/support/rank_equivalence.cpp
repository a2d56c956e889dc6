#include "rank_equivalence.hpp"

#include "mmkd_testing.hpp"
#include "module_state.hpp"
#include "thread_ranks.hpp"

#include <gtest/gtest.h>
#include <mmkd/mmkd.hpp>
#include <torch/types.h>

#include <map>

namespace mmkd::testing {
namespace {

struct StepRecord {
  double loss = 0;
  std::map<std::string, torch::Tensor> input_grads, parameter_grads, buffers;
};

// Every step of `steps` (rows [first, first + rows) of each input) on one loss instance.
std::vector<StepRecord> run_steps(Loss& loss, const std::vector<TensorMap>& steps,
                                  const std::vector<std::string>& grad_ports, int64_t first, int64_t rows) {
  std::vector<StepRecord> records;
  for (const TensorMap& step : steps) {
    TensorMap inputs;
    for (const auto& [port, tensor] : step) inputs[port] = tensor.narrow(0, first, rows).clone();
    for (const std::string& port : grad_ports) inputs[port].requires_grad_();
    loss.zero_grad();
    LossOutput out = loss.compute(inputs);
    out.loss.backward();
    StepRecord record;
    record.loss = out.loss.item<double>();
    for (const std::string& port : grad_ports) record.input_grads[port] = inputs[port].grad().clone();
    for (const auto& p : loss.named_parameters())
      if (p.value().requires_grad())
        record.parameter_grads[p.key()] =
            p.value().grad().defined() ? p.value().grad().clone() : torch::zeros_like(p.value());
    record.buffers = buffer_values(loss);
    records.push_back(record);
  }
  return records;
}

}  // namespace

void expect_ranks_match_one_process(const std::string& type, const std::string& yaml_options,
                                    const std::vector<TensorMap>& steps, const std::vector<std::string>& grad_ports,
                                    int world_size) {
  const int64_t batch = steps.front().begin()->second.size(0), local = batch / world_size;
  ASSERT_EQ(local * world_size, batch);
  auto initial = make<Kind::Loss>(type, yaml_options);
  initial->to(torch::kDouble);
  auto single_loss = make<Kind::Loss>(type, yaml_options);
  single_loss->to(torch::kDouble);
  copy_state(*initial, *single_loss);
  const std::vector<StepRecord> single = run_steps(*single_loss, steps, grad_ports, 0, batch);

  std::vector<std::vector<StepRecord>> ranks(world_size);
  run_ranks(world_size, [&](const Context& context) {
    auto loss = make<Kind::Loss>(type, yaml_options, context);
    loss->to(torch::kDouble);
    copy_state(*initial, *loss);
    ranks[context.rank] = run_steps(*loss, steps, grad_ports, context.rank * local, local);
  });

  for (size_t s = 0; s < steps.size(); ++s) {
    SCOPED_TRACE("step " + std::to_string(s) + ", " + std::to_string(world_size) + " ranks");
    double mean_loss = 0;
    for (const auto& rank : ranks) mean_loss += rank[s].loss / world_size;
    EXPECT_NEAR(mean_loss, single[s].loss, 1e-12);
    for (const std::string& port : grad_ports) {
      std::vector<torch::Tensor> parts;
      for (const auto& rank : ranks) parts.push_back(rank[s].input_grads.at(port));
      EXPECT_TRUE(torch::allclose(torch::cat(parts), world_size * single[s].input_grads.at(port), 1e-10, 1e-12))
          << port;
    }
    for (const auto& [name, grad] : single[s].parameter_grads) {
      torch::Tensor sum = torch::zeros_like(grad);
      for (const auto& rank : ranks) sum += rank[s].parameter_grads.at(name);
      EXPECT_TRUE(torch::allclose(sum, world_size * grad, 1e-10, 1e-12)) << name;
    }
    for (const auto& rank : ranks)
      for (const auto& [name, buffer] : single[s].buffers)
        EXPECT_TRUE(torch::equal(rank[s].buffers.at(name), buffer)) << name;
  }
}

}  // namespace mmkd::testing
