#include <mmkd_wandb/wandb_api.hpp>

#include <gtest/gtest.h>

namespace mmkd::wandb {
namespace {

TEST(UpsertAnswer, EntityAndHistoryLinesOfAGoodAnswer) {
  const UpsertAnswer answer = parse_upsert_answer(
      R"({"data": {"upsertBucket": {"bucket": {"project": {"entity": {"name": "me"}}, "historyLineCount": 7}}}})", "p");
  EXPECT_EQ(answer.result.outcome, Outcome::Ok);
  EXPECT_EQ(answer.entity, "me");
  EXPECT_EQ(answer.history_lines, 7);
}

// Any body gives a result, never an exception: GraphQL errors as a list, an object or a string.
TEST(UpsertAnswer, MalformedAnswersAreRefusedOrRetriedWithTheirText) {
  EXPECT_EQ(parse_upsert_answer("<html>busy</html>", "p").result.outcome, Outcome::Retry);
  const auto listed = parse_upsert_answer(R"({"errors": [{"message": "permission denied"}]})", "p").result;
  EXPECT_EQ(listed.outcome, Outcome::Refused);
  EXPECT_EQ(listed.detail, "permission denied");
  EXPECT_EQ(parse_upsert_answer(R"({"errors": "quota"})", "p").result.detail, "\"quota\"");
  EXPECT_EQ(parse_upsert_answer(R"({"errors": {"message": 3}})", "p").result.detail, R"({"message":3})");
  EXPECT_EQ(parse_upsert_answer(R"({"errors": [7]})", "p").result.detail, "7");
  const auto no_entity = parse_upsert_answer(R"({"data": {"upsertBucket": []}})", "proj").result;
  EXPECT_EQ(no_entity.outcome, Outcome::Refused);
  EXPECT_EQ(no_entity.detail, "the upsertBucket answer names no entity for project proj");
}

}  // namespace
}  // namespace mmkd::wandb
