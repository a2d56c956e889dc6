#include "activation_checkpoint.hpp"

#include <mmkd/version.hpp>

#include <ATen/autocast_mode.h>
#include <torch/csrc/autograd/custom_function.h>

namespace mmkd::transformer {

namespace {

bool cuda_autocast_enabled() {
#if MMKD_TORCH_AT_LEAST(2, 4)
  return at::autocast::is_autocast_enabled(at::kCUDA);
#else
  return at::autocast::is_enabled();
#endif
}

at::ScalarType cuda_autocast_dtype() {
#if MMKD_TORCH_AT_LEAST(2, 4)
  return at::autocast::get_autocast_dtype(at::kCUDA);
#else
  return at::autocast::get_autocast_gpu_dtype();
#endif
}

void set_cuda_autocast(bool enabled, at::ScalarType dtype) {
#if MMKD_TORCH_AT_LEAST(2, 4)
  at::autocast::set_autocast_dtype(at::kCUDA, dtype);
  at::autocast::set_autocast_enabled(at::kCUDA, enabled);
#else
  at::autocast::set_autocast_gpu_dtype(dtype);
  at::autocast::set_enabled(enabled);
#endif
}

// What the recomputation needs: the block, its parameters, and the state of the first run.
struct Recipe : torch::CustomClassHolder {
  BlockFn fn;
  std::vector<torch::Tensor> parameters;
  at::Generator generator;
  torch::Tensor rng_state;
  bool autocast = false;
  at::ScalarType autocast_dtype = at::kHalf;
};

struct CheckpointFunction : public torch::autograd::Function<CheckpointFunction> {
  static torch::autograd::variable_list forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                                                torch::TensorList /*parameters*/, c10::intrusive_ptr<Recipe> recipe) {
    ctx->save_for_backward({x});
    recipe->autocast = cuda_autocast_enabled();
    recipe->autocast_dtype = cuda_autocast_dtype();
    recipe->generator = at::globalContext().defaultGenerator(x.device());
    recipe->rng_state = recipe->generator.get_state();
    ctx->saved_data["recipe"] = c10::IValue::make_capsule(recipe);
    torch::NoGradGuard no_grad;
    return {recipe->fn(x)};
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    auto recipe = c10::static_intrusive_pointer_cast<Recipe>(ctx->saved_data["recipe"].toCapsule());
    torch::Tensor x = ctx->get_saved_variables()[0].detach().requires_grad_(true);
    const torch::Tensor state_now = recipe->generator.get_state();
    const bool autocast_now = cuda_autocast_enabled();
    const at::ScalarType dtype_now = cuda_autocast_dtype();
    recipe->generator.set_state(recipe->rng_state);
    set_cuda_autocast(recipe->autocast, recipe->autocast_dtype);
    torch::Tensor y;
    {
      torch::AutoGradMode grad_mode(true);
      y = recipe->fn(x);
    }
    set_cuda_autocast(autocast_now, dtype_now);
    recipe->generator.set_state(state_now);
    std::vector<torch::Tensor> wrt{x};
    wrt.insert(wrt.end(), recipe->parameters.begin(), recipe->parameters.end());
    auto grads = torch::autograd::grad({y}, wrt, {grad_outputs[0]}, false, false, true);
    torch::autograd::variable_list result{grads[0]};
    result.insert(result.end(), grads.begin() + 1, grads.end());
    result.emplace_back();  // the recipe
    return result;
  }
};

}  // namespace

torch::Tensor checkpointed(const BlockFn& fn, const torch::Tensor& x, const std::vector<torch::Tensor>& parameters) {
  auto recipe = c10::make_intrusive<Recipe>();
  recipe->fn = fn;
  for (const auto& p : parameters)
    if (p.requires_grad()) recipe->parameters.push_back(p);
  return CheckpointFunction::apply(x, torch::TensorList(recipe->parameters), recipe)[0];
}

}  // namespace mmkd::transformer
