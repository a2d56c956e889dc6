#include <mmkd_wandb/config_json.hpp>
#include "mmkd_testing.hpp"

#include <gtest/gtest.h>

namespace mmkd::wandb {
namespace {

TEST(ConfigJson, TypesScalarsAsYamlReadsThem) {
  const nlohmann::json json = yaml_to_json(
      "a: 1\nb: -2.5e-3\nc: true\nd: False\ne: ~\nf: text\ng: '12'\nh: \"true\"\ni: [1, x, 0.5]\n"
      "j: {k: {l: null}}\nm: 1.0.2\nn: .5\no:\n");
  const nlohmann::json expected = {{"a", 1},       {"b", -2.5e-3}, {"c", true},    {"d", false},
                                   {"e", nullptr}, {"f", "text"},  {"g", "12"},    {"h", "true"},
                                   {"i", {1, "x", 0.5}},           {"j", {{"k", {{"l", nullptr}}}}},
                                   {"m", "1.0.2"}, {"n", 0.5},     {"o", nullptr}};
  EXPECT_EQ(json, expected);
}

TEST(ConfigJson, WrapsEveryTopLevelKeyAsWandbExpects) {
  mmkd::testing::TempDir dir;
  mmkd::testing::write_file(dir.file("config.yaml"), "trainer:\n  steps: 10\nseed: 3\n");
  EXPECT_EQ(wandb_config(dir.file("config.yaml")),
            nlohmann::json({{"trainer", {{"value", {{"steps", 10}}}}}, {"seed", {{"value", 3}}}}));
  EXPECT_EQ(wandb_config(dir.file("missing.yaml")), nlohmann::json::object());
}

}  // namespace
}  // namespace mmkd::wandb
