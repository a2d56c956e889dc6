#include "config/experiment_file.hpp"
#include "config/option_check.hpp"
#include "mmkd_testing.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace mmkd {
namespace {

::testing::AssertionResult contains(const std::string& text, const std::string& fragment) {
  if (text.find(fragment) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << fragment << "' not in:\n" << text;
}

OptionSpec spec(std::string name, OptionType type, std::optional<OptionValue> default_value, Constraint constraint = {},
                std::string doc = "") {
  return OptionSpec{std::move(name), type, std::move(default_value), std::move(doc), std::move(constraint)};
}

const std::vector<OptionSpec> kSpecs = {
    spec("temperature", OptionType::Float, 0.07, positive()),
    spec("reduction", OptionType::String, std::string("mean"), one_of({"mean", "sum"})),
    spec("dim", OptionType::Int, std::nullopt, at_least(1), "embedding width"),
    spec("normalize", OptionType::Bool, true),
    spec("layers", OptionType::IntList, std::vector<int64_t>{}),
    spec("betas", OptionType::FloatList, std::vector<double>{0.9, 0.98}, range(0, 1)),
    spec("names", OptionType::StringList, std::vector<std::string>{}),
    spec("x", OptionType::Float, 0.0),
};

struct Checked {
  Options options;
  std::vector<Diagnostic> errors;
  std::string text() const { return ConfigError(errors).what(); }
};

Checked check(const std::string& yaml) {
  Checked result;
  result.options =
      check_options(kSpecs, parse_yaml_string(yaml, "exp.yaml"), "model.image", {"type", "inputs"}, result.errors);
  return result;
}

TEST(OptionCheckTest, AcceptsValidValuesAndFillsDefaults) {
  Checked c = check(
      "{type: vit, inputs: {x: batch.x}, dim: 32, temperature: 1e-3, normalize: FALSE, "
      "layers: [0, -1], names: [a, 'b'], betas: [0, 1]}");
  ASSERT_TRUE(c.errors.empty()) << c.text();
  EXPECT_EQ(c.options.get<int>("dim"), 32);
  EXPECT_DOUBLE_EQ(c.options.get<double>("temperature"), 1e-3);
  EXPECT_FALSE(c.options.get<bool>("normalize"));
  EXPECT_EQ(c.options.get<std::vector<int64_t>>("layers"), (std::vector<int64_t>{0, -1}));
  EXPECT_EQ(c.options.get<std::vector<std::string>>("names"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(c.options.get<std::vector<double>>("betas"), (std::vector<double>{0, 1}));
  EXPECT_EQ(c.options.get<std::string>("reduction"), "mean");
  EXPECT_FALSE(c.options.contains("type"));
  EXPECT_TRUE(c.options.from_config("dim"));
  EXPECT_FALSE(c.options.from_config("reduction"));
  EXPECT_EQ(c.options.where("dim").to_string(), "exp.yaml:1:40");
  EXPECT_EQ(c.options.where("reduction").to_string(), "exp.yaml:1:1");
  EXPECT_EQ(c.options.key_path(), "model.image");
}

TEST(OptionCheckTest, FloatsAcceptIntegersDecimalsExponentsAndSpecials) {
  const std::vector<std::pair<std::string, double>> cases = {{"3", 3},           {"-2.5", -2.5},      {"1.0e-3", 1e-3},
                                                             {".5", 0.5},        {"5.", 5},           {"+1E3", 1000},
                                                             {".inf", INFINITY}, {"-.Inf", -INFINITY}};
  for (const auto& [text, expected] : cases) {
    Checked c = check("{dim: 1, x: " + text + "}");
    ASSERT_TRUE(c.errors.empty()) << text << ": " << c.text();
    EXPECT_EQ(c.options.get<double>("x"), expected) << text;
  }
  EXPECT_TRUE(std::isnan(check("{dim: 1, x: .NaN}").options.get<double>("x")));
  for (const std::string text : {"1e", "e3", ".", "1.2.3", "0x10", "'1.5'", "inf", "1_000"})
    EXPECT_TRUE(contains(check("{dim: 1, x: " + text + "}").text(), "model.image.x: expected float, got")) << text;
}

TEST(OptionCheckTest, IntsAreSignedDecimalDigitsOnly) {
  EXPECT_EQ(check("{dim: +7}").options.get<int>("dim"), 7);
  EXPECT_EQ(check("{dim: 007}").options.get<int>("dim"), 7);
  for (const std::string text : {"1.0", "1e3", "0x10", "abc", "--1"})
    EXPECT_TRUE(contains(check("{dim: " + text + "}").text(), "expected int, got the string '" + text + "'")) << text;
  EXPECT_TRUE(contains(check("{dim: '5'}").text(), "model.image.dim: expected int, got the quoted string '5'"));
  EXPECT_TRUE(contains(check("{dim: 99999999999999999999}").text(), "integer 99999999999999999999 is out of range"));
}

TEST(OptionCheckTest, BoolsAreTrueOrFalseInAnyCase) {
  EXPECT_TRUE(check("{dim: 1, normalize: True}").options.get<bool>("normalize"));
  for (const std::string text : {"yes", "1", "'true'"})
    EXPECT_TRUE(contains(check("{dim: 1, normalize: " + text + "}").text(), "expected bool, got")) << text;
}

TEST(OptionCheckTest, UnknownKeySuggestsTheClosestOptionAndListsAll) {
  Checked c = check("{dim: 1, tempreature: 0.1}");
  ASSERT_EQ(c.errors.size(), 1u);
  EXPECT_EQ(c.errors[0].to_string(),
            "exp.yaml:1:23: model.image.tempreature: unknown option `tempreature` (did you mean `temperature`?); "
            "valid options: temperature, reduction, dim, normalize, layers, betas, names, x");
  std::string far = check("{dim: 1, zzzzzz: 1}").text();
  EXPECT_FALSE(contains(far, "did you mean"));
  EXPECT_TRUE(contains(far, "unknown option `zzzzzz`; valid options: temperature,"));
}

TEST(OptionCheckTest, MissingRequiredOptionIsReportedAtTheNode) {
  Checked c = check("\n{reduction: sum}");
  ASSERT_EQ(c.errors.size(), 1u);
  EXPECT_EQ(c.errors[0].to_string(),
            "exp.yaml:2:1: model.image.dim: missing required option `dim` (int: embedding width)");
}

TEST(OptionCheckTest, WrongTypesDescribeWhatWasGiven) {
  Checked c = check("{dim: [1], layers: 3, names: {a: 1}, reduction: ~}");
  ASSERT_EQ(c.errors.size(), 4u) << c.text();
  EXPECT_TRUE(contains(c.errors[0].to_string(), "model.image.dim: expected int, got a list"));
  EXPECT_TRUE(contains(c.errors[1].to_string(), "model.image.layers: expected list of int, got the string '3'"));
  EXPECT_TRUE(contains(c.errors[2].to_string(), "model.image.names: expected list of string, got a map"));
  EXPECT_TRUE(contains(c.errors[3].to_string(), "model.image.reduction: expected string, got null"));
}

TEST(OptionCheckTest, ListElementsAreCheckedWithTheirIndex) {
  Checked c = check("{dim: 1, layers: [1, x, 2.5], betas: [0.5, 1.5]}");
  ASSERT_EQ(c.errors.size(), 3u) << c.text();
  EXPECT_EQ(c.errors[0].to_string(), "exp.yaml:1:22: model.image.layers.1: expected int, got the string 'x'");
  EXPECT_EQ(c.errors[1].to_string(), "exp.yaml:1:25: model.image.layers.2: expected int, got the string '2.5'");
  EXPECT_EQ(c.errors[2].to_string(), "exp.yaml:1:44: model.image.betas.1: must be in [0, 1], got 1.5");
  EXPECT_FALSE(c.options.contains("layers") && c.options.from_config("layers"));
}

TEST(OptionCheckTest, ConstraintsAndChoicesAreEnforced) {
  Checked c = check("{dim: 0, temperature: -1, reduction: meen, x: .nan}");
  ASSERT_EQ(c.errors.size(), 3u) << c.text();
  EXPECT_TRUE(contains(c.errors[0].to_string(), "model.image.dim: must be >= 1, got 0"));
  EXPECT_TRUE(contains(c.errors[1].to_string(), "model.image.temperature: must be > 0, got -1"));
  EXPECT_TRUE(contains(c.errors[2].to_string(),
                       "model.image.reduction: must be one of: mean, sum, got \"meen\" (did you mean `mean`?)"));
}

TEST(OptionCheckTest, NodeThatIsNotAMapIsOneError) {
  Checked c = check("[1, 2]");
  ASSERT_EQ(c.errors.size(), 1u);
  EXPECT_EQ(c.errors[0].to_string(), "exp.yaml:1:1: model.image: expected a map of options, got a list");
  EXPECT_DOUBLE_EQ(c.options.get<double>("temperature"), 0.07);
  Checked null_node = check("~");
  ASSERT_EQ(null_node.errors.size(), 1u);
  EXPECT_TRUE(contains(null_node.text(), "missing required option `dim`"));
}

TEST(OptionCheckTest, EveryProblemIsReportedAtOnceWithFileAndLine) {
  testing::TempDir dir;
  testing::write_file(dir.file("exp.yaml"),
                      "model:\n  image:\n    type: vit\n    tempreature: 0.1\n    dim: x\n    reduction: avg\n");
  ConfigNode root = parse_yaml_file(dir.file("exp.yaml"));
  std::vector<Diagnostic> errors;
  check_options(kSpecs, *root.at_path("model.image"), "model.image", {"type"}, errors);
  ASSERT_EQ(errors.size(), 3u) << ConfigError(errors).what();
  EXPECT_TRUE(contains(errors[0].to_string(), dir.file("exp.yaml") + ":4:18: model.image.tempreature: unknown option"));
  EXPECT_TRUE(contains(errors[1].to_string(), dir.file("exp.yaml") + ":5:10: model.image.dim: expected int"));
  EXPECT_TRUE(contains(errors[2].to_string(), dir.file("exp.yaml") + ":6:16: model.image.reduction: must be one of"));
}

}  // namespace
}  // namespace mmkd
