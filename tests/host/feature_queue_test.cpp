#include <gtest/gtest.h>
#include <mmkd/error.hpp>
#include <mmkd/kit/feature_queue.hpp>
#include <torch/types.h>

namespace {

torch::Tensor rows_from(double first, int64_t count) {
  return torch::arange(first, first + count, torch::kFloat).unsqueeze(1).repeat({1, 2});
}

TEST(FeatureQueue, FillsThenKeepsTheNewestRowsOldestFirst) {
  mmkd::FeatureQueue queue(5, 2);
  EXPECT_EQ(queue->size(), 0);
  EXPECT_EQ(queue->contents().size(0), 0);
  queue->push(rows_from(0, 3));
  EXPECT_TRUE(torch::equal(queue->contents(), rows_from(0, 3)));
  queue->push(rows_from(3, 3));  // wraps: row 0 is dropped
  EXPECT_EQ(queue->size(), 5);
  EXPECT_TRUE(torch::equal(queue->contents(), rows_from(1, 5)));
  queue->push(rows_from(6, 7));  // more than the capacity: only the last 5 stay
  EXPECT_TRUE(torch::equal(queue->contents(), rows_from(8, 5)));
}

TEST(FeatureQueue, KeysAfterPutsTheCurrentRowsFirst) {
  mmkd::FeatureQueue queue(3, 2);
  torch::Tensor current = rows_from(10, 2).to(torch::kDouble);
  EXPECT_TRUE(torch::equal(queue->keys_after(current), current));
  queue->push(rows_from(0, 4));  // storage holds 3, 1, 2
  torch::Tensor keys = queue->keys_after(current);
  EXPECT_EQ(keys.scalar_type(), torch::kDouble);
  EXPECT_TRUE(torch::equal(keys.narrow(0, 0, 2), current));
  EXPECT_TRUE(torch::equal(std::get<0>(keys.narrow(0, 2, 3).select(1, 0).sort()), torch::tensor({1.0, 2.0, 3.0}, torch::kDouble)));
}

TEST(FeatureQueue, PushedRowsAreDetached) {
  mmkd::FeatureQueue queue(4, 2);
  queue->push(torch::ones({2, 2}, torch::requires_grad()));
  EXPECT_FALSE(queue->contents().requires_grad());
}

TEST(FeatureQueue, StateRoundTripsThroughBuffers) {
  mmkd::FeatureQueue saved(4, 2), restored(4, 2);
  saved->push(rows_from(0, 6));
  for (const auto& item : saved->named_buffers()) restored->named_buffers()[item.key()].copy_(item.value());
  EXPECT_EQ(restored->size(), 4);
  EXPECT_TRUE(torch::equal(restored->contents(), saved->contents()));
  restored->push(rows_from(6, 1));
  saved->push(rows_from(6, 1));
  EXPECT_TRUE(torch::equal(restored->contents(), saved->contents()));
}

TEST(FeatureQueue, RejectsRowsOfAnotherDim) {
  mmkd::FeatureQueue queue(4, 3);
  try {
    queue->push(torch::ones({2, 5}));
    FAIL() << "expected an error";
  } catch (const mmkd::Error& e) {
    EXPECT_NE(std::string(e.what()).find("[2, 5]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("dim 3"), std::string::npos) << e.what();
  }
  EXPECT_THROW(mmkd::FeatureQueue(0, 3), mmkd::Error);
}

}  // namespace
