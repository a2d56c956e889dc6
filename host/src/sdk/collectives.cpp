#include <mmkd/collectives.hpp>
#include <mmkd/context.hpp>

#include <torch/autograd.h>

namespace mmkd {
namespace {

class GatherRows : public torch::autograd::Function<GatherRows> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& local,
                               Collectives* collectives) {
    ctx->saved_data["rows"] = local.size(0);
    ctx->saved_data["rank"] = static_cast<int64_t>(collectives->rank());
    ctx->saved_data["collectives"] = reinterpret_cast<int64_t>(collectives);
    return torch::cat(collectives->all_gather(local.contiguous()), 0);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    auto* collectives = reinterpret_cast<Collectives*>(ctx->saved_data["collectives"].toInt());
    const int64_t rows = ctx->saved_data["rows"].toInt(), rank = ctx->saved_data["rank"].toInt();
    torch::Tensor grad = grad_outputs[0].contiguous().clone();
    collectives->all_reduce_sum(grad);
    return {grad.narrow(0, rank * rows, rows), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor gather_rows_with_grad(const torch::Tensor& local, const Context& context) {
  if (!context.collectives || context.collectives->world_size() == 1) return local;
  return GatherRows::apply(local, context.collectives.get());
}

torch::Tensor gather_rows(const torch::Tensor& local, const Context& context) {
  const torch::Tensor detached = local.detach();
  if (!context.collectives || context.collectives->world_size() == 1) return detached;
  return torch::cat(context.collectives->all_gather(detached.contiguous()), 0);
}

int64_t gathered_offset(int64_t local_rows, const Context& context) {
  return context.collectives ? local_rows * context.collectives->rank() : 0;
}

}  // namespace mmkd
