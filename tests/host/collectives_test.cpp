#include "thread_ranks.hpp"

#include <gtest/gtest.h>
#include <mmkd/mmkd.hpp>
#include <torch/types.h>
#include <torch/utils.h>

#include <mutex>
#include <vector>

namespace {

// A loss in which every row meets every other row, so gathered rows get gradients from
// other ranks' losses: sum over local queries q and all keys k of (q . k)^2, averaged over
// ranks as data-parallel training averages gradients.
torch::Tensor pairwise_loss(const torch::Tensor& queries, const torch::Tensor& keys) {
  return queries.matmul(keys.t()).pow(2).sum();
}

TEST(Collectives, SingleProcessGatherIsIdentity) {
  torch::Tensor x = torch::randn({3, 2}, torch::requires_grad());
  mmkd::Context context;
  EXPECT_TRUE(mmkd::gather_rows_with_grad(x, context).is_same(x));
  EXPECT_TRUE(torch::equal(mmkd::gather_rows(x, context), x));
  EXPECT_FALSE(mmkd::gather_rows(x, context).requires_grad());
  EXPECT_EQ(mmkd::gathered_offset(3, context), 0);
}

TEST(Collectives, GatheredGradientMatchesOneProcessOnTheWholeBatch) {
  torch::manual_seed(0);
  const int world = 3;
  const int64_t rows = 2;
  torch::Tensor all = torch::randn({world * rows, 4}, torch::kDouble);

  torch::Tensor whole = all.clone().requires_grad_();
  pairwise_loss(whole, whole).backward();  // every rank's queries together, one process

  std::mutex mutex;
  torch::Tensor distributed_grad = torch::zeros_like(all);
  std::vector<torch::Tensor> gathered(world);
  mmkd::testing::run_ranks(world, [&](const mmkd::Context& context) {
    torch::Tensor local = all.narrow(0, context.rank * rows, rows).clone().requires_grad_();
    torch::Tensor keys = mmkd::gather_rows_with_grad(local, context);
    pairwise_loss(local, keys).backward();
    std::lock_guard<std::mutex> lock(mutex);
    gathered[context.rank] = keys.detach();
    distributed_grad.narrow(0, context.rank * rows, rows).copy_(local.grad());
    EXPECT_EQ(mmkd::gathered_offset(rows, context), context.rank * rows);
  });
  for (const torch::Tensor& keys : gathered) EXPECT_TRUE(torch::equal(keys, all));
  EXPECT_TRUE(torch::allclose(distributed_grad, whole.grad(), 1e-12, 1e-12));
}

TEST(Collectives, GatherRowsIsDetachedAndInRankOrder) {
  mmkd::testing::run_ranks(2, [&](const mmkd::Context& context) {
    torch::Tensor local = torch::full({1, 2}, double(context.rank), torch::requires_grad());
    torch::Tensor rows = mmkd::gather_rows(local, context);
    EXPECT_FALSE(rows.requires_grad());
    EXPECT_TRUE(torch::equal(rows, torch::tensor({0.0, 0.0, 1.0, 1.0}).reshape({2, 2}).to(rows.dtype())));
  });
}

}  // namespace
