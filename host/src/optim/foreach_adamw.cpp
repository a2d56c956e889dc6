#include "optim/foreach_adamw.hpp"

#include <ATen/ops/_foreach_add.h>
#include <ATen/ops/_foreach_addcdiv.h>
#include <ATen/ops/_foreach_addcmul.h>
#include <ATen/ops/_foreach_div.h>
#include <ATen/ops/_foreach_mul.h>
#include <ATen/ops/_foreach_sqrt.h>

#include <cmath>
#include <map>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

namespace mmkd {
namespace {

using StateKey = std::decay_t<decltype(std::declval<torch::optim::Optimizer&>().state())>::key_type;

// torch::optim's key for a parameter's state: its TensorImpl address, printed as a string by older libtorch.
template <typename Key = StateKey>
Key state_key(const torch::Tensor& parameter) {
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream key;
    key << parameter.unsafeGetTensorImpl();
    return key.str();
  } else {
    return parameter.unsafeGetTensorImpl();
  }
}

// The tensors of a group's parameters that share one step count, hence one bias correction.
struct SameStep {
  std::vector<torch::Tensor> params, grads, exp_avgs, exp_avg_sqs;
};

}  // namespace

torch::Tensor ForeachAdamW::step(LossClosure closure) {
  for (const auto& group : param_groups_)  // amsgrad: libtorch's per-parameter step
    if (static_cast<const torch::optim::AdamWOptions&>(group.options()).amsgrad())
      return AdamW::step(std::move(closure));
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  for (auto& group : param_groups_) {
    const auto& options = static_cast<const torch::optim::AdamWOptions&>(group.options());
    std::map<int64_t, SameStep> by_step;
    for (const auto& p : group.params()) {
      const auto& grad = p.grad();
      if (!grad.defined()) continue;
      TORCH_CHECK(!grad.is_sparse(), "AdamW does not support sparse gradients");
      auto& slot = state_[state_key(p)];
      if (!slot) {
        auto created = std::make_unique<torch::optim::AdamWParamState>();
        created->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        created->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        slot = std::move(created);
      }
      auto& state = static_cast<torch::optim::AdamWParamState&>(*slot);
      state.step(state.step() + 1);
      auto& same = by_step[state.step()];
      same.params.push_back(p);
      same.grads.push_back(grad);
      same.exp_avgs.push_back(state.exp_avg());
      same.exp_avg_sqs.push_back(state.exp_avg_sq());
    }
    const auto [beta1, beta2] = options.betas();
    for (auto& [count, same] : by_step) {
      const double bias_correction1 = 1 - std::pow(beta1, count);
      const double bias_correction2 = 1 - std::pow(beta2, count);
      if (options.weight_decay() != 0) at::_foreach_mul_(same.params, 1 - options.lr() * options.weight_decay());
      at::_foreach_mul_(same.exp_avgs, beta1);
      at::_foreach_add_(same.exp_avgs, same.grads, 1 - beta1);
      at::_foreach_mul_(same.exp_avg_sqs, beta2);
      at::_foreach_addcmul_(same.exp_avg_sqs, same.grads, same.grads, 1 - beta2);
      auto denoms = at::_foreach_sqrt(same.exp_avg_sqs);
      at::_foreach_div_(denoms, std::sqrt(bias_correction2));
      at::_foreach_add_(denoms, options.eps());
      at::_foreach_addcdiv_(same.params, same.exp_avgs, denoms, -options.lr() / bias_correction1);
    }
  }
  return loss;
}

const torch::optim::AdamWParamState* find_adamw_state(const torch::optim::Optimizer& optimizer,
                                                      const torch::Tensor& parameter) {
  const auto found = optimizer.state().find(state_key(parameter));
  return found == optimizer.state().end() ? nullptr
                                          : static_cast<const torch::optim::AdamWParamState*>(found->second.get());
}

}  // namespace mmkd
