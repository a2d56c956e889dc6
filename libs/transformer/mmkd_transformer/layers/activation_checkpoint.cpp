#include <mmkd_transformer/layers/activation_checkpoint.hpp>

#include <mmkd/cuda_autocast.hpp>

#include <torch/csrc/autograd/custom_function.h>

namespace mmkd::transformer {

namespace {

// What the recomputation needs: the block, its parameters, and the state of the first run.
struct Recipe : torch::CustomClassHolder {
  BlockFn fn;
  std::vector<torch::Tensor> parameters;
  at::Generator generator;
  torch::Tensor rng_state;
  CudaAutocast autocast;
};

struct CheckpointFunction : public torch::autograd::Function<CheckpointFunction> {
  static torch::autograd::variable_list forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                                                torch::TensorList /*parameters*/, c10::intrusive_ptr<Recipe> recipe) {
    ctx->save_for_backward({x});
    recipe->autocast = CudaAutocast::current();
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
    const CudaAutocast autocast_now = CudaAutocast::current();
    recipe->generator.set_state(recipe->rng_state);
    recipe->autocast.apply();
    torch::Tensor y;
    {
      torch::AutoGradMode grad_mode(true);
      y = recipe->fn(x);
    }
    autocast_now.apply();
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
