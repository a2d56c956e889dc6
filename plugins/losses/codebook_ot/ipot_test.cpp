#include "ipot.hpp"
#include "reference_loops.hpp"

#include <gtest/gtest.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <algorithm>
#include <numeric>
#include <vector>

namespace {

namespace cb = mmkd::codebook_ot;
namespace ref = codis_reference;

torch::Tensor doubles(std::vector<double> values, std::vector<int64_t> shape) {
  return torch::tensor(values, torch::kDouble).reshape(shape);
}

ref::Vector to_vector(const torch::Tensor& t) { return ref::to_matrix(t.unsqueeze(0))[0]; }

torch::Tensor random_marginal(int64_t size) {
  torch::Tensor m = torch::rand({size}, torch::kDouble) + 0.1;
  return m / m.sum();
}

torch::Tensor uniform_plan(const torch::Tensor& cost, const cb::IpotSettings& settings) {
  return cb::ipot_plan(cost, cb::uniform_marginal(cost.size(0), torch::kCPU),
                       cb::uniform_marginal(cost.size(1), torch::kCPU), settings);
}

// Sinkhorn with entropic weight `reg`: a feasible plan for the marginals, not an optimal one.
torch::Tensor sinkhorn_plan(const torch::Tensor& cost, const torch::Tensor& mu, const torch::Tensor& nu, double reg) {
  const torch::Tensor K = torch::exp(-cost / reg);
  torch::Tensor u = torch::ones_like(mu), v = torch::ones_like(nu);
  for (int i = 0; i < 600; ++i) {
    u = mu / K.matmul(v);
    v = nu / K.t().matmul(u);
  }
  return u.unsqueeze(1) * K * v.unsqueeze(0);
}

double plan_cost(const torch::Tensor& plan, const torch::Tensor& cost) { return (plan * cost).sum().item<double>(); }

double marginal_error(const torch::Tensor& plan, const torch::Tensor& mu, const torch::Tensor& nu) {
  return std::max((plan.sum(1) - mu).abs().max().item<double>(), (plan.sum(0) - nu).abs().max().item<double>());
}

TEST(Ipot, HandCaseIdentityCost) {
  const torch::Tensor plan = uniform_plan(doubles({0, 1, 1, 0}, {2, 2}), {0.5, 100, 1});
  EXPECT_TRUE(torch::allclose(plan, doubles({0.5, 0, 0, 0.5}, {2, 2}), 0, 1e-9)) << plan;
}

TEST(Ipot, HandCaseOptimumAvoidsTheCheapestCell) {
  // T = [[t, 1/2 - t], [1/2 - t, t]] costs 5/2 + t: the optimum is t = 0 although cost[0][0] is smallest.
  const torch::Tensor cost = doubles({1, 3, 2, 5}, {2, 2});
  const torch::Tensor plan = uniform_plan(cost, {0.5, 100, 1});
  EXPECT_TRUE(torch::allclose(plan, doubles({0, 0.5, 0.5, 0}, {2, 2}), 0, 1e-9)) << plan;
  EXPECT_NEAR(plan_cost(plan, cost), 2.5, 1e-9);
}

TEST(Ipot, HandCaseUnequalMarginals) {
  // Row 0 (mass 0.3) stays in column 0; row 1 fills the rest of column 0 and all of column 1.
  const torch::Tensor plan = cb::ipot_plan(doubles({0, 1, 1, 0}, {2, 2}), torch::tensor({0.3, 0.7}, torch::kDouble),
                                           torch::tensor({0.6, 0.4}, torch::kDouble), {0.5, 200, 1});
  EXPECT_TRUE(torch::allclose(plan, doubles({0.3, 0, 0.3, 0.4}, {2, 2}), 0, 1e-9)) << plan;
}

TEST(Ipot, FollowsAlgorithmTwoStepByStep) {
  torch::manual_seed(0);
  const torch::Tensor cost = torch::rand({4, 3}, torch::kDouble) * 2;
  const torch::Tensor mu = random_marginal(4), nu = random_marginal(3);
  for (int outer : {1, 3})
    for (int inner : {1, 2}) {
      const torch::Tensor plan = cb::ipot_plan(cost, mu, nu, {0.3, outer, inner});
      const ref::Matrix expected = ref::ipot(ref::to_matrix(cost), to_vector(mu), to_vector(nu), 0.3, outer, inner);
      for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 3; ++j)
          EXPECT_NEAR(plan[i][j].item<double>(), expected[i][j], 1e-14) << "outer " << outer << " inner " << inner;
    }
}

TEST(Ipot, MeetsMarginalsOnRandomProblems) {
  torch::manual_seed(1);
  for (int trial = 0; trial < 5; ++trial) {
    const int64_t n = 3 + trial, k = 7 - trial;
    const torch::Tensor cost = torch::rand({n, k}, torch::kDouble) * 2;
    const torch::Tensor mu = random_marginal(n), nu = random_marginal(k);
    const torch::Tensor plan = cb::ipot_plan(cost, mu, nu, {0.5, 1000, 10});
    EXPECT_LT(marginal_error(plan, mu, nu), 1e-6) << "trial " << trial;
    EXPECT_GE(plan.min().item<double>(), 0.0);
  }
}

TEST(Ipot, CostIsNoMoreThanOtherFeasiblePlans) {
  torch::manual_seed(2);
  for (int trial = 0; trial < 4; ++trial) {
    const int64_t n = 5, k = 4 + trial;
    const torch::Tensor cost = torch::rand({n, k}, torch::kDouble) * 2;
    const torch::Tensor mu = random_marginal(n), nu = random_marginal(k);
    const torch::Tensor plan = cb::ipot_plan(cost, mu, nu, {0.5, 300, 1});
    const double ipot_cost = plan_cost(plan, cost);
    EXPECT_LE(ipot_cost, plan_cost(mu.unsqueeze(1) * nu.unsqueeze(0), cost) + 1e-9) << "independent coupling";
    for (int other = 0; other < 10; ++other) {
      const torch::Tensor feasible = sinkhorn_plan(torch::rand({n, k}, torch::kDouble) * 2, mu, nu, 0.05 + 0.2 * other);
      ASSERT_LT(marginal_error(feasible, mu, nu), 1e-9);
      EXPECT_LE(ipot_cost, plan_cost(feasible, cost) + 1e-9) << "trial " << trial << " plan " << other;
    }
  }
}

TEST(Ipot, ReachesTheExactOptimumOfAnAssignmentProblem) {
  // With uniform marginals on a square cost the optimum is a permutation divided by N (Birkhoff).
  torch::manual_seed(3);
  const int n = 5;
  const torch::Tensor cost = torch::rand({n, n}, torch::kDouble) * 2;
  std::vector<int> permutation(n);
  std::iota(permutation.begin(), permutation.end(), 0);
  double best = 1e9;
  do {
    double total = 0;
    for (int i = 0; i < n; ++i) total += cost[i][permutation[i]].item<double>() / n;
    best = std::min(best, total);
  } while (std::next_permutation(permutation.begin(), permutation.end()));
  EXPECT_NEAR(plan_cost(uniform_plan(cost, {0.5, 500, 1}), cost), best, 1e-6);
}

TEST(Ipot, RowOffsetsOfTheCostLeaveThePlanUnchanged) {
  // exp(-(1 + 100) / 0.5) underflows in float32; shifted rows keep the plan finite and equal.
  const torch::Tensor cost = torch::tensor({0.0f, 1.0f, 1.0f, 0.0f}).reshape({2, 2});
  const torch::Tensor shifted = cost + torch::tensor({100.0f, 60.0f}).unsqueeze(1);
  const torch::Tensor mu = torch::tensor({0.3, 0.7}), nu = torch::tensor({0.6, 0.4});
  const torch::Tensor plan = cb::ipot_plan(shifted, mu, nu, {0.5, 200, 1});
  EXPECT_TRUE(torch::allclose(plan, cb::ipot_plan(cost, mu, nu, {0.5, 200, 1}), 0, 1e-6)) << plan;
  EXPECT_TRUE(torch::allclose(plan, torch::tensor({0.3f, 0.0f, 0.3f, 0.4f}).reshape({2, 2}), 0, 1e-6)) << plan;
}

TEST(Ipot, PlanIsDetachedAndAtLeastFloat32) {
  const torch::Tensor cost = torch::rand({3, 4}).requires_grad_();
  const torch::Tensor plan = uniform_plan(cost, {0.5, 5, 1});
  EXPECT_FALSE(plan.requires_grad());
  EXPECT_EQ(plan.scalar_type(), torch::kFloat);
  EXPECT_EQ(uniform_plan(cost.detach().to(torch::kBFloat16), {0.5, 5, 1}).scalar_type(), torch::kFloat);
  EXPECT_NEAR(plan.sum().item<double>(), 1.0, 1e-5);
}

}  // namespace
